"""Runs through the API: success spends the hold, failure and cancel return it, ended runs stay ended."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.platform import Account, Platform, running, settings_for
from tests.unit.web.conftest import Library


@pytest.fixture
def busy(library: Library) -> Platform:
    """The shared platform (with its worker); tests start runs as new users."""
    return library.platform


FULL = {"granted": 100, "spent": 0, "held": 0, "available": 100}


def first_events(platform: Platform, account: Account, run_id: str, until: str) -> list[dict[str, Any]]:
    """Read the live stream until an event of type `until` arrives, then hang up."""
    out: list[dict[str, Any]] = []
    platform.client.cookies.clear()
    headers = account.cookie_headers(csrf=False)
    with platform.client.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                out.append(json.loads(line[5:]))
                if out[-1]["type"] == until:
                    break
    return out


def test_a_finished_run_spent_its_hold_and_cannot_be_cancelled(library: Library) -> None:
    busy, ana, run = library.platform, library.owner, library.run
    assert run["status"] == "succeeded" and run["error"] is None and run["finished_at"]
    assert set(run["summary"]["entities"]) >= {"Book", "Member", "Loan"}
    spent = {"granted": 100, "spent": 50, "held": 0, "available": 50}
    assert busy.credits(ana, expect=spent) == spent

    late = busy.request("POST", f"/api/runs/{run['id']}/cancel", ana)
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"
    assert late.json()["error"]["details"] == {"status": "succeeded"}
    assert busy.request("GET", f"/api/runs/{run['id']}", ana).json()["cancel_requested"] is False
    assert busy.credits(ana) == spent
    runs = busy.request("GET", f"/api/projects/{library.project['id']}/runs", ana).json()
    assert [r["id"] for r in runs] == [run["id"]]


def test_a_generation_is_answered_before_it_runs(busy: Platform) -> None:
    ana = busy.register()
    created = busy.generate(ana, "a todo app with tasks")
    assert created["run"]["status"] == "queued" and created["run"]["started_at"] is None
    cancel = busy.request("POST", f"/api/runs/{created['run']['id']}/cancel", ana)
    assert cancel.status_code == 202
    assert busy.wait_run(ana, created["run"]["id"], timeout=60)["status"] == "cancelled"


def test_a_running_run_is_cancelled_and_its_credits_returned(busy: Platform) -> None:
    ana = busy.register()
    run_id = busy.generate(ana, "a todo app with tasks")["run"]["id"]
    seen = first_events(busy, ana, run_id, until="step.started")
    assert seen[0]["type"] == "run.started"
    cancel = busy.request("POST", f"/api/runs/{run_id}/cancel", ana)
    assert cancel.status_code == 202, cancel.text
    assert cancel.json()["status"] == "running" and cancel.json()["cancel_requested"] is True

    done = busy.wait_run(ana, run_id, timeout=60)
    assert done["status"] == "cancelled", done
    events = busy.events(ana, run_id)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "run.cancelled"
    assert [e["type"] for e in events].count("run.cancelled") == 1
    assert not {"run.finished", "run.failed"} & {e["type"] for e in events}
    assert busy.credits(ana, expect=FULL) == FULL
    assert busy.request("POST", f"/api/runs/{run_id}/cancel", ana).status_code == 409


def test_another_users_run_cannot_be_cancelled_or_read(busy: Platform) -> None:
    ana, bea = busy.register(), busy.register()
    created = busy.generate(ana, "a todo app with tasks")
    run_id = created["run"]["id"]
    for method, url in [
        ("POST", f"/api/runs/{run_id}/cancel"),
        ("GET", f"/api/runs/{run_id}"),
        ("GET", f"/api/projects/{created['project']['id']}/runs"),
    ]:
        response = busy.request(method, url, bea)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert busy.request("GET", f"/api/runs/{run_id}", ana).json()["cancel_requested"] is False
    assert busy.request("POST", f"/api/runs/{run_id}/cancel", ana).status_code == 202
    assert busy.wait_run(ana, run_id, timeout=60)["status"] == "cancelled"


def test_a_queued_run_is_cancelled_at_once(tmp_path: Path) -> None:
    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        ana = platform.register()
        run_id = platform.generate(ana)["run"]["id"]
        cancel = platform.request("POST", f"/api/runs/{run_id}/cancel", ana)
        assert cancel.status_code == 202 and cancel.json()["status"] == "cancelled"
        assert cancel.json()["finished_at"] is not None
        assert platform.credits(ana) == FULL
        events = platform.events(ana, run_id)
        assert [(e["id"], e["type"]) for e in events] == [(1, "run.cancelled")]
        again = platform.request("POST", f"/api/runs/{run_id}/cancel", ana)
        assert again.status_code == 409 and again.json()["error"]["details"] == {"status": "cancelled"}


def test_a_failed_run_returns_its_credits(tmp_path: Path) -> None:
    # A real failure: the generated app's virtualenv cannot be created with a missing interpreter.
    settings = settings_for(
        tmp_path / "data", runtime_dir=tmp_path / "runtimes", sandbox_python=str(tmp_path / "no-python")
    )
    with running(settings) as platform:
        ana = platform.register()
        run_id = platform.generate(ana)["run"]["id"]
        done = platform.wait_run(ana, run_id, timeout=60)
        assert done["status"] == "failed" and "no-python" in done["error"], done
        events = platform.events(ana, run_id)
        assert events[-1]["type"] == "run.failed" and events[-1]["data"]["error"]
        assert platform.credits(ana, expect=FULL) == FULL
        assert platform.request("POST", f"/api/runs/{run_id}/cancel", ana).status_code == 409
