"""The event stream over a real socket (uvicorn), where framing and hang-ups are the server's business.

TestClient does not care about a stray `Content-Length: 0` on a stream nor notices a client that
hangs up; a browser and a proxy do.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.platform import Account, Platform
from tests.served import Served, serve


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, Platform]]:
    # No worker: a new run stays queued, so its streams idle; heartbeats far apart, so only the
    # hang-up itself can free a stream in time.
    with (
        serve(tmp_path / "data", embedded_worker=False, sse_heartbeat_seconds=60) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield server, Platform(client, server.settings)


def open_streams(platform: Platform) -> int:
    metrics = platform.request("GET", "/metrics").text
    found = re.search(r"^autocrea_sse_streams (\S+)$", metrics, re.M)
    assert found, metrics
    return int(float(found.group(1)))


def wait_for(platform: Platform, count: int, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while (seen := open_streams(platform)) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return seen


def read_to_end(server: Served, account: Account, run_id: str, lines: list[str]) -> None:
    headers = {"Authorization": f"Bearer {account.token}"}
    with (
        httpx.Client(base_url=server.url, timeout=30) as client,
        client.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-length" not in response.headers
        assert response.headers["cache-control"] == "no-cache"
        lines.extend(response.iter_lines())


def test_streams_are_framed_for_real_clients_and_end_with_the_terminal_event(
    served: tuple[Served, Platform],
) -> None:
    server, platform = served
    ana = platform.token_for(platform.register())
    run_id = platform.generate(ana)["run"]["id"]
    seen: list[list[str]] = [[] for _ in range(10)]
    readers = [threading.Thread(target=read_to_end, args=(server, ana, run_id, lines)) for lines in seen]
    for reader in readers:
        reader.start()
    assert wait_for(platform, 10) == 10
    # The server counts a stream open before its client has read a byte: give each reader its first line.
    deadline = time.monotonic() + 10
    while not all(seen) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(lines[:1] == ["event: run.started"] for lines in seen), seen
    assert platform.request("POST", f"/api/runs/{run_id}/cancel", ana).status_code == 202
    for reader in readers:
        reader.join(timeout=10)
    # The server ended every stream right after its terminal event.
    assert all(not reader.is_alive() for reader in readers)
    last_events = [[line for line in lines if line.startswith("event:")][-1] for lines in seen]
    assert last_events == ["event: run.cancelled"] * 10, [lines[-12:] for lines in seen]
    assert wait_for(platform, 0) == 0


def test_a_client_that_hangs_up_while_idle_is_let_go_before_the_next_heartbeat(
    served: tuple[Served, Platform],
) -> None:
    server, platform = served
    ana = platform.token_for(platform.register())
    run_id = platform.generate(ana)["run"]["id"]
    headers = {"Authorization": f"Bearer {ana.token}"}
    with (
        httpx.Client(base_url=server.url, timeout=30) as client,
        client.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response,
    ):
        lines = response.iter_lines()  # kept: a dropped iterator closes the response
        assert next(lines) == "event: run.started"
        assert wait_for(platform, 1) == 1
    # Hung up; the heartbeat is a minute away, so only noticing the hang-up ends the stream now.
    assert wait_for(platform, 0, timeout=5) == 0
