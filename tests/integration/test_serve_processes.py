"""`autocrea serve --workers 2`: several server processes behind one port share accounts and runs,
and every process logs JSON lines."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autocrea.storage.migrate import upgrade
from autocrea.testing.ports import free_port
from tests.platform import PASSWORD


@pytest.fixture
def served(backend: dict[str, object], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "AUTOCREA_DATA_DIR": str(tmp_path / "data"),
        "AUTOCREA_PORT": str(port),
        "AUTOCREA_SECRET_KEY": "serve-test-" + uuid.uuid4().hex,
        "AUTOCREA_EMBEDDED_WORKER": "false",
    }
    if backend:
        env["AUTOCREA_DATABASE_URL"] = str(backend["database_url"])
        env["AUTOCREA_REDIS_URL"] = str(backend["redis_url"])
    else:  # migrated once, as `autocrea db upgrade` would, so two processes never race on it
        import asyncio

        asyncio.run(upgrade(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'autocrea.db'}"))
    command = [
        shutil.which("autocrea") or str(Path(sys.executable).with_name("autocrea")),
        "serve",
        "--workers",
        "2",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_two_server_processes_share_accounts_and_log_json(served: tuple[str, Path]) -> None:
    url, log = served
    email = f"multi-{uuid.uuid4().hex[:8]}@example.com"
    # New connection each time: the kernel spreads them over both processes.
    registered = httpx.post(f"{url}/api/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    cookie = {"autocrea_session": registered.cookies["autocrea_session"]}
    for _ in range(20):
        me = httpx.get(f"{url}/api/auth/me", cookies=cookie)
        assert me.status_code == 200 and me.json()["user"]["email"] == email
    time.sleep(0.5)  # let both processes flush their access lines

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line, from every process, is JSON
    pids = {r["event"] for r in records if str(r.get("event", "")).startswith("Started server process")}
    assert len(pids) == 2, lines[:20]
    requests = [r for r in records if r.get("event") == "request" and r.get("route") == "/api/auth/me"]
    assert len(requests) == 20 and all(r["status"] == 200 and len(r["request_id"]) == 16 for r in requests)
