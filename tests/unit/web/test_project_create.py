"""Starting a generation: validation before any hold, 402 when short, idempotency keys, rate limits.

The platform runs without its worker here, so runs stay queued and nothing is generated: every
test reads what the request itself did.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.platform import Account, Platform, running, settings_for
from tests.services import backend_settings


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def idle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The platform on each backend, with no worker: runs are queued and stay queued.

    Shared by the module; every test registers its own user, so tests see only their own objects.
    """
    data = tmp_path_factory.mktemp("data")
    with (
        backend_settings(request.param) as backend,
        running(settings_for(data, **backend), run_worker=False) as platform,
    ):
        yield platform


def credits(platform: Platform, account: Account) -> dict[str, int]:
    me = platform.request("GET", "/api/auth/me", account)
    assert me.status_code == 200, me.text
    found: dict[str, int] = me.json()["credits"]
    return found


def projects(platform: Platform, account: Account) -> list[dict[str, Any]]:
    page = platform.request("GET", "/api/projects", account)
    assert page.status_code == 200, page.text
    assert page.json()["total"] == len(page.json()["items"])
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def ledger_kinds(platform: Platform, account: Account) -> list[str]:
    found = platform.request("GET", "/api/credits", account)
    assert found.status_code == 200, found.text
    return sorted(e["kind"] for e in found.json()["entries"])


def post(platform: Platform, account: Account, body: dict[str, Any], **headers: str) -> Any:
    return platform.request("POST", "/api/projects", account, json=body, headers=headers)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


def assert_nothing_changed(platform: Platform, account: Account) -> None:
    assert projects(platform, account) == []
    assert credits(platform, account) == {"granted": 100, "spent": 0, "held": 0, "available": 100}
    assert ledger_kinds(platform, account) == ["grant"]


def test_a_generation_is_queued_at_once_with_a_hold(idle: Platform) -> None:
    ana = idle.register()
    response = post(idle, ana, {"prompt": "a library with books, members and loans"})
    assert response.status_code == 202, response.text
    body = response.json()
    run = body["run"]
    assert run["status"] == "queued" and run["project_id"] == body["project"]["id"]
    assert run["events_url"] == f"/api/runs/{run['id']}/events"
    assert body["project"]["latest_run"]["id"] == run["id"]
    assert idle.request("GET", f"/api/runs/{run['id']}", ana).json()["status"] == "queued"
    assert [p["id"] for p in projects(idle, ana)] == [body["project"]["id"]]
    assert credits(idle, ana) == {"granted": 100, "spent": 0, "held": 50, "available": 50}


BAD_PROMPTS = [
    ("", 400, "prompt_rejected", "empty"),
    ("   \n\t  ", 400, "prompt_rejected", "empty"),
    ("a" * 20_001, 413, "prompt_too_long", "too_long"),
    ("\x00\x01\x02\x03 library \x04\x05\x06\x07\x08", 400, "prompt_rejected", "binary"),
    ("hello", 400, "prompt_rejected", "no_domain"),  # no application the offline engine can recognise
    ("Ich brauche eine App für unsere Tierarztpraxis mit Patienten", 400, "prompt_rejected", "language"),
    ("A tip calculator for a group dinner", 400, "prompt_rejected", "needs_model"),  # keeps no records
]
BAD_MODELS = [
    ("nosuch:model", "invalid_input", ["nosuch"]),
    ("openai:gpt-4o-mini", "provider_not_configured", ["openai", "OPENAI_API_KEY"]),
    ("anthropic:claude-haiku-4-5", "provider_not_configured", ["anthropic", "ANTHROPIC_API_KEY"]),
]


def test_a_bad_prompt_is_refused_before_any_hold(idle: Platform) -> None:
    ana = idle.register()  # one user for all: each refusal must leave the account untouched
    for prompt, status, code, reason in BAD_PROMPTS:
        error = assert_error(post(idle, ana, {"prompt": prompt}), status, code)
        if reason is not None:
            assert error["details"]["reason"] == reason, prompt[:40]
        assert_nothing_changed(idle, ana)


