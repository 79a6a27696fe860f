"""The admin API (/api/admin/...): only AUTOCREA_ADMIN_EMAILS see it (404 to anyone else); users
with balances and runs, disabling accounts (sessions and tokens then get 403), credits granted and
taken back with a reason (never below zero, even when asked for at once), runs and daily totals."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from autocrea.domain.credits import TRIAL_CREDITS
from tests.platform import PASSWORD, Account, Platform, running, settings_for

ADMIN = "boss@example.com"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[Platform]:
    data = tmp_path_factory.mktemp("admin") / "data"
    settings = settings_for(
        data,
        runtime_dir=runtime_root,
        admin_emails=f"ops@example.com, {ADMIN.upper()}",
        rate_limit_api="100000/minute",
    )
    with running(settings) as found:
        found.admin = found.token_for(found.register(ADMIN))  # type: ignore[attr-defined]
        yield found


def admin(platform: Platform) -> Account:
    found: Account = platform.admin  # type: ignore[attr-defined]
    return found


def change(platform: Platform, user: Account, action: str, amount: Any, reason: Any = "support") -> Any:
    body = {"action": action, "amount": amount, "reason": reason}
    return platform.request("POST", f"/api/admin/users/{user.user_id}/credits", admin(platform), json=body)


def test_everyone_but_an_admin_gets_404(platform: Platform) -> None:
    user = platform.token_for(platform.register())
    urls = ("/api/admin/users", f"/api/admin/users/{user.user_id}", "/api/admin/runs", "/api/admin/daily")
    for url in urls:
        for who in (None, user):
            response = platform.request("GET", url, who)
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", url
        assert platform.request("GET", url, headers=user.bearer_headers()).status_code == 404
    written = platform.request(
        "POST",
        f"/api/admin/users/{user.user_id}/credits",
        user,
        json={"action": "grant", "amount": 5, "reason": "x"},
    )
    assert written.status_code == 404
    raw = platform.request(  # a body that is not JSON at all: still 404, not 422
        "POST",
        f"/api/admin/users/{user.user_id}/credits",
        user,
        content=b"{",
        headers={"Content-Type": "application/json"},
    )
    assert raw.status_code == 404
    assert platform.credits(user)["available"] == TRIAL_CREDITS
    assert platform.request("GET", "/api/auth/me", user).json()["admin"] is False


def test_users_are_searched_by_email_and_paginated(platform: Platform) -> None:
    tag = "find-me-" + "x" * 4
    made = [platform.register(f"{tag}-{n}@example.com") for n in range(3)]
    found = platform.request("GET", f"/api/admin/users?q={tag.upper()}&limit=2", admin(platform)).json()
    assert found["total"] == 3 and len(found["users"]) == 2
    assert found["users"][0]["email"] == made[2].email  # newest first
    rest = platform.request("GET", f"/api/admin/users?q={tag}&limit=2&offset=2", admin(platform)).json()
    assert [u["email"] for u in rest["users"]] == [made[0].email]
    one = rest["users"][0]
    assert one["balance"] == {"available": TRIAL_CREDITS, "held": 0, "spent": 0, "granted": TRIAL_CREDITS}
    assert one["runs"] == 0 and one["disabled"] is False and one["disabled_at"] is None
    assert (
        platform.request("GET", "/api/admin/users?q=%25", admin(platform)).json()["total"] == 0
    )  # LIKE escaped
    assert platform.request("GET", "/api/admin/users?limit=0", admin(platform)).status_code == 422
    assert platform.request("GET", f"/api/admin/users?q={'a' * 400}", admin(platform)).status_code == 422
    assert platform.request("GET", "/api/admin/users/" + "0" * 32, admin(platform)).status_code == 404


def test_grant_and_take_back_show_in_the_users_ledger_with_the_reason(platform: Platform) -> None:
    user = platform.register()
    granted = change(platform, user, "grant", 40, "  outage on 2 Dec  ")
    assert granted.status_code == 201, granted.text
    assert granted.json()["user"]["balance"]["available"] == TRIAL_CREDITS + 40
    taken = change(platform, user, "take_back", 30, "granted twice by mistake")
    assert taken.status_code == 201 and taken.json()["user"]["balance"]["available"] == TRIAL_CREDITS + 10
    ledger = platform.request("GET", "/api/credits", user).json()
    assert ledger["credits"]["available"] == TRIAL_CREDITS + 10
    entries = [(e["kind"], e["amount"], e["reason"]) for e in ledger["entries"][:2]]
    assert entries == [
        ("revoke", 30, f"granted twice by mistake (admin {ADMIN})"),
        ("grant", 40, f"outage on 2 Dec (admin {ADMIN})"),
    ]
    refused = change(platform, user, "take_back", TRIAL_CREDITS + 11)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["details"] == {
        "available": TRIAL_CREDITS + 10,
        "asked": TRIAL_CREDITS + 11,
    }
    assert "below zero" in refused.json()["error"]["message"]
    assert platform.credits(user)["available"] == TRIAL_CREDITS + 10


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (0, "r"),
        (-5, "r"),
        ("5", "r"),
        (2.5, "r"),
        (True, "r"),
        (10_001, "r"),
        (5, ""),
        (5, "   "),
        (5, "x" * 121),
        (5, None),
    ],
)
def test_bad_credit_changes_are_refused_and_change_nothing(
    platform: Platform, amount: Any, reason: Any
) -> None:
    user = platform.register()
    for action in ("grant", "take_back"):
        response = change(platform, user, action, amount, reason)
        assert response.status_code == 422, (action, response.text)
    assert platform.credits(user)["available"] == TRIAL_CREDITS


def test_unknown_users_and_actions_are_refused(platform: Platform) -> None:
    nobody = Account(email="x", user_id="f" * 32, session="", csrf="")
    assert change(platform, nobody, "grant", 5).status_code == 404
    assert change(platform, nobody, "take_back", 5).status_code == 404
    user = platform.register()
    assert change(platform, user, "steal", 5).status_code == 422
    disabled = platform.request("POST", f"/api/admin/users/{'f' * 32}/disable", admin(platform))
    assert disabled.status_code == 404


def test_concurrent_take_backs_never_go_below_zero(platform: Platform) -> None:
    user = platform.register()
    headers = admin(platform).bearer_headers()

    def take(_: int) -> int:
        body = {"action": "take_back", "amount": 30, "reason": "race"}
        url = f"/api/admin/users/{user.user_id}/credits"
        return platform.client.post(url, json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = sorted(pool.map(take, range(5)))
    assert statuses == [201, 201, 201, 409, 409]
    assert platform.credits(user) == {"granted": TRIAL_CREDITS - 90, "spent": 0, "held": 0, "available": 10}


def test_a_disabled_account_is_refused_everywhere_until_enabled(platform: Platform) -> None:
    user = platform.token_for(platform.register())
    assert platform.request("GET", "/api/auth/me", user).status_code == 200  # its session is remembered now
    url = f"/api/admin/users/{user.user_id}"
    done = platform.request("POST", f"{url}/disable", admin(platform))
    assert done.status_code == 200 and done.json()["disabled"] is True and done.json()["disabled_at"]
    for response in (
        platform.request("GET", "/api/auth/me", user),
        platform.request("GET", "/api/projects", headers=user.bearer_headers()),
        platform.request("POST", "/api/auth/login", json={"email": user.email, "password": PASSWORD}),
    ):
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["code"] == "forbidden" and error["details"] == {"reason": "account_disabled"}
        assert "disabled by an administrator" in error["message"]
    wrong = platform.request(
        "POST", "/api/auth/login", json={"email": user.email, "password": "not-it-at-all-9"}
    )
    assert wrong.status_code == 401  # the wrong password tells nothing about the account
    listed = platform.request("GET", f"/api/admin/users?q={user.email}", admin(platform)).json()["users"]
    assert listed[0]["disabled"] is True
    assert change(platform, user, "grant", 5, "allowed while disabled").status_code == 201
    assert (
        platform.request("POST", f"{url}/disable", admin(platform)).json()["disabled_at"]
        == done.json()["disabled_at"]
    )
    again = platform.request("POST", f"{url}/enable", admin(platform))
    assert again.json()["disabled"] is False and again.json()["disabled_at"] is None
    assert platform.request("GET", "/api/auth/me", user).status_code == 200
    assert platform.request("GET", "/api/tokens", headers=user.bearer_headers()).status_code == 200
    own = f"/api/admin/users/{admin(platform).user_id}/disable"
    assert platform.request("POST", own, admin(platform)).status_code == 409


def test_runs_across_users_with_cost_status_and_daily_totals(platform: Platform) -> None:
    user = platform.register()
    created = platform.generate(user)
    run = platform.wait_run(user, created["run"]["id"])
    assert run["status"] == "succeeded"
    platform.credits(user, expect={"granted": TRIAL_CREDITS, "spent": 50, "held": 0, "available": 50})
    everyone = platform.request("GET", "/api/admin/runs?status=succeeded", admin(platform)).json()
    mine = next(r for r in everyone["runs"] if r["id"] == run["id"])
    assert mine["email"] == user.email and mine["cost"] == 50 and mine["failure"] is None
    assert platform.request("GET", "/api/admin/runs?status=failed", admin(platform)).json()["total"] == 0
    assert platform.request("GET", "/api/admin/runs?status=lost", admin(platform)).status_code == 422
    own = platform.request("GET", f"/api/admin/users/{user.user_id}/runs", admin(platform)).json()
    assert [r["id"] for r in own["runs"]] == [run["id"]] and own["total"] == 1
    listed = platform.request("GET", f"/api/admin/users?q={user.email}", admin(platform)).json()["users"][0]
    assert listed["runs"] == 1 and listed["balance"]["spent"] == 50
    days = platform.request("GET", "/api/admin/daily", admin(platform)).json()
    assert len(days) == 30 and days[0]["day"] < days[-1]["day"]
    # Summed over the month: a test running across midnight (UTC) splits its rows between two days.
    assert sum(d["new_users"] for d in days) >= 2 and sum(d["runs"].get("succeeded", 0) for d in days) >= 1
    assert sum(d["granted"] for d in days) >= 2 * TRIAL_CREDITS and sum(d["spent"] for d in days) >= 50


def test_the_admin_pages_are_the_admins_only(platform: Platform) -> None:
    user = platform.register("page-visitor@example.com")
    for url in ("/admin", "/admin/runs", "/admin?offset=-1", "/admin/runs?status=lost"):
        for who in (None, user):
            seen = platform.request("GET", url, who, headers={"Accept": "text/html"}, follow_redirects=False)
            assert seen.status_code == 404, (url, who, seen.text[:200])
    mine = platform.request(
        "GET", "/admin?q=page-visitor&lang=en", admin(platform), headers={"Accept": "text/html"}
    )
    assert (
        mine.status_code == 200 and "page-visitor@example.com" in mine.text and 'href="/admin"' in mine.text
    )
    assert "Totals per day" in mine.text
    runs = platform.request(
        "GET", "/admin/runs?status=&user=", admin(platform), headers={"Accept": "text/html"}
    )
    assert runs.status_code == 200 and "Ejecuciones de todos los usuarios" in runs.text
    chat = platform.request("GET", "/settings", user, headers={"Accept": "text/html"})
    assert chat.status_code == 200 and 'href="/admin"' not in chat.text  # the header link is for admins only
