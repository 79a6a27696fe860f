"""Accounts through the API: sign-up, password and e-mail rules, login, logout, sessions, trial credits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.platform import PASSWORD, Account, Platform, running, settings_for
from tests.unit.web.rows import sql


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Served over https (public_url), without a worker: nothing here generates."""
    data = tmp_path_factory.mktemp("accounts") / "data"
    with running(
        settings_for(data, public_url="https://autocrea.example", session_days=3), run_worker=False
    ) as p:
        yield p


def register(platform: Platform, email: str, password: str = PASSWORD) -> httpx.Response:
    return platform.request("POST", "/api/auth/register", json={"email": email, "password": password})


def login(platform: Platform, email: str, password: str = PASSWORD) -> httpx.Response:
    return platform.request("POST", "/api/auth/login", json={"email": email, "password": password})


def cookie_flags(response: httpx.Response) -> dict[str, str]:
    header = response.headers["set-cookie"]
    name, _, rest = header.partition(";")
    assert name.startswith("autocrea_session=")
    flags = {}
    for part in rest.split(";"):
        key, _, value = part.strip().partition("=")
        flags[key.lower()] = value.lower()
    return flags


def error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    found: dict[str, object] = body["error"]
    return found


def grants(platform: Platform, email: str) -> list[tuple[object, ...]]:
    return sql(
        platform,
        "SELECT e.amount FROM credit_entries e JOIN users u ON u.id = e.user_id "
        "WHERE u.email = :email AND e.kind = 'grant'",
        email=email,
    )


def test_sign_up_gives_100_credits_at_once_and_a_safe_cookie(web: Platform) -> None:
    response = register(web, "Ana.Garcia@Example.com")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "ana.garcia@example.com" and body["auth"] == "session"
    assert body["credits"] == {"granted": 100, "spent": 0, "held": 0, "available": 100}
    assert len(body["csrf_token"]) >= 32
    flags = cookie_flags(response)
    assert "httponly" in flags and flags["samesite"] == "lax" and "secure" in flags and flags["path"] == "/"
    assert flags["max-age"] == str(3 * 86400)
    assert grants(web, "ana.garcia@example.com") == [(100,)]


def test_a_plain_http_server_sets_no_secure_flag(platform: Platform) -> None:
    response = register(platform, "plain@example.com")
    assert response.status_code == 201
    flags = cookie_flags(response)
    assert "secure" not in flags and "httponly" in flags and flags["samesite"] == "lax"


def test_a_second_sign_up_with_the_same_address_is_refused_clearly(web: Platform) -> None:
    assert register(web, "dup@example.com").status_code == 201
    again = register(web, "  DUP@example.COM ", "another-long-pass-42")
    assert again.status_code == 400
    assert error(again) == {
        "code": "invalid_input",
        "message": "An account with this e-mail already exists. Log in instead.",
        "details": {"field": "email", "reason": "taken"},
    }
    assert "set-cookie" not in again.headers
    assert login(web, "dup@example.com", "another-long-pass-42").status_code == 401  # the first one stands
    assert grants(web, "dup@example.com") == [(100,)]


def test_concurrent_sign_ups_of_one_address_make_one_account_with_100_credits(platform: Platform) -> None:
    results: list[int] = []
    start = threading.Barrier(6)

    def sign_up() -> None:
        start.wait()
        results.append(register(platform, "race@example.com").status_code)

    threads = [threading.Thread(target=sign_up) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201, 400, 400, 400, 400, 400]
    assert grants(platform, "race@example.com") == [(100,)]
    assert sql(platform, "SELECT count(*) FROM users WHERE email = 'race@example.com'") == [(1,)]


@pytest.mark.parametrize(
    ("password", "reason", "message"),
    [
        ("short7!", "too_short", "The password needs at least 8 characters."),
        (
            "x" * 100 + "-Violet-Harbor-" + "y" * 14,
            "too_long",
            "The password can have at most 128 characters.",
        ),
        ("password123", "common", "This password is too common or easy to guess. Choose another one."),
        ("qwertyuiop", "common", "This password is too common or easy to guess. Choose another one."),
        ("12345678", "common", "This password is too common or easy to guess. Choose another one."),
        ("hgfedcba", "common", "This password is too common or easy to guess. Choose another one."),
        ("abababab", "common", "This password is too common or easy to guess. Choose another one."),
        ("marta.lopez", "common", "This password is too common or easy to guess. Choose another one."),
        ("Marta.Lopez99", "common", "This password is too common or easy to guess. Choose another one."),
        (
            "marta.lopez@example.com",
            "common",
            "This password is too common or easy to guess. Choose another one.",
        ),
        ("violet\tharbor-77", "control_characters", "The password cannot contain control characters."),
        ("violet\x00harbor-77", "control_characters", "The password cannot contain control characters."),
    ],
)
def test_weak_passwords_are_refused_with_the_rule_they_break(
    web: Platform, password: str, reason: str, message: str
) -> None:
    response = register(web, "marta.lopez@example.com", password)
    assert response.status_code == 400
    assert error(response) == {
        "code": "invalid_input",
        "message": message,
        "details": {"field": "password", "reason": reason},
    }


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ana", "invalid"),
        ("ana@localhost", "invalid"),
        ("ana@@example.com", "invalid"),
        ("ana garcia@example.com", "invalid"),
        ("<script>@example.com", "invalid"),
        ("ana@exa_mple.com", "invalid"),
        ("a\x00b@example.com", "invalid"),
        ("a\x7fb@example.com", "invalid"),
        ("x" * 65 + "@example.com", "invalid"),
        ("ana@" + "d" * 250 + ".com", "invalid"),
    ],
)
def test_bad_addresses_are_refused_before_anything_is_stored(web: Platform, email: str, reason: str) -> None:
    response = register(web, email)
    assert response.status_code == 400
    problem = error(response)
    assert problem["code"] == "invalid_input" and problem["details"] == {"field": "email", "reason": reason}
    assert problem["message"] in (
        "Enter your e-mail address.",
        "That is not a valid e-mail address (like ana@example.com).",
    )