def test_an_unusable_model_is_refused_naming_what_is_missing(idle: Platform) -> None:
    ana = idle.register()
    for model, code, names in BAD_MODELS:
        error = assert_error(post(idle, ana, {"prompt": "a todo app", "model": model}), 400, code)
        text = (error["message"] + repr(error["details"])).lower()
        assert all(name.lower() in text for name in names), error
        assert_nothing_changed(idle, ana)


def test_short_of_credits_is_402_with_the_amounts_and_changes_nothing(idle: Platform) -> None:
    ana = idle.register()
    for _ in range(2):
        assert post(idle, ana, {"prompt": "a todo app"}).status_code == 202
    before = credits(idle, ana)
    assert before == {"granted": 100, "spent": 0, "held": 100, "available": 0}
    error = assert_error(post(idle, ana, {"prompt": "a todo app"}), 402, "insufficient_credits")
    assert error["details"] == {"required": 50, "available": 0}
    assert credits(idle, ana) == before
    assert len(projects(idle, ana)) == 2


def test_a_replayed_idempotency_key_returns_the_first_run_and_holds_once(idle: Platform) -> None:
    ana = idle.register()
    first = post(idle, ana, {"prompt": "a todo app"}, **{"Idempotency-Key": "k-1"})
    again = post(idle, ana, {"prompt": "a todo app"}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 202
    assert again.json()["run"]["id"] == first.json()["run"]["id"]
    assert again.json()["project"]["id"] == first.json()["project"]["id"]
    assert len(projects(idle, ana)) == 1
    assert credits(idle, ana)["held"] == 50
    # The same key is another user's own key: it never returns Ana's run.
    bea = idle.register()
    other = post(idle, bea, {"prompt": "a todo app"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 202 and other.json()["run"]["id"] != first.json()["run"]["id"]


def test_concurrent_replays_of_one_key_create_one_run(idle: Platform) -> None:
    ana = idle.register()
    with ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(
                lambda _: post(idle, ana, {"prompt": "a todo app"}, **{"Idempotency-Key": "same"}),
                range(8),
            )
        )
    assert [r.status_code for r in responses] == [202] * 8, [r.text for r in responses]
    assert len({r.json()["run"]["id"] for r in responses}) == 1
    assert len(projects(idle, ana)) == 1
    assert credits(idle, ana) == {"granted": 100, "spent": 0, "held": 50, "available": 50}


def test_a_bad_idempotency_key_is_400(idle: Platform) -> None:
    ana = idle.register()
    assert_error(post(idle, ana, {"prompt": "a todo app"}, **{"Idempotency-Key": " "}), 400, "invalid_input")
    assert_nothing_changed(idle, ana)


def test_a_key_of_a_deleted_project_does_not_start_a_free_generation(idle: Platform) -> None:
    ana = idle.register()
    first = post(idle, ana, {"prompt": "a todo app"}, **{"Idempotency-Key": "once"}).json()
    cancelled = idle.request("POST", f"/api/runs/{first['run']['id']}/cancel", ana)
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert idle.request("DELETE", f"/api/projects/{first['project']['id']}", ana).status_code == 204
    replay = post(idle, ana, {"prompt": "a todo app"}, **{"Idempotency-Key": "once"})
    assert_error(replay, 409, "conflict")
    assert projects(idle, ana) == []
    assert credits(idle, ana) == {"granted": 100, "spent": 0, "held": 0, "available": 100}


def test_generation_starts_are_rate_limited_with_retry_after(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", rate_limit_generate="2/minute")
    with running(settings, run_worker=False) as platform:
        ana = platform.register()
        assert [post(platform, ana, {"prompt": "a todo app"}).status_code for _ in range(2)] == [202, 202]
        limited = post(platform, ana, {"prompt": "a todo app"})
        assert_error(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert len(projects(platform, ana)) == 2
        # The limit is per user: another user can still start one.
        assert post(platform, platform.register(), {"prompt": "a todo app"}).status_code == 202
