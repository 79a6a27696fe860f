"""Every route × {owner, other user, anonymous}, and CSRF on every state-changing route.

One real generated project (its run, files and commits) is shared by the whole module. Another
user's ids give 404 (never 403, never data); nobody gets 401 on protected routes; the owner gets
the documented status. Cookie writes without the session's CSRF token are 403 and change nothing.
Admin routes and pages are 404 to everyone but the administrator (ADMIN), signed in or not.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from autocrea.web.app import create_app
from tests.platform import Account, Platform, running, settings_for
from tests.unit.web.catalog import (
    PAGES,
    ROUTES,
    WRITE_METHODS,
    Call,
    Ids,
    Page,
    Route,
    admin_only,
    protected,
    protected_writes,
    unclassified,
)

PROMPT = "Create a simple todo app"
ADMIN = "matrix-admin@example.com"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[tuple[Platform, Ids]]:
    data = tmp_path_factory.mktemp("matrix") / "data"
    settings = settings_for(
        data, runtime_dir=runtime_root, rate_limit_api="100000/minute", admin_emails=ADMIN
    )
    with running(settings) as platform:
        owner = platform.token_for(platform.register())
        key = uuid.uuid4().hex
        created = platform.request(
            "POST", "/api/projects", owner, json={"prompt": PROMPT}, headers={"Idempotency-Key": key}
        ).json()
        run = platform.wait_run(owner, created["run"]["id"])
        assert run["status"] == "succeeded", run
        project = created["project"]["id"]
        tree = platform.request("GET", f"/api/projects/{project}/tree", owner).json()
        commits = platform.request("GET", f"/api/projects/{project}/commits", owner).json()
        token = platform.request("GET", "/api/tokens", owner).json()[0]["id"]
        shared = platform.request("POST", f"/api/runs/{run['id']}/share", owner).json()["url"]
        ids = Ids(
            project=project,
            run=run["id"],
            token=token,
            file=next(f["path"] for f in tree["files"] if f["path"].endswith(".py")),
            parent=commits[1]["sha"],
            idempotency_key=key,
            share=shared.rsplit("/", 1)[1],
            user=owner.user_id,
        )
        platform.owner = owner  # type: ignore[attr-defined]
        platform.other = platform.register()  # type: ignore[attr-defined]
        platform.admin = platform.register(ADMIN)  # type: ignore[attr-defined]
        yield platform, ids


def send(platform: Platform, route: Route, call: Call, account: Account | None, **kw: Any) -> httpx.Response:
    headers = {**call.headers, **kw.pop("headers", {})}
    return platform.request(route.method, call.url, account, json=call.json, headers=headers, **kw)


def snapshot(platform: Platform, ids: Ids, account: Account) -> dict[str, Any]:
    """What a write could change, as the owner sees it."""
    get = lambda url: platform.request("GET", url, account).json()  # noqa: E731
    me = get("/api/auth/me")
    return {
        "me": me["user"],
        "credits": get("/api/credits"),
        "tokens": get("/api/tokens"),
        "keys": get("/api/keys"),
        "projects": get("/api/projects"),
        "runs": get(f"/api/projects/{ids.project}/runs"),
        "head": get(f"/api/projects/{ids.project}/commits?limit=1"),
        "preview": get(f"/api/projects/{ids.project}/preview"),
    }


def test_every_route_is_classified() -> None:
    missing, stale = unclassified(create_app())
    assert not missing, f"classify these routes in tests/unit/web/catalog.py: {sorted(missing)}"
    assert not stale, f"these routes are gone; remove them from the catalog: {sorted(stale)}"


@pytest.mark.parametrize("route", protected(), ids=lambda r: r.name)
def test_anonymous_gets_401_on_protected_routes(world: tuple[Platform, Ids], route: Route) -> None:
    platform, ids = world
    response = send(platform, route, route.call(ids), None)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access == "owned"], ids=lambda r: r.name)
def test_another_users_ids_are_not_found(world: tuple[Platform, Ids], route: Route) -> None:
    platform, ids = world
    other: Account = platform.other  # type: ignore[attr-defined]
    writes = route.method in WRITE_METHODS
    before = snapshot(platform, ids, platform.owner) if writes else None  # type: ignore[attr-defined]
    response = send(platform, route, route.call(ids), other)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    text = response.text
    assert ids.file not in text and PROMPT not in text
    if writes:
        assert snapshot(platform, ids, platform.owner) == before  # type: ignore[attr-defined]


@pytest.mark.parametrize("route", admin_only(), ids=lambda r: r.name)
def test_admin_routes_are_not_found_for_everyone_else(world: tuple[Platform, Ids], route: Route) -> None:
    platform, ids = world
    owner: Account = platform.owner  # type: ignore[attr-defined]
    other: Account = platform.other  # type: ignore[attr-defined]
    before = snapshot(platform, ids, owner)
    for account in (None, owner, other):
        response = send(platform, route, route.call(ids), account)
        assert response.status_code == 404, (account, response.text)
        assert response.json()["error"]["code"] == "not_found" and owner.email not in response.text
    bearer = send(platform, route, route.call(ids), None, headers=owner.bearer_headers())
    assert bearer.status_code == 404
    after = snapshot(platform, ids, owner)
    for seen in (before, after):  # using the token is the one change the bearer call may make
        seen["tokens"] = [{k: v for k, v in t.items() if k != "last_used_at"} for t in seen["tokens"]]
    assert after == before


@pytest.mark.parametrize(
    "route", [r for r in admin_only() if r.method in WRITE_METHODS], ids=lambda r: r.name
)
def test_admin_cookie_writes_need_the_sessions_csrf_token(world: tuple[Platform, Ids], route: Route) -> None:
    platform, ids = world
    admin: Account = platform.admin  # type: ignore[attr-defined]
    owner: Account = platform.owner  # type: ignore[attr-defined]
    before = snapshot(platform, ids, owner)
    for sent in ({}, {"X-CSRF-Token": "x" * 32}, {"X-CSRF-Token": owner.csrf}):
        response = send(platform, route, route.call(ids), admin, csrf=False, headers=sent)
        assert response.status_code == 403, (sent, response.text)
        assert response.json()["error"]["details"] == {"header": "X-CSRF-Token"}
    assert snapshot(platform, ids, owner) == before


def test_routes_without_ids_show_another_user_only_their_own_data(world: tuple[Platform, Ids]) -> None:
    platform, ids = world
    other: Account = platform.other  # type: ignore[attr-defined]
    for url in ("/api/projects", "/api/tokens", "/api/credits", "/api/auth/me", "/api/keys"):
        body = platform.request("GET", url, other).text
        assert ids.project not in body and ids.run not in body and ids.token not in body, url
    assert platform.request("GET", "/api/projects", other).json()["total"] == 0


@pytest.mark.parametrize("route", protected_writes(), ids=lambda r: r.name)
def test_cookie_writes_need_the_sessions_csrf_token(world: tuple[Platform, Ids], route: Route) -> None:
    platform, ids = world
    owner: Account = platform.owner  # type: ignore[attr-defined]
    other: Account = platform.other  # type: ignore[attr-defined]
    before = snapshot(platform, ids, owner)
    for sent in ({}, {"X-CSRF-Token": "x" * 32}, {"X-CSRF-Token": other.csrf}):  # missing, wrong, not ours
        response = send(platform, route, route.call(ids), owner, csrf=False, headers=sent)
        assert response.status_code == 403, (sent, response.text)
        assert response.json()["error"] == {
            "code": "forbidden",
            "message": "Missing or wrong CSRF token: reload the page and try again.",
            "details": {"header": "X-CSRF-Token"},
        }
    assert snapshot(platform, ids, owner) == before


def test_an_api_token_needs_no_csrf_token(world: tuple[Platform, Ids]) -> None:
    platform, ids = world
    owner: Account = platform.owner  # type: ignore[attr-defined]
    response = platform.request(
        "PATCH", "/api/auth/me", json={"display_name": "Token Ana"}, headers=owner.bearer_headers()
    )
    assert response.status_code == 200 and response.json()["user"]["display_name"] == "Token Ana"
    assert response.json()["auth"] == "token" and response.json()["csrf_token"] is None
    saved = platform.request(
        "PUT",
        f"/api/projects/{ids.project}/files/TOKEN.md",
        json={"content": "by token"},
        headers=owner.bearer_headers(),
    )
    assert saved.status_code == 200, saved.text
    read = platform.request("GET", f"/api/projects/{ids.project}/files/TOKEN.md", owner).json()
    assert read["content"] == "by token" and read["commit"] == saved.json()["commit"]


def test_the_event_stream_of_anothers_run_is_404_before_any_event(world: tuple[Platform, Ids]) -> None:
    platform, ids = world
    other: Account = platform.other  # type: ignore[attr-defined]
    response = platform.request("GET", f"/api/runs/{ids.run}/events", other, csrf=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert json.loads(response.text)["error"]["code"] == "not_found"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.path)
def test_every_page_answers_by_who_asks(world: tuple[Platform, Ids], page: Page) -> None:
    platform, ids = world
    owner: Account = platform.owner  # type: ignore[attr-defined]
    other: Account = platform.other  # type: ignore[attr-defined]
    url = page.url(ids)
    anonymous = platform.request("GET", url, follow_redirects=False)
    if page.access == "admin":  # nobody but the administrator learns the page exists
        for account in (None, owner, other):
            seen = platform.request("GET", url, account, csrf=False, follow_redirects=False)
            assert seen.status_code == 404 and owner.email not in seen.text, (account, seen.text[:300])
        admin: Account = platform.admin  # type: ignore[attr-defined]
        mine = platform.request("GET", url, admin, csrf=False, follow_redirects=False)
        assert mine.status_code == page.signed_in, mine.text[:300]
        return
    if page.access == "shared":  # anyone with the link, and nothing of the owner's account on it
        for account in (None, owner, other):
            seen = platform.request("GET", url, account, csrf=False, follow_redirects=False)
            assert seen.status_code == 200 and PROMPT in seen.text, seen.text[:300]
            assert owner.email not in seen.text and owner.user_id not in seen.text
        assert "set-cookie" not in anonymous.headers
        return
    if page.access == "public":
        assert anonymous.status_code == 200, anonymous.text[:200]
    elif page.access == "partial":
        assert anonymous.status_code == 204 and anonymous.headers["hx-redirect"] == "/login"
    else:
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    mine = platform.request("GET", url, owner, csrf=False, follow_redirects=False)
    assert mine.status_code == page.signed_in, mine.text[:300]
    theirs = platform.request("GET", url, other, csrf=False, follow_redirects=False)
    if page.access in ("owned", "partial"):
        assert theirs.status_code == 404 and ids.file not in theirs.text and PROMPT not in theirs.text
    elif url.startswith("/chat"):  # a run of someone else's is not shown: the chat starts empty
        assert theirs.status_code in (200, 404) and ids.file not in theirs.text and PROMPT not in theirs.text
    else:
        assert theirs.status_code == page.signed_in and PROMPT not in theirs.text


def test_the_owner_can_use_every_route(world: tuple[Platform, Ids]) -> None:
    """Last in this module: walks the catalog in order, ending with calls that delete the project and
    log out, with the owner's cookie and CSRF token."""
    platform, ids = world
    owner: Account = platform.owner  # type: ignore[attr-defined]
    admin: Account = platform.admin  # type: ignore[attr-defined]
    wrong = []
    for route in ROUTES:
        caller = {"public": None, "admin": admin}.get(route.access, owner)
        response = send(platform, route, route.call(ids), caller)
        if response.status_code != route.owner:
            wrong.append(f"{route.name}: {response.status_code} {response.text[:200]}")
        elif route.name == "POST /api/projects":  # the replayed idempotency key starts nothing new
            assert response.json()["run"]["id"] == ids.run
    assert not wrong, "\n".join(wrong)
    assert platform.request("GET", f"/api/projects/{ids.project}", owner).status_code == 401  # logged out