def test_the_body_must_be_the_documented_object(web: Platform) -> None:
    missing = web.request("POST", "/api/auth/register", json={"email": "x@example.com"})
    assert missing.status_code == 422 and error(missing)["code"] == "validation_error"
    assert error(missing)["message"] == "The request is not valid: password: Field required"
    extra = web.request(
        "POST", "/api/auth/register", json={"email": "x@example.com", "password": PASSWORD, "admin": True}
    )
    assert extra.status_code == 422 and "admin" in str(error(extra)["message"])
    assert login(web, "x@example.com").status_code == 401  # nothing was created


def test_login_me_and_logout(web: Platform) -> None:
    assert register(web, "lee@example.com").status_code == 201
    response = login(web, "LEE@example.com")
    assert response.status_code == 200 and response.json()["user"]["email"] == "lee@example.com"
    flags = cookie_flags(response)
    assert "httponly" in flags and "secure" in flags and flags["samesite"] == "lax"
    lee = Account(
        "lee@example.com",
        response.json()["user"]["id"],
        response.cookies["autocrea_session"],
        response.json()["csrf_token"],
    )
    me = web.request("GET", "/api/auth/me", lee).json()
    assert me["user"]["id"] == lee.user_id and me["csrf_token"] == lee.csrf and me["auth"] == "session"

    second = login(web, "lee@example.com")  # another browser: its own session and CSRF token
    assert second.cookies["autocrea_session"] != lee.session and second.json()["csrf_token"] != lee.csrf

    out = web.request("POST", "/api/auth/logout", lee)
    assert out.status_code == 204
    cleared = out.headers["set-cookie"].lower()
    assert 'autocrea_session=""' in cleared and "max-age=0" in cleared
    assert "httponly" in cleared and "samesite=lax" in cleared
    gone = web.request("GET", "/api/auth/me", lee)
    assert gone.status_code == 401 and error(gone) == {
        "code": "unauthorized",
        "message": "Log in to continue.",
        "details": {},
    }
    still = web.request(
        "GET", "/api/auth/me", headers={"Cookie": f"autocrea_session={second.cookies['autocrea_session']}"}
    )
    assert still.status_code == 200  # logging out ends only that session


def test_unknown_user_and_wrong_password_get_the_same_answer(web: Platform) -> None:
    assert register(web, "sam@example.com").status_code == 201
    wrong = login(web, "sam@example.com", "not-the-password-9")
    unknown = login(web, "nobody-at-all@example.com", "not-the-password-9")
    malformed = login(web, "not an address", "not-the-password-9")
    for response in (wrong, unknown, malformed):
        assert response.status_code == 401 and "set-cookie" not in response.headers
        assert response.json() == {
            "error": {
                "code": "unauthorized",
                "message": "The e-mail or password is not right.",
                "details": {},
            }
        }


def test_an_expired_session_is_logged_out(web: Platform) -> None:
    response = register(web, "expiring@example.com")
    session = Account(
        "expiring@example.com", "", response.cookies["autocrea_session"], response.json()["csrf_token"]
    )
    (expires,) = sql(
        web, "SELECT expires_at FROM sessions WHERE user_id = :u", u=response.json()["user"]["id"]
    )[0]
    assert str(expires)[:10] == (datetime.now(UTC) + timedelta(days=3)).date().isoformat()  # session_days=3
    # The session ends in a moment: it works until then (also from the server's short memory of
    # recent sessions, which never outlives the session itself), and not after.
    sql(
        web,
        "UPDATE sessions SET expires_at = :t WHERE user_id = :u",
        t=datetime.now(UTC) + timedelta(seconds=1.5),
        u=response.json()["user"]["id"],
    )
    assert web.request("GET", "/api/auth/me", session).status_code == 200
    time.sleep(1.6)
    assert web.request("GET", "/api/auth/me", session).status_code == 401
    assert web.request("PATCH", "/api/auth/me", session, json={"display_name": "x"}).status_code == 401


def test_a_forged_session_cookie_is_nobody(web: Platform) -> None:
    for cookie in ("forged", "x" * 300, ""):
        response = web.request("GET", "/api/auth/me", headers={"Cookie": f"autocrea_session={cookie}"})
        assert response.status_code == 401 and error(response)["message"] == "Log in to continue."
