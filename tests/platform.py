"""A running AUTOCREA for API tests: the real app (TestClient), real database, real worker.

`Platform` keeps no cookies in the client: each `Account` sends its own session cookie and CSRF
token, so one client can act as several users (and as nobody) on the same app.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from autocrea.config import Settings
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
        self, account: Account, run_id: str, *, last_event_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Read the run's SSE stream to its end; returns the decoded events in order."""
        headers = account.cookie_headers(csrf=False)
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.client.cookies.clear()
        out: list[dict[str, Any]] = []
        with self.client.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response:
            assert response.status_code == 200, response.read()
            for line in response.iter_lines():
                if line.startswith("data:"):
                    out.append(json.loads(line[5:]))
        return out

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

    def wait_run(self, account: Account, run_id: str, *, timeout: float = 240) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run: dict[str, Any] = self.request("GET", f"/api/runs/{run_id}", account).json()
            if run["status"] not in ("queued", "running"):
                return run
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def settings_for(data_dir: Path, *, database_url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
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
