"""`autocrea worker` as a separate worker: the server only queues, the worker runs, events flow back.

On PostgreSQL + Redis this is the scale-out deployment: the live stream the user watches is served by
the web process while another process (here: another thread with its own event loop) runs the job.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autocrea.config import Settings
from autocrea.web.worker_process import run_worker
from tests.platform import running, settings_for


@contextmanager
def worker_thread(settings: Settings) -> Iterator[None]:
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(run_worker(settings, stop=stop))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=60)
        assert not failure, failure


def test_a_separate_worker_runs_what_the_server_queued(
    backend: dict[str, object], tmp_path: Path, runtime_root: Path
) -> None:
    settings = settings_for(tmp_path / "data", runtime_dir=runtime_root, **backend)
    with running(settings, run_worker=False) as platform:
        ana = platform.register()
        run = platform.generate(ana)["run"]
        assert platform.request("GET", f"/api/runs/{run['id']}", ana).json()["status"] == "queued"
        with worker_thread(settings):
            events = platform.events(ana, run["id"])  # served by the web process, produced by the worker
            done = platform.wait_run(ana, run["id"])
    assert done["status"] == "succeeded"
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "run.finished"
