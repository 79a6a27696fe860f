"""AUTOCREA served by uvicorn on a free port in a background thread, reached over a real socket.

The preview origin is `<id>.preview.localhost:<port>`: Chromium resolves every `*.localhost` name to
the loopback address by itself, so the separate origin works without DNS or /etc/hosts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from autocrea.config import Settings
from autocrea.testing.ports import free_port
from autocrea.web.app import create_app
from tests.platform import settings_for


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    settings: Settings


@contextmanager
def serve(
    data_dir: Path, *, host: str = "localhost", previews: str = "preview.localhost", **overrides: Any
) -> Iterator[Served]:
    """AUTOCREA at http://<host>:<port>, its previews at http://<id>.<previews>:<port>."""
    port = free_port()
    url = f"http://{host}:{port}"
    settings = settings_for(
        data_dir,
        public_url=url,
        preview_base_url=f"http://{{run}}.{previews}:{port}",
        **overrides,
    )
    config = uvicorn.Config(
        create_app(settings, run_worker=True), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="autocrea-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the AUTOCREA server did not start")
        time.sleep(0.05)
    try:
        yield Served(url=url, port=port, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
