"""Bad input on every JSON route: malformed, wrong types, unknown fields, huge, hostile or odd text.

Each gets a clear message in the one error shape and changes nothing; text is data, stored and
returned verbatim, never interpreted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autocrea.web.app import create_app
from tests.platform import Account, Platform, running, settings_for
from tests.unit.web.catalog import ROUTES, Ids, Route

FAKE = Ids(
    project="p" * 32,
    run="r" * 32,
    token="t" * 32,
    file="app/main.py",
    parent="0" * 40,
    idempotency_key="k",
    share="s" * 43,
    user="u" * 32,
)
ADMIN = "bad-input-admin@example.com"  # the module's account is an admin: admin routes check bodies too
HOSTILE = "<script>alert('x')</script>\"'; DROP TABLE users; -- {{7*7}} ${7*7} &amp; \u202e"
LIMIT = 4096


def _bodies() -> dict[tuple[str, str], bool]:
    """(method, path) -> whether the body is required, for operations that take a JSON body."""
    schema = create_app().openapi()
    return {
        (method.upper(), path): bool(operation["requestBody"].get("required"))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }


def json_routes() -> list[Route]:
    """Routes whose OpenAPI operation takes a JSON body; each must have a valid body in the catalog."""
    with_body = _bodies()
    routes = [r for r in ROUTES if (r.method, r.path.replace(":path", "")) in with_body]
    assert len(routes) == len(with_body), "every JSON route needs a valid body in tests/unit/web/catalog.py"
    return routes


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Account]]:
    data = tmp_path_factory.mktemp("badinput") / "data"
    with running(
        settings_for(data, max_body_bytes=LIMIT, rate_limit_api="100000/minute", admin_emails=ADMIN),
        run_worker=False,
    ) as p:
        yield p, p.token_for(p.register(ADMIN))


def send(platform: Platform, account: Account, route: Route, **kw: Any) -> Any:
    call = route.call(FAKE)
    auth = account.bearer_headers() if route.access != "public" else {}
    return platform.request(
        route.method, call.url, headers={**auth, **call.headers, **kw.pop("headers", {})}, **kw
    )


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    found: dict[str, Any] = body["error"]
    return found


@pytest.mark.parametrize("route", json_routes(), ids=lambda r: r.name)
def test_malformed_and_mistyped_bodies_are_422_in_the_one_shape(
    web: tuple[Platform, Account], route: Route
) -> None:
    platform, account = web
    json_header = {"Content-Type": "application/json"}
    required = _bodies()[(route.method, route.path.replace(":path", ""))]
    for raw in (b"{", b'{"a": 1,}', b"\xff\xfe", b"[]", b"42", b'"text"', *([b"null"] if required else [])):
        assert_error(
            send(platform, account, route, content=raw, headers=json_header), 422, "validation_error"
        )
    valid = route.call(FAKE).json or {}
    for field in valid:
        for wrong in ([1, 2], {"nested": True}, 12345, True):
            error = assert_error(
                send(platform, account, route, json={**valid, field: wrong}), 422, "validation_error"
            )
            assert field in error["message"]
    unknown = assert_error(
        send(platform, account, route, json={**valid, "is_admin": True}), 422, "validation_error"
    )
    assert unknown["message"] == "The request is not valid: is_admin: Extra inputs are not permitted"


# Admin routes answer 404 to nobody instead (tests/unit/web/test_admin_api.py).
@pytest.mark.parametrize(
    "route", [r for r in json_routes() if r.access in ("user", "owned")], ids=lambda r: r.name
)
def test_a_body_that_is_not_json_is_401_to_nobody_and_403_without_the_csrf_token(
    web: tuple[Platform, Account], route: Route
) -> None:
    """FastAPI parses a body before it checks who is asking; the answer must not depend on that."""
    platform, account = web
    call = route.call(FAKE)
    headers = {**call.headers, "Content-Type": "application/json"}
    nobody = platform.request(route.method, call.url, headers=headers, content=b"{")
    assert assert_error(nobody, 401, "unauthorized")["message"] == "Log in to continue."
    forged = platform.request(route.method, call.url, account, csrf=False, headers=headers, content=b"{")
    assert_error(forged, 403, "forbidden")
    owner = platform.request(route.method, call.url, account, headers=headers, content=b"{")
    assert_error(owner, 422, "validation_error")


@pytest.mark.parametrize("route", json_routes(), ids=lambda r: r.name)
def test_bodies_over_the_limit_are_413_with_or_without_a_length(
    web: tuple[Platform, Account], route: Route
) -> None:
    platform, account = web
    big = b'{"x": "' + b"a" * LIMIT + b'"}'
    expected = {"limit": LIMIT}
    assert assert_error(send(platform, account, route, content=big), 413, "too_large")["details"] == expected

    def chunks() -> Iterator[bytes]:
        for _ in range(8):
            yield b"a" * (LIMIT // 4)

    chunked = send(platform, account, route, content=chunks())
    assert assert_error(chunked, 413, "too_large")["details"] == expected
    lying = send(platform, account, route, content=b"{}", headers={"Content-Length": "abc"})
    assert lying.status_code in (400, 413)


def test_hostile_text_is_stored_and_returned_verbatim(web: tuple[Platform, Account]) -> None:
    platform, account = web
    auth = account.bearer_headers()
    me = platform.request("PATCH", "/api/auth/me", json={"display_name": HOSTILE}, headers=auth)
    assert me.status_code == 200 and me.json()["user"]["display_name"] == HOSTILE
    assert me.headers["content-type"] == "application/json"
    token = platform.request("POST", "/api/tokens", json={"name": HOSTILE}, headers=auth)
    assert token.status_code == 201 and token.json()["name"] == HOSTILE
    prompt = f"Create a simple todo app {HOSTILE}"
    created = platform.request(
        "POST", "/api/projects", json={"prompt": prompt, "name": HOSTILE}, headers=auth
    )
    assert created.status_code == 202, created.text
    project = platform.request("GET", f"/api/projects/{created.json()['project']['id']}", headers=auth).json()
    assert project["name"] == HOSTILE and project["prompt"] == prompt
    assert platform.request("GET", "/api/auth/me", headers=auth).json()["user"]["display_name"] == HOSTILE
    assert HOSTILE in [t["name"] for t in platform.request("GET", "/api/tokens", headers=auth).json()]
    assert platform.request("GET", "/health").status_code == 200  # the users table is still there


@pytest.mark.parametrize(
    ("url", "method", "body", "status", "message"),
    [
        (
            "/api/auth/me",
            "PATCH",
            {"display_name": "a\x07b"},
            400,
            "The name cannot contain control characters.",
        ),
        (
            "/api/auth/me",
            "PATCH",
            {"display_name": "n" * 101},
            400,
            "The name can have at most 100 characters.",
        ),
        ("/api/auth/me", "PATCH", {"display_name": "n" * 201}, 422, None),
        ("/api/tokens", "POST", {"name": "a\x1bb"}, 400, "The token name cannot contain control characters."),
        ("/api/projects", "POST", {"prompt": "Create a todo app", "name": "a\x00"}, 400, None),
        ("/api/projects", "POST", {"prompt": "Create a todo app\x00"}, 400, None),
        ("/api/projects", "POST", {"prompt": "Create a todo app", "model": "x" * 251}, 422, None),
        ("/api/projects", "POST", {"prompt": "Create a todo app", "name": "n" * 300}, 422, None),
    ],
)
def test_control_characters_and_long_strings_are_refused_clearly(
    web: tuple[Platform, Account],
    url: str,
    method: str,
    body: dict[str, str],
    status: int,
    message: str | None,
) -> None:
    platform, account = web
    before = platform.request("GET", "/api/projects", headers=account.bearer_headers()).json()["total"]
    response = platform.request(method, url, json=body, headers=account.bearer_headers())
    error = assert_error(response, status, response.json()["error"]["code"])
    assert error["code"] in (("invalid_input", "prompt_rejected") if status == 400 else ("validation_error",))
    if message is None:
        assert error["message"]
    elif status == 400:
        assert error["message"] == message
    assert (
        platform.request("GET", "/api/projects", headers=account.bearer_headers()).json()["total"] == before
    )


def test_nul_bytes_anywhere_are_a_clear_answer_on_every_database(
    backend: dict[str, object], tmp_path: Path
) -> None:
    """PostgreSQL refuses NUL in text outright: each of these was a 500 there."""
    with running(settings_for(tmp_path / "data", **backend), run_worker=False) as platform:
        ana = platform.token_for(platform.register())
        auth = ana.bearer_headers()
        for url in (
            "/api/projects/a%00b",
            "/api/runs/a%00b",
            "/api/runs/a%00b/events",
            "/api/projects/a%00b/tree",
        ):
            assert_error(platform.request("GET", url, headers=auth), 422, "validation_error")
        assert_error(platform.request("DELETE", "/api/tokens/a%00b", headers=auth), 422, "validation_error")
        login = platform.request(
            "POST", "/api/auth/login", json={"email": "a\x00b@example.com", "password": "whatever-123"}
        )
        assert assert_error(login, 401, "unauthorized")["message"] == "The e-mail or password is not right."
        signup = platform.request(
            "POST", "/api/auth/register", json={"email": "a\x00b@example.com", "password": "violet-77-harbor"}
        )
        assert assert_error(signup, 400, "invalid_input")["details"] == {
            "field": "email",
            "reason": "invalid",
        }
