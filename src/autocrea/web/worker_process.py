"""`autocrea worker`: the job worker on its own, for deployments with more worker processes.

It shares the database (PostgreSQL) and, when set, Redis with the servers; it serves no HTTP.
SIGTERM/SIGINT stop it (embedded in a test: the `stop` event it is given); running generations
end as failed and their credits are returned.
"""

from __future__ import annotations

import asyncio
import signal

from autocrea.config import Settings
from autocrea.storage.migrate import upgrade
from autocrea.web.services import build_services


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    if settings.database_url.startswith("sqlite"):
        await upgrade(settings.database_url)
    if stop is None:  # the `autocrea worker` process: signals stop it
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    services = await build_services(settings, run_worker=True)
    try:
        await stop.wait()
    finally:
        await services.aclose()
