"""Live run events (SSE): replay from Last-Event-ID or ?after=, heartbeats, reconnects, the terminal end."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.platform import Account, Platform, running, settings_for


@dataclass
class Stream:
    """What one connection to the event stream read: events and comment lines, in order."""

    events: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # the SSE `id:` fields
    comments: list[str] = field(default_factory=list)
    ended: bool = False  # the server closed the stream (rather than us hanging up)


def read(
    platform: Platform,
    account: Account,
    run_id: str,
    *,
    last_event_id: str | None = None,
    query: str = "",
    take: int | None = None,
    comments: int | None = None,
    on_comment: Any = None,
) -> Stream:
    """Read the stream; hang up after `take` events or `comments` comment lines, if given."""
    headers = account.cookie_headers(csrf=False)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    platform.client.cookies.clear()
    out = Stream()
    url = f"/api/runs/{run_id}/events{query}"
    with platform.client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line.startswith(":"):
                out.comments.append(line)
                if on_comment is not None:
                    on_comment()
                if comments is not None and len(out.comments) >= comments:
                    return out
            elif line:
                name, _, value = line.partition(":")
                fields[name] = value.strip()
            elif "data" in fields:  # a blank line ends an event
                out.events.append(json.loads(fields["data"]))
                out.ids.append(fields.get("id", ""))
                fields = {}
                if take is not None and len(out.events) >= take:
                    return out
    out.ended = True
    return out


def test_reconnecting_ten_times_during_a_run_loses_and_duplicates_nothing(platform: Platform) -> None:
    ana = platform.register()
    run_id = platform.generate(ana, "a todo app with tasks")["run"]["id"]
    seen: list[dict[str, Any]] = []
    reconnects = 0
    statuses: list[str] = []
    last: str | None = None
    while True:
        part = read(platform, ana, run_id, last_event_id=last, take=None if reconnects >= 10 else 3)
        seen += part.events
        assert part.ids == [str(e["id"]) for e in part.events]
        if part.ended:
            break
        last = str(seen[-1]["id"])
        reconnects += 1
        statuses.append(platform.request("GET", f"/api/runs/{run_id}", ana).json()["status"])
    assert reconnects == 10
    assert statuses == ["running"] * 10  # every hang-up happened while the run was live
    assert [e["id"] for e in seen] == list(range(1, len(seen) + 1))
    assert seen[-1]["type"] == "run.finished"
    assert {e["run_id"] for e in seen} == {run_id}

    # The finished run replays in full, the same events in the same order.
    replay = read(platform, ana, run_id)
    assert replay.ended and replay.events == seen
    # And from any point, by header or by query.
    middle = len(seen) // 2
    assert read(platform, ana, run_id, last_event_id=str(middle)).events == seen[middle:]
    assert read(platform, ana, run_id, query=f"?after={middle}").events == seen[middle:]
    assert read(platform, ana, run_id, last_event_id=str(len(seen))).events == []
    # Another user's run is not found; nobody's is not authorised.
    bea = platform.register()
    platform.client.cookies.clear()
    other = platform.client.get(f"/api/runs/{run_id}/events", headers=bea.cookie_headers(csrf=False))
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    assert platform.request("GET", f"/api/runs/{run_id}/events").status_code == 401


def test_an_idle_stream_sends_heartbeats_and_ends_with_the_terminal_event(tmp_path: Path) -> None:
    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        ana = platform.register()
        run_id = platform.generate(ana)["run"]["id"]
        idle = read(platform, ana, run_id, comments=2)
        assert idle.events == [] and len(idle.comments) == 2

        def cancel_once() -> None:
            if not cancelled:
                cancelled.append(platform.request("POST", f"/api/runs/{run_id}/cancel", ana).status_code)

        cancelled: list[int] = []
        done = read(platform, ana, run_id, on_comment=cancel_once)
        assert cancelled == [202]
        assert done.ended and [e["type"] for e in done.events] == ["run.cancelled"]


def test_a_bad_last_event_id_replays_from_the_start(tmp_path: Path) -> None:
    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        ana = platform.register()
        run_id = platform.generate(ana)["run"]["id"]
        assert platform.request("POST", f"/api/runs/{run_id}/cancel", ana).status_code == 202
        for header in ("nonsense", "-5", ""):
            got = read(platform, ana, run_id, last_event_id=header)
            assert got.ended and [e["id"] for e in got.events] == [1], header
        bad = platform.request("GET", f"/api/runs/{run_id}/events?after=-1", ana)
        assert bad.status_code == 422 and set(bad.json()["error"]) == {"code", "message", "details"}
