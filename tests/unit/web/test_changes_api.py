"""A project's conversation through the API, on SQLite and on PostgreSQL + Redis: a change is one new
verified commit at its own price, a refused request holds nothing, one run at a time, a change that
cannot be verified leaves HEAD where it was and is refunded, and Undo restores the version before.

Each test generates its own library (a few seconds) for a user of its own; the platform's worker
runs the change runs in the real sandbox.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.platform import Account, Platform, running, settings_for
from tests.services import backend_settings

LIBRARY = "Biblioteca con libros y socios"
EDITORIAL = "añade un campo editorial a los libros"
# A test of the user's own that pins the old field list: the change (a new field) fails it.
PINNED = (
    "from app import models\n\n\n"
    "def test_pinned():\n    assert 'editorial' not in models.Book.__table__.columns\n"
)


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, runtime_root: Path
) -> Iterator[Platform]:
    data = tmp_path_factory.mktemp("changes")
    with (
        backend_settings(request.param) as backend,
        running(settings_for(data, runtime_dir=runtime_root, **backend)) as served,
    ):
        yield served


@dataclass
class Library:
    platform: Platform
    owner: Account
    project: str

    def url(self, suffix: str = "") -> str:
        return f"/api/projects/{self.project}{suffix}"

    def get(self, suffix: str) -> Any:
        response = self.platform.request("GET", self.url(suffix), self.owner)
        assert response.status_code == 200, response.text
        return response.json()

    def ask(self, request: Any, account: Account | None = None, **headers: str) -> Any:
        body = request if isinstance(request, dict) else {"request": request}
        return self.platform.request(
            "POST", self.url("/changes"), account or self.owner, json=body, headers=headers
        )

    def head(self) -> str:
        sha: str = self.get("/commits?limit=1")[0]["sha"]
        return sha

    def credits(self, expect: dict[str, int] | None = None) -> dict[str, int]:
        return self.platform.credits(self.owner, expect=expect)

    def ledger(self) -> list[tuple[str, int]]:
        entries = self.platform.request("GET", "/api/credits", self.owner).json()["entries"]
        return sorted((e["kind"], e["amount"]) for e in entries)


@pytest.fixture
def library(platform: Platform) -> Library:
    owner = platform.register()
    created = platform.generate(owner, LIBRARY)
    done = platform.wait_run(owner, created["run"]["id"])
    assert done["status"] == "succeeded", done
    return Library(platform, owner, created["project"]["id"])


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error


AFTER_GENERATION = {"granted": 100, "spent": 50, "held": 0, "available": 50}


def test_a_change_is_one_verified_commit_at_its_price_shown_in_the_thread_and_undone(
    library: Library,
) -> None:
    before = library.head()
    tree_before = library.get("/tree")["files"]
    started = library.ask(EDITORIAL)
    assert started.status_code == 202, started.text
    run = started.json()["run"]
    assert run["kind"] == "change" and run["status"] == "queued" and run["base_commit"] == before
    assert started.json()["message"]["changes"] == ["añadir el campo Editorial a Libros"]
    assert library.credits()["held"] == 10
    done = library.platform.wait_run(library.owner, run["id"])
    assert done["status"] == "succeeded", done
    # Exactly one new commit, on top of the old HEAD, and the field is in the app.
    commits = library.get("/commits")
    assert commits[0]["sha"] == done["commit"] and commits[0]["parents"] == [before]
    assert commits[1]["sha"] == before
    assert commits[0]["message"].startswith("Change: añadir el campo Editorial a Libros")
    assert "editorial" in library.get("/files/app/models.py")["content"]
    library.credits(expect={"granted": 100, "spent": 60, "held": 0, "available": 40})
    assert library.credits() == {"granted": 100, "spent": 60, "held": 0, "available": 40}
    # The conversation: the description, then the change with what it did and what it proved.
    thread = library.get("/changes")
    assert thread["head"] == done["commit"] and thread["change_cost"] == 10
    assert thread["active_run"] is None and thread["can_undo"] and thread["undo_target"] == run["id"]
    first, change = thread["messages"]
    assert first["kind"] == "generation" and first["request"] == LIBRARY and first["status"] == "succeeded"
    assert change["kind"] == "change" and change["request"] == EDITORIAL and change["status"] == "succeeded"
    assert change["changes"] == ["añadir el campo Editorial a Libros"]
    files = {f["path"]: f for f in change["files"]}
    assert files["app/models.py"] == {"path": "app/models.py", "status": "modified", "added": 1, "removed": 0}
    assert {"app/schemas.py", "autocrea.json", "tests/factories.py"} <= files.keys()
    assert change["base_commit"] == before and change["commit"] == done["commit"]
    evidence = change["evidence"]
    assert evidence["tests_passed"] > 0 and evidence["tests_failed"] == 0
    assert evidence["pages_ok"] == evidence["pages_probed"] > 0
    assert change["credits"] == {"held": 10, "charged": 10, "returned": 0}
    assert change["error"] is None and change["events_url"] == f"/api/runs/{run['id']}/events"
    # The change's events are a run's events: the change, tester, security and version steps.
    events = library.platform.events(library.owner, run["id"])
    steps = [e["step"] for e in events if e["type"] == "step.finished" and e["data"]["status"] == "succeeded"]
    assert steps == ["change", "tester", "security", "version"] and events[-1]["type"] == "run.finished"
    # Undo: free, a new commit with the tree from before the change, recorded in the thread.
    undone = library.platform.request("POST", library.url("/undo"), library.owner)
    assert undone.status_code == 200, undone.text
    undo = undone.json()
    assert undo["kind"] == "undo" and undo["undoes"] == run["id"] and undo["base_commit"] == before
    commits = library.get("/commits")
    assert commits[0]["sha"] == undo["commit"] == library.head() and commits[0]["parents"] == [done["commit"]]
    assert library.get("/tree")["files"] == tree_before
    assert library.get(f"/diff?base={before}&head={undo['commit']}")["files"] == []
    assert library.credits() == {"granted": 100, "spent": 60, "held": 0, "available": 40}
    thread = library.get("/changes")
    assert [m["kind"] for m in thread["messages"]] == ["generation", "change", "undo"]
    assert thread["messages"][1]["undone_by"] == undo["id"] and not thread["can_undo"]
    again = library.platform.request("POST", library.url("/undo"), library.owner)
    assert error_of(again, 409, "conflict")["details"] == {"reason": "nothing_to_undo"}
    assert library.head() == undo["commit"]


def test_refused_requests_hold_nothing_and_change_nothing(library: Library) -> None:
    head = library.head()
    ledger = library.ledger()

    def unchanged() -> None:
        assert library.credits() == AFTER_GENERATION
        assert library.ledger() == ledger
        assert library.head() == head
        assert [m["kind"] for m in library.get("/changes")["messages"]] == ["generation"]

    # Nothing the offline engine can map: said plainly, in the app's language, nothing charged.
    error = error_of(library.ask("hazla más bonita"), 400, "change_not_understood")
    assert "No se ha cobrado nada" in error["message"]
    unchanged()
    # Bad input, as for a description.
    for text, status, code, reason in [
        ("", 400, "prompt_rejected", "empty"),
        ("  \n\t ", 400, "prompt_rejected", "empty"),
        ("a" * 20_001, 413, "prompt_too_long", "too_long"),
        ("\x00\x01\x02\x03 libros \x04\x05\x06\x07\x08", 400, "prompt_rejected", "binary"),
    ]:
        assert error_of(library.ask(text), status, code)["details"]["reason"] == reason
        unchanged()
    # A model the user has no key for: refused as a generation would be, before any hold.
    asked = {"request": EDITORIAL, "model": "anthropic:claude-sonnet-4-6"}
    error = error_of(library.ask(asked), 400, "provider_not_configured")
    assert "ANTHROPIC_API_KEY" in error["message"]
    assert error_of(library.ask({**asked, "model": "gpt-5"}), 400, "invalid_input")
    assert error_of(library.ask({"request": EDITORIAL, "extra": 1}), 422, "validation_error")
    unchanged()
    # Another user's project does not exist for them, whatever they send.
    other = library.platform.register()
    for call in (
        lambda: library.ask(EDITORIAL, other),
        lambda: library.platform.request("GET", library.url("/changes"), other),
        lambda: library.platform.request("POST", library.url("/undo"), other),
    ):
        assert LIBRARY not in error_of(call(), 404, "not_found")["message"]
    assert library.platform.credits(other)["held"] == 0
    unchanged()
    # Nothing to undo yet.
    undo = library.platform.request("POST", library.url("/undo"), library.owner)
    assert error_of(undo, 409, "conflict")["details"]["reason"] == "nothing_to_undo"
    # A hand edit on the very lines the change rewrites: a conflict naming the file, nothing held.
    models = library.get("/files/app/models.py")["content"]
    anchor = next(line for line in models.splitlines() if line.strip().startswith("is_available:"))
    edited = models.replace(anchor, anchor + "\n    shelf: Mapped[str | None] = mapped_column(sa.String(20))")
    saved = library.platform.request(
        "PUT", library.url("/files/app/models.py"), library.owner, json={"content": edited}
    )
    assert saved.status_code == 200, saved.text
    head, ledger = saved.json()["commit"], library.ledger()
    error = error_of(library.ask(EDITORIAL), 409, "change_conflict")
    assert error["details"]["files"] == ["app/models.py"] and "app/models.py" in error["message"]
    unchanged()
    assert library.get("/files/app/models.py")["content"] == edited  # the hand edit is kept
    # A project whose spec is gone cannot be changed offline.
    broken = library.platform.request(
        "PUT", library.url("/files/autocrea.json"), library.owner, json={"content": "{}"}
    )
    assert broken.status_code == 200, broken.text
    head, ledger = broken.json()["commit"], library.ledger()
    assert error_of(library.ask(EDITORIAL), 400, "invalid_input")["details"]["reason"] == "no_spec"
    unchanged()


def test_one_run_at_a_time_and_a_request_is_kept_verbatim(library: Library) -> None:
    hostile = EDITORIAL + ' <script>alert("x")</script><img src=x onerror=alert(1)>'
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda key: library.ask(hostile, **{"Idempotency-Key": key}), ["k-a", "k-b"]))
    assert sorted(r.status_code for r in both) == [202, 409], [r.text for r in both]
    started = next(r for r in both if r.status_code == 202).json()["run"]
    refused = next(r for r in both if r.status_code == 409)
    assert refused.json()["error"]["code"] == "conflict"
    assert library.credits()["held"] == 10  # the refused request's hold (if any) was released
    # While it runs: another change, an undo, a hand edit and a replay of its own key.
    error_of(library.ask("quita el campo género de los libros"), 409, "conflict")
    error_of(library.platform.request("POST", library.url("/undo"), library.owner), 409, "conflict")
    thread = library.get("/changes")
    assert thread["active_run"]["id"] == started["id"] and not thread["can_undo"]
    key = "k-a" if both[0].status_code == 202 else "k-b"
    replay = library.ask(hostile, **{"Idempotency-Key": key})
    assert replay.status_code == 202 and replay.json()["run"]["id"] == started["id"]
    assert library.credits()["held"] == 10
    done = library.platform.wait_run(library.owner, started["id"])
    assert done["status"] == "succeeded", done
    # Stored and returned as it was typed: JSON text, never markup.
    response = library.platform.request("GET", library.url("/changes"), library.owner)
    assert response.headers["content-type"].startswith("application/json")
    change = response.json()["messages"][-1]
    assert change["request"] == hostile and change["status"] == "succeeded"
    library.credits(expect={"granted": 100, "spent": 60, "held": 0, "available": 40})
    # After the run ends, its key still replays it (nothing new is held).
    assert library.ask(hostile, **{"Idempotency-Key": key}).json()["run"]["id"] == started["id"]
    assert library.credits() == {"granted": 100, "spent": 60, "held": 0, "available": 40}


def test_a_change_that_cannot_be_verified_leaves_head_and_is_refunded(library: Library) -> None:
    saved = library.platform.request(
        "PUT", library.url("/files/tests/test_pinned.py"), library.owner, json={"content": PINNED}
    )
    assert saved.status_code == 200, saved.text
    head = saved.json()["commit"]
    started = library.ask(EDITORIAL)
    assert started.status_code == 202, started.text
    done = library.platform.wait_run(library.owner, started.json()["run"]["id"])
    assert done["status"] == "failed" and done["error"], done
    assert done["commit"] is None
    assert library.head() == head
    assert "editorial" not in library.get("/files/app/models.py")["content"]
    library.credits(expect=AFTER_GENERATION)
    assert library.credits() == AFTER_GENERATION
    assert ("release", 10) in library.ledger()
    change = library.get("/changes")["messages"][-1]
    assert change["status"] == "failed" and change["error"] == done["error"]
    assert change["changes"] == ["añadir el campo Editorial a Libros"] and change["commit"] is None
    assert change["credits"] == {"held": 10, "charged": 0, "returned": 10}
    assert change["evidence"]["tests_failed"] > 0
    error_of(library.platform.request("POST", library.url("/undo"), library.owner), 409, "conflict")


def test_a_change_cancelled_midway_leaves_nothing_and_is_refunded(library: Library) -> None:
    head = library.head()
    run_id = library.ask(EDITORIAL).json()["run"]["id"]
    deadline = time.monotonic() + 60
    while library.head() == head:  # the change step committed the merged tree; verification follows
        assert time.monotonic() < deadline, "the change step never committed"
        time.sleep(0.05)
    cancel = library.platform.request("POST", f"/api/runs/{run_id}/cancel", library.owner)
    assert cancel.status_code == 202, cancel.text
    done = library.platform.wait_run(library.owner, run_id)
    assert done["status"] == "cancelled" and done["commit"] is None, done
    assert library.head() == head
    assert "editorial" not in library.get("/files/app/models.py")["content"]
    library.credits(expect=AFTER_GENERATION)
    assert library.credits() == AFTER_GENERATION
    message = library.get("/changes")["messages"][-1]
    assert message["status"] == "cancelled" and message["changes"] == ["añadir el campo Editorial a Libros"]


def test_a_running_preview_restarts_at_the_new_version_without_going_away(library: Library) -> None:
    started = library.platform.request("POST", library.url("/preview"), library.owner, json={})
    assert started.status_code == 201, started.text
    old = started.json()
    run_id = library.ask(EDITORIAL).json()["run"]["id"]
    done = library.platform.wait_run(library.owner, run_id)
    assert done["status"] == "succeeded", done
    deadline = time.monotonic() + 90
    while True:  # the old app answers until the new one does: never a moment without a preview
        found = library.platform.request("GET", library.url("/preview"), library.owner)
        assert found.status_code == 200, found.text
        if found.json()["commit"] == done["commit"]:
            break
        assert found.json()["id"] == old["id"]
        assert time.monotonic() < deadline, "the preview was not restarted"
        time.sleep(0.2)
    new = found.json()
    assert new["id"] != old["id"] and new["url"] != old["url"]
    # Undo restarts it too, at the version it brings back.
    undone = library.platform.request("POST", library.url("/undo"), library.owner).json()
    while (
        library.platform.request("GET", library.url("/preview"), library.owner).json()["commit"]
        != undone["commit"]
    ):
        assert time.monotonic() < deadline + 60, "the preview was not restarted after the undo"
        time.sleep(0.2)
    stopped = library.platform.request("DELETE", library.url("/preview"), library.owner)
    assert stopped.status_code == 204
