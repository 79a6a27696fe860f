"""Previews with several server processes (`serve --workers N`): whichever process a request lands
on shows, serves, restarts and stops the project's preview, and a preview whose app died is
reported stopped, not served. Two apps on one database and data dir stand for two processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from autocrea.storage import previews as store
from autocrea.storage.db import create_engine, session_factory
from tests.platform import Account, Platform, running, settings_for
from tests.services import backend_settings


class Process:
    """One server process, as seen by the project's owner."""

    def __init__(self, platform: Platform, owner: Account, project_id: str) -> None:
        self.platform, self.owner, self.project_id = platform, owner, project_id
        self.url = f"/api/projects/{project_id}/preview"

    def call(self, method: str) -> Any:
        return self.platform.request(method, self.url, self.owner)

    def visit(self, preview: dict[str, Any]) -> Any:
        """The owner opens the preview through this process: its capability link, then the home page."""
        client = self.platform.client
        client.cookies.clear()
        link = urlsplit(preview["open_url"])
        opening = f"{link.path}?{link.query}"
        entered = client.get(opening, headers={"Host": link.netloc}, follow_redirects=False)
        if entered.status_code != 303:
            return entered
        passed = entered.headers["set-cookie"].split(";", 1)[0]
        client.cookies.clear()
        return client.get("/", headers={"Host": link.netloc, "Cookie": passed}, follow_redirects=False)


def same(seen: dict[str, Any], preview: dict[str, Any]) -> bool:
    """The same preview: every field but `open_url`, a capability minted afresh for each answer."""
    return {**seen, "open_url": None} == {**preview, "open_url": None}


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def processes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, runtime_root: Path
) -> Iterator[tuple[Process, Process]]:
    """One generated project per backend, shared by this module's tests; each test stops its preview."""
    with contextlib.ExitStack() as stack:
        backend = stack.enter_context(backend_settings(request.param))
        data = tmp_path_factory.mktemp("processes") / "data"
        settings = settings_for(data, runtime_dir=runtime_root, **backend)
        first = stack.enter_context(running(settings))
        second = stack.enter_context(running(settings, run_worker=False))
        owner = first.register()
        created = first.generate(owner, "a library with books, members and loans")
        assert first.wait_run(owner, created["run"]["id"])["status"] == "succeeded"
        project_id = created["project"]["id"]
        yield Process(first, owner, project_id), Process(second, owner, project_id)


@pytest.fixture
def pair(processes: tuple[Process, Process]) -> Iterator[tuple[Process, Process]]:
    yield processes
    processes[0].call("DELETE")  # no preview outlives its test


def _pid_of(database_url: str, project_id: str) -> int:
    async def read() -> int:
        engine = create_engine(database_url)
        try:
            row = await store.for_project(session_factory(engine), project_id)
            assert row is not None
            return row.pid
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _wait_dead(pid: int, timeout: float = 10.0) -> None:
    """SIGKILL is delivered asynchronously: wait until the process is gone or a zombie (a crash done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in {"Z", "X"}:
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} still alive {timeout} s after SIGKILL")


def test_a_preview_started_by_one_process_is_shown_served_and_stopped_by_another(
    pair: tuple[Process, Process],
) -> None:
    a, b = pair
    started = a.call("POST")
    assert started.status_code == 201, started.text
    preview = started.json()
    assert same(b.call("GET").json(), preview)
    served = b.visit(preview)
    assert served.status_code == 200 and "Loan" in served.text

    assert b.call("DELETE").status_code == 204
    for process in (a, b):
        assert process.call("GET").status_code == 404
        gone = process.visit(preview)
        assert gone.status_code == 404 and "not running" in gone.text
    assert a.call("DELETE").status_code == 404


def test_a_restart_from_another_process_replaces_the_running_preview(
    pair: tuple[Process, Process],
) -> None:
    a, b = pair
    first = a.call("POST").json()
    second = b.call("POST")
    assert second.status_code == 201, second.text
    again = second.json()
    assert again["id"] != first["id"]
    assert same(a.call("GET").json(), again) and same(b.call("GET").json(), again)
    assert a.visit(first).status_code == 404  # the first app was stopped, not left running
    assert a.visit(again).status_code == 200  # and the process that did not start it serves the new one
    assert a.call("DELETE").status_code == 204
    assert b.visit(again).status_code == 404


def test_a_preview_whose_app_died_is_reported_stopped_and_can_start_again(
    pair: tuple[Process, Process],
) -> None:
    a, b = pair
    preview = a.call("POST").json()
    pid = _pid_of(a.platform.settings.database_url, a.project_id)
    os.killpg(pid, signal.SIGKILL)  # as if it crashed
    _wait_dead(pid)
    for process in (b, a):
        assert process.call("GET").status_code == 404
        assert process.visit(preview).status_code == 404
    restarted = b.call("POST")
    assert restarted.status_code == 201, restarted.text
    assert a.visit(restarted.json()).status_code == 200
