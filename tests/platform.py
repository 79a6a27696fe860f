"""A running AUTOCREA for API tests: the real app (TestClient), real database, real worker.

`Platform` keeps no cookies in the client: each `Account` sends its own session cookie and CSRF
token, so one client can act as several users (and as nobody) on the same app.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from autocrea.config import Settings
from autocrea.sandbox.bubblewrap import closed_parent
from autocrea.sandbox.scratch import scratch_dir
from autocrea.web.app import create_app

PASSWORD = "violet-harbor-77-lantern"


@dataclass
class Account:
    email: str
    user_id: str
    session: str
    csrf: str
    token: str | None = None

    def cookie_headers(self, *, csrf: bool = True) -> dict[str, str]:
        headers = {"Cookie": f"autocrea_session={self.session}"}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf
        return headers

    def bearer_headers(self) -> dict[str, str]:
        assert self.token is not None, "create a token first (Platform.token_for)"
        return {"Authorization": f"Bearer {self.token}"}


class Platform:
    def __init__(self, client: httpx.Client, settings: Settings) -> None:  # TestClient or a real one
        self.client = client
        self.settings = settings

    @property
    def services(self) -> Any:
        return self.client.app.state.services  # type: ignore[attr-defined]

    def request(
        self, method: str, url: str, account: Account | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        self.client.cookies.clear()
        headers = dict(kwargs.pop("headers", {}) or {})
        if account is not None:
            headers = {**account.cookie_headers(csrf=csrf), **headers}
        return self.client.request(method, url, headers=headers, **kwargs)

    def register(self, email: str | None = None, password: str = PASSWORD) -> Account:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        response = self.request("POST", "/api/auth/register", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        body = response.json()
        session = response.cookies.get("autocrea_session")
        assert session
        self.client.cookies.clear()
        return Account(email=email, user_id=body["user"]["id"], session=session, csrf=body["csrf_token"])

    def token_for(self, account: Account) -> Account:
        response = self.request("POST", "/api/tokens", account, json={"name": "tests"})
        assert response.status_code == 201, response.text
        account.token = response.json()["token"]
        return account

    def generate(
        self, account: Account, prompt: str = "Create a simple todo app", **body: Any
    ) -> dict[str, Any]:
        response = self.request("POST", "/api/projects", account, json={"prompt": prompt, **body})
        assert response.status_code == 202, response.text
        created: dict[str, Any] = response.json()
        return created

    def events(
        self, account: Account, run_id: str, *, last_event_id: int | None = None, timeout: float = 240
    ) -> list[dict[str, Any]]:
        """Read the run's SSE stream to its end; returns the decoded events in order.

        Heartbeats arrive every `sse_heartbeat_seconds`, so a run that stops moving fails here after
        `timeout` with the app's asyncio tasks in the message, instead of hanging the suite."""
        headers = account.cookie_headers(csrf=False)
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.client.cookies.clear()
        out: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        with self.client.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response:
            assert response.status_code == 200, response.read()
            for line in response.iter_lines():
                if line.startswith("data:"):
                    out.append(json.loads(line[5:]))
                if time.monotonic() > deadline:
                    last = out[-1] if out else None
                    raise AssertionError(
                        f"run {run_id} still streaming after {timeout} s; last event {last}\n{self.tasks()}"
                    )
        return out

    def tasks(self) -> str:
        """Every asyncio task of the app's event loop with where it waits (for diagnosing a stall)."""
        portal = getattr(self.client, "portal", None)
        if portal is None:
            return "(no in-process app)"

        async def dump() -> str:
            return "\n".join(
                f"--- {task.get_name()}: {_awaiting(task.get_coro())}" for task in asyncio.all_tasks()
            )

        return str(portal.call(dump))

    def credits(
        self, account: Account, *, expect: dict[str, int] | None = None, timeout: float = 10
    ) -> dict[str, int]:
        """The account's credits; with `expect`, once they equal it (or the last seen after `timeout`).

        A run's status changes a moment before its hold is settled or released (two transactions),
        so right after a run ends the balance may still show the hold.
        """
        deadline = time.monotonic() + timeout
        while True:
            found: dict[str, int] = self.request("GET", "/api/auth/me", account).json()["credits"]
            if expect is None or found == expect or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def settled_credits(self, account: Account, *, timeout: float = 10) -> dict[str, int]:
        """The account's credits once no run holds any (see `credits`: a hold settles a moment
        after its run's status changes)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.credits(account)
            if found["held"] == 0 or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def wait_run(self, account: Account, run_id: str, *, timeout: float = 240) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run: dict[str, Any] = self.request("GET", f"/api/runs/{run_id}", account).json()
            if run["status"] not in ("queued", "running"):
                return run
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def _awaiting(awaitable: Any) -> str:
    """A suspended coroutine's await chain, innermost last: `file:line function` per frame."""
    where = []
    while awaitable is not None:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if frame is None:
            where.append(repr(awaitable)[:200])  # a Future, or a coroutine that finished
            break
        where.append(f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno} {frame.f_code.co_name}")
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)
    return " > ".join(where)


@cache
def _reachable_root() -> Path:
    """One directory per test process under /tmp, removed when the process ends."""
    path = scratch_dir("autocrea-test-preview-data-")
    atexit.register(shutil.rmtree, path, True)
    return path


def preview_data_root(data_dir: Path) -> Path:
    """Where a test platform's previews keep their data: beside its data dir when the sandbox's uids
    can reach it, else a directory under /tmp (pytest's are closed to other users; project ids are
    unique, so platforms may share it)."""
    inside = data_dir.resolve() / "preview-data"
    if os.geteuid() != 0 or closed_parent(inside) is None:
        return inside
    return _reachable_root()


def settings_for(data_dir: Path, *, database_url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "preview_data_dir": preview_data_root(data_dir),
        "database_url": database_url or f"sqlite+aiosqlite:///{data_dir / 'autocrea.db'}",
        "secret_key": "test-secret-" + uuid.uuid4().hex,
        "sse_heartbeat_seconds": 1.0,
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def running(settings: Settings, *, run_worker: bool = True) -> Iterator[Platform]:
    with TestClient(create_app(settings, run_worker=run_worker)) as client:
        yield Platform(client, settings)
