"""Clerk mode through the API: a verified session JWT is a user (created once, 100 credits once).

The verifier's own rules are tested in test_clerk.py; here the app is started with a PEM or a JWKS
URL and the tokens go through `Authorization: Bearer`, as Clerk's frontend sends them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.platform import Platform, running, settings_for
from tests.unit.web.rows import sql

ISSUER = "https://clerk.autocrea.test"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def session_jwt(
    key: Any = KEY, algorithm: str = "RS256", headers: dict[str, Any] | None = None, **claims: Any
) -> str:
    now = int(time.time())
    body = {
        "sub": "user_2ana",
        "iss": ISSUER,
        "exp": now + 60,
        "nbf": now - 5,
        "iat": now,
        "email": "ana@clerk.example",
        **claims,
    }
    return jwt.encode(
        {k: v for k, v in body.items() if v is not None}, key, algorithm=algorithm, headers=headers
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(alg: str, **claims: Any) -> str:
    """A token PyJWT refuses to make: `alg: none`, or HS256 keyed with the public PEM (key confusion)."""
    now = int(time.time())
    body = {"sub": "user_2ana", "iss": ISSUER, "exp": now + 60, "nbf": now, **claims}
    signed = f"{_b64(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())}.{_b64(json.dumps(body).encode())}"
    mac = hmac.new(PEM.encode(), signed.encode(), hashlib.sha256).digest() if alg == "HS256" else b""
    return f"{signed}.{_b64(mac)}"


def me(platform: Platform, token: str) -> Any:
    return platform.request("GET", "/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def grants(platform: Platform, user_id: str) -> list[tuple[Any, ...]]:
    return sql(platform, "SELECT amount FROM credit_entries WHERE user_id = :u AND kind = 'grant'", u=user_id)


@pytest.fixture(scope="module")
def clerk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data = tmp_path_factory.mktemp("clerk") / "data"
    with running(
        settings_for(data, clerk_pem_public_key=PEM, clerk_issuer=ISSUER), run_worker=False
    ) as platform:
        yield platform


def test_a_valid_session_jwt_creates_the_user_once_with_100_credits(clerk: Platform) -> None:
    first = me(clerk, session_jwt(sub="user_2first", email="First@Clerk.example"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["auth"] == "clerk" and body["csrf_token"] is None
    assert body["user"]["email"] == "first@clerk.example" and body["credits"]["available"] == 100
    again = me(clerk, session_jwt(sub="user_2first", email="first@clerk.example"))
    assert again.json()["user"]["id"] == body["user"]["id"] and again.json()["credits"]["granted"] == 100
    assert grants(clerk, body["user"]["id"]) == [(100,)]
    patched = clerk.request(
        "PATCH",
        "/api/auth/me",
        json={"display_name": "First"},
        headers={"Authorization": f"Bearer {session_jwt(sub='user_2first')}"},
    )
    assert (
        patched.status_code == 200 and patched.json()["user"]["display_name"] == "First"
    )  # no CSRF: not a cookie


def test_first_sight_from_many_requests_at_once_is_still_one_user_and_one_grant(clerk: Platform) -> None:
    token = session_jwt(sub="user_2burst", email="burst@clerk.example")
    answers: list[Any] = []
    start = threading.Barrier(8)

    def call() -> None:
        start.wait()
        answers.append(me(clerk, token))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 8
    (user_id,) = {a.json()["user"]["id"] for a in answers}
    assert grants(clerk, user_id) == [(100,)]


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (lambda: session_jwt(OTHER_KEY, sub="user_2forged"), "invalid session token: bad signature"),
        (lambda: session_jwt(exp=int(time.time()) - 600, sub="user_2old"), "the session has expired"),
        (
            lambda: session_jwt(nbf=int(time.time()) + 600, sub="user_2soon"),
            "invalid session token: not valid yet",
        ),
        (
            lambda: session_jwt(iss="https://evil.example", sub="user_2iss"),
            "invalid session token: wrong issuer",
        ),
        (lambda: session_jwt(exp=None, sub="user_2noexp"), "invalid session token: missing claim exp"),
        (lambda: handmade("none", sub="user_2none"), "invalid session token: only RS256 is accepted"),
        (
            lambda: handmade("HS256", sub="user_2hs"),
            "invalid session token: only RS256 is accepted",
        ),
        (lambda: session_jwt(sub="user_2x")[:-6] + "AAAAAA", "invalid session token: bad signature"),
        (lambda: "not.a.jwt", "invalid session token"),
    ],
    ids=[
        "forged",
        "expired",
        "not-yet",
        "issuer",
        "no-exp",
        "alg-none",
        "hs256-with-public-key",
        "tampered",
        "garbage",
    ],
)
def test_bad_session_jwts_are_401_and_create_nobody(clerk: Platform, token: Any, message: str) -> None:
    users = sql(clerk, "SELECT count(*) FROM users")
    response = me(clerk, token())
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthorized", "message": message, "details": {}}}
    assert sql(clerk, "SELECT count(*) FROM users") == users


def test_an_email_already_used_by_a_password_account_is_not_taken_over(clerk: Platform) -> None:
    owner = clerk.register("taken@clerk.example")
    response = me(clerk, session_jwt(sub="user_2thief", email="taken@clerk.example"))
    assert (
        response.status_code == 401
        and "already registered with a password" in response.json()["error"]["message"]
    )
    assert clerk.request("GET", "/api/auth/me", owner).json()["user"]["email"] == "taken@clerk.example"


def test_unusable_claims_from_the_issuer_never_break_the_database(
    backend: dict[str, object], tmp_path: Path
) -> None:
    """A long or odd `email` claim gets a placeholder address; a subject with control characters is
    refused."""
    with running(
        settings_for(tmp_path / "data", clerk_pem_public_key=PEM, clerk_issuer=ISSUER, **backend),
        run_worker=False,
    ) as platform:
        for sub, email in [
            ("user_2long", "x" * 400 + "@clerk.example"),
            ("user_2odd", "not an <email>"),
            ("user_2none", None),
        ]:
            response = me(platform, session_jwt(sub=sub, email=email))
            assert response.status_code == 200, response.text
            assert response.json()["user"]["email"] == f"{sub}@users.clerk.invalid"
        odd = me(platform, session_jwt(sub="user|with spaces", email=None))
        assert odd.status_code == 200 and odd.json()["user"]["email"].endswith("@users.clerk.invalid")
        nul = me(platform, session_jwt(sub="user_2\x00nul", email=None))
        assert (
            nul.status_code == 401 and nul.json()["error"]["message"] == "invalid session token: bad subject"
        )


class _Jwks(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


def test_jwks_mode_verifies_against_the_instances_key_set(tmp_path: Path) -> None:
    entry = {
        **RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True),
        "kid": "ins_1",
        "use": "sig",
        "alg": "RS256",
    }
    _Jwks.body = json.dumps({"keys": [entry]}).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    try:
        settings = settings_for(tmp_path / "data", clerk_jwks_url=url, clerk_issuer=ISSUER)
        with running(settings, run_worker=False) as platform:
            good = me(platform, session_jwt(headers={"kid": "ins_1"}, sub="user_2jwks"))
            assert good.status_code == 200 and good.json()["credits"]["granted"] == 100
            unknown = me(platform, session_jwt(OTHER_KEY, headers={"kid": "ins_2"}, sub="user_2jwks"))
            assert unknown.status_code == 401
            assert unknown.json()["error"]["message"] == "invalid session token: unknown signing key"
    finally:
        server.shutdown()
