"""API tokens: shown once, stored hashed, listed, revoked, expiring; forged and malformed ones refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.platform import Account, Platform, running, settings_for
from tests.unit.web.rows import dump, sql


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running(settings_for(tmp_path_factory.mktemp("tokens") / "data"), run_worker=False) as platform:
        yield platform


@pytest.fixture(scope="module")
def ana(web: Platform) -> Account:
    return web.register()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(web: Platform, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    response = web.request("GET", "/api/auth/me", headers=headers)
    return response.status_code, response.json()


def test_a_token_is_shown_once_and_stored_only_as_a_hash(web: Platform, ana: Account) -> None:
    created = web.request("POST", "/api/tokens", ana, json={"name": "laptop CLI", "days": 30})
    assert created.status_code == 201
    body = created.json()
    token = body["token"]
    assert token.startswith("acr_") and len(token) > 40 and body["prefix"] == token[:12]
    assert (
        body["name"] == "laptop CLI"
        and body["expires_at"][:10] == (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    )
    status, who = me(web, bearer(token))
    assert status == 200 and who["auth"] == "token" and who["user"]["id"] == ana.user_id  # type: ignore[index]
    listed = web.request("GET", "/api/tokens", ana)
    assert [t["id"] for t in listed.json()] == [body["id"]] and token not in listed.text
    assert listed.json()[0]["last_used_at"] is not None
    stored = dump(web, "api_tokens", "sessions")
    assert token not in stored and token[4:] not in stored and ana.session not in stored


def test_a_revoked_token_stops_working_at_once(web: Platform, ana: Account) -> None:
    token = web.request("POST", "/api/tokens", ana, json={"name": "to revoke"}).json()
    assert me(web, bearer(token["token"]))[0] == 200
    assert web.request("DELETE", f"/api/tokens/{token['id']}", ana).status_code == 204
    status, problem = me(web, bearer(token["token"]))
    assert status == 401 and problem == {
        "error": {
            "code": "unauthorized",
            "message": "This API token is not valid (revoked, expired or mistyped).",
            "details": {},
        }
    }
    assert token["id"] not in web.request("GET", "/api/tokens", ana).text
    again = web.request("DELETE", f"/api/tokens/{token['id']}", ana)
    assert again.status_code == 404 and again.json()["error"]["message"] == "No such API token."


def test_an_expired_token_is_refused(web: Platform, ana: Account) -> None:
    token = web.request("POST", "/api/tokens", ana, json={"name": "short", "days": 1}).json()
    sql(  # it ends in a moment: valid until then (also when remembered by the server), not after
        web,
        "UPDATE api_tokens SET expires_at = :t WHERE id = :i",
        t=datetime.now(UTC) + timedelta(seconds=1.5),
        i=token["id"],
    )
    assert me(web, bearer(token["token"]))[0] == 200
    time.sleep(1.6)
    assert me(web, bearer(token["token"]))[0] == 401
    web.request("DELETE", f"/api/tokens/{token['id']}", ana)


def test_forged_tokens_are_refused(web: Platform, ana: Account) -> None:
    real = web.request("POST", "/api/tokens", ana, json={"name": "real"}).json()
    forged = [
        "acr_" + "A" * 43,
        real["prefix"],
        real["token"][:-1] + ("A" if real["token"][-1] != "A" else "B"),
        real["token"] + "x",
        "acr_" + real["token"][4:].swapcase(),
        "acr_" + "x" * 500,
    ]
    for token in forged:
        status, problem = me(web, bearer(token))
        assert status == 401, token
        assert problem["error"]["message"] == "This API token is not valid (revoked, expired or mistyped)."  # type: ignore[index]
    status, problem = me(web, bearer("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."))  # no Clerk mode here
    assert status == 401 and problem["error"]["message"] == "This bearer token is not an AUTOCREA API token."  # type: ignore[index]
    web.request("DELETE", f"/api/tokens/{real['id']}", ana)


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token abc", "acr_abc", "Bearer\tacr_x"],
)
def test_a_malformed_authorization_header_is_401_with_the_expected_form(web: Platform, header: str) -> None:
    status, problem = me(web, {"Authorization": header})
    assert status == 401
    assert problem["error"] in (  # type: ignore[comparison-overlap]
        {"code": "unauthorized", "message": "Use 'Authorization: Bearer <token>'.", "details": {}},
        {"code": "unauthorized", "message": "This bearer token is not an AUTOCREA API token.", "details": {}},
    )


def test_a_bad_authorization_header_is_not_rescued_by_a_cookie(web: Platform, ana: Account) -> None:
    response = web.request("GET", "/api/auth/me", ana, headers={"Authorization": "Bearer acr_forged"})
    assert response.status_code == 401


def test_at_most_20_active_tokens(web: Platform) -> None:
    bo = web.register()
    made = [web.request("POST", "/api/tokens", bo, json={"name": f"t{i}"}) for i in range(20)]
    assert [r.status_code for r in made] == [201] * 20
    over = web.request("POST", "/api/tokens", bo, json={"name": "one too many"})
    assert over.status_code == 400
    assert over.json()["error"]["message"] == "You can have at most 20 API tokens; revoke one first."
    assert web.request("DELETE", f"/api/tokens/{made[0].json()['id']}", bo).status_code == 204
    assert web.request("POST", "/api/tokens", bo, json={"name": "room again"}).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "days": 0},
        {"name": "ok", "days": 3651},
        {"name": "ok", "days": "seven"},
        {"name": "ok", "scope": "admin"},
    ],
)
def test_bad_token_requests_create_nothing(web: Platform, ana: Account, body: dict[str, object]) -> None:
    before = web.request("GET", "/api/tokens", ana).json()
    response = web.request("POST", "/api/tokens", ana, json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"
    assert web.request("GET", "/api/tokens", ana).json() == before
