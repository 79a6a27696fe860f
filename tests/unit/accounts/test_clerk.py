"""Clerk session JWTs: real RSA keys, a real local JWKS server, and the attacks the seed spec allowed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from autocrea.accounts import clerk
from autocrea.accounts.clerk import ClerkClaims, ClerkVerifier
from autocrea.errors import AuthError
from autocrea.testing.ports import free_port

ISSUER = "https://clerk.example.test"
ORIGIN = "https://app.example.test"


@pytest.fixture(scope="module")
def key_a() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def key_b() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    entry: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**entry, "kid": kid, "use": "sig", "alg": "RS256"}


def pem(key: rsa.RSAPrivateKey) -> str:
    public = key.public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": "user_2abc",
        "sid": "sess_123",
        "email": "ana@example.test",
        "iss": ISSUER,
        "azp": ORIGIN,
        "iat": now,
        "nbf": now - 5,
        "exp": now + 60,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def token(key: rsa.RSAPrivateKey, kid: str | None = "k1", **overrides: Any) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"


@dataclass
class JwksServer:
    url: str = ""
    keys: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    body: bytes | None = None  # served instead of the key set when set
    requests: int = 0


@pytest.fixture
def server() -> Iterator[JwksServer]:
    state = JwksServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            body = state.body if state.body is not None else json.dumps({"keys": state.keys}).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/.well-known/jwks.json"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
async def verifier(server: JwksServer, key_a: rsa.RSAPrivateKey) -> AsyncIterator[ClerkVerifier]:
    server.keys = [jwk(key_a, "k1")]
    v = ClerkVerifier(jwks_url=server.url, issuer=ISSUER, authorized_parties=[ORIGIN])
    yield v
    await v.aclose()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The verifier's monotonic clock, moved by hand: `clock[0] += 31`."""
    now = [1000.0]
    monkeypatch.setattr(clerk, "_monotonic", lambda: now[0])
    return now


async def test_valid_token_via_jwks_is_verified_and_key_set_cached(
    verifier: ClerkVerifier, server: JwksServer, key_a: rsa.RSAPrivateKey
) -> None:
    result = await verifier.verify(token(key_a))
    assert result == ClerkClaims(subject="user_2abc", email="ana@example.test", session_id="sess_123")
    assert await verifier.verify(token(key_a, sub="user_other")) == ClerkClaims(
        "user_other", "ana@example.test", "sess_123"
    )
    assert server.requests == 1


async def test_optional_claims_absent(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey) -> None:
    result = await verifier.verify(token(key_a, email=None, sid=None, azp=None, iat=None))
    assert result == ClerkClaims(subject="user_2abc", email=None, session_id=None)


@pytest.mark.parametrize("shape", ["as-is", "one-line", "escaped-newlines"])
async def test_valid_token_via_pem(key_a: rsa.RSAPrivateKey, shape: str) -> None:
    text = pem(key_a)
    if shape == "one-line":
        text = text.replace("\n", "")
    elif shape == "escaped-newlines":
        text = text.replace("\n", "\\n")
    v = ClerkVerifier(pem_public_key=text, issuer=ISSUER)
    assert (await v.verify(token(key_a, kid=None))).subject == "user_2abc"
    await v.aclose()


async def test_pem_rejects_token_signed_by_another_key(
    key_a: rsa.RSAPrivateKey, key_b: rsa.RSAPrivateKey
) -> None:
    v = ClerkVerifier(pem_public_key=pem(key_a))
    with pytest.raises(AuthError, match="bad signature"):
        await v.verify(token(key_b))


async def test_expired(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey) -> None:
    now = int(time.time())
    with pytest.raises(AuthError, match="expired"):
        await verifier.verify(token(key_a, exp=now - 60, iat=now - 120, nbf=now - 120))


async def test_leeway_tolerates_small_clock_skew(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey) -> None:
    now = int(time.time())
    assert await verifier.verify(token(key_a, exp=now - 2, nbf=now + 2, iat=now + 2))


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_not_valid_yet(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey, claim: str) -> None:
    with pytest.raises(AuthError, match="not valid yet"):
        future: dict[str, Any] = {claim: int(time.time()) + 60}
        await verifier.verify(token(key_a, **future))


@pytest.mark.parametrize("claim", ["exp", "nbf", "sub"])
async def test_required_claim_missing(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey, claim: str) -> None:
    with pytest.raises(AuthError, match=f"missing claim {claim}"):
        await verifier.verify(token(key_a, **{claim: None}))


@pytest.mark.parametrize("sub", ["", "   ", "u" * 256, 42])
async def test_bad_subject(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey, sub: Any) -> None:
    with pytest.raises(AuthError):
        await verifier.verify(token(key_a, sub=sub))


@pytest.mark.parametrize("iss", ["https://evil.example.test", None])
async def test_wrong_or_missing_issuer(
    verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey, iss: str | None
) -> None:
    with pytest.raises(AuthError):
        await verifier.verify(token(key_a, iss=iss))


@pytest.mark.parametrize("azp", ["https://evil.example.test", ["https://app.example.test"], ""])
async def test_azp_not_authorized(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey, azp: Any) -> None:
    with pytest.raises(AuthError, match="not issued for this site"):
        await verifier.verify(token(key_a, azp=azp))


async def test_azp_allowed_and_unchecked_without_a_list(server: JwksServer, key_a: rsa.RSAPrivateKey) -> None:
    server.keys = [jwk(key_a, "k1")]
    v = ClerkVerifier(jwks_url=server.url, authorized_parties=["https://other.test", ORIGIN])
    assert (await v.verify(token(key_a))).subject == "user_2abc"
    await v.aclose()
    open_v = ClerkVerifier(jwks_url=server.url)
    assert (await open_v.verify(token(key_a, azp="https://anything.test"))).subject == "user_2abc"
    await open_v.aclose()


async def test_alg_none_rejected(verifier: ClerkVerifier, server: JwksServer) -> None:
    for alg in ("none", "None", "NONE"):
        with pytest.raises(AuthError, match="only RS256"):
            await verifier.verify(unsigned({"alg": alg, "kid": "k1"}, claims()) + ".")
    assert server.requests == 0


@pytest.mark.parametrize("mode", ["pem", "jwks"])
async def test_hs256_signed_with_the_public_key_is_rejected(
    server: JwksServer, key_a: rsa.RSAPrivateKey, mode: str
) -> None:
    server.keys = [jwk(key_a, "k1")]
    secret = pem(key_a).encode()
    signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": "k1"}, claims())
    forged = f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"
    v = ClerkVerifier(pem_public_key=pem(key_a)) if mode == "pem" else ClerkVerifier(jwks_url=server.url)
    with pytest.raises(AuthError, match="only RS256"):
        await v.verify(forged)
    await v.aclose()


async def test_other_rsa_algorithms_rejected(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey) -> None:
    for alg in ("RS512", "PS256"):
        forged = jwt.encode(claims(), key_a, algorithm=alg, headers={"kid": "k1"})
        with pytest.raises(AuthError, match="only RS256"):
            await verifier.verify(forged)


async def test_other_key_with_same_kid_rejected(
    verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey, key_b: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(AuthError, match="bad signature"):
        await verifier.verify(token(key_b, kid="k1"))


async def test_missing_kid_rejected(verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey) -> None:
    with pytest.raises(AuthError, match="no key id"):
        await verifier.verify(token(key_a, kid=None))


async def test_key_rotation_refetches_once_and_unknown_kid_flood_is_throttled(
    verifier: ClerkVerifier,
    server: JwksServer,
    key_a: rsa.RSAPrivateKey,
    key_b: rsa.RSAPrivateKey,
    clock: list[float],
) -> None:
    await verifier.verify(token(key_a))
    assert server.requests == 1
    # Clerk rotates: the new key is published; tokens signed with it arrive a while later.
    server.keys = [jwk(key_a, "k1"), jwk(key_b, "k2")]
    clock[0] += 31
    assert (await verifier.verify(token(key_b, kid="k2"))).subject == "user_2abc"
    assert server.requests == 2
    assert (await verifier.verify(token(key_b, kid="k2"))).subject == "user_2abc"
    # A flood of made-up key ids, sequential and concurrent, may not turn into a flood of fetches.
    for i in range(20):
        with pytest.raises(AuthError, match="unknown signing key"):
            await verifier.verify(token(key_b, kid=f"bogus-{i}"))
    results = await asyncio.gather(
        *(verifier.verify(token(key_b, kid=f"flood-{i}")) for i in range(20)), return_exceptions=True
    )
    assert all(isinstance(r, AuthError) for r in results)
    assert server.requests == 2
    clock[0] += 29
    with pytest.raises(AuthError):
        await verifier.verify(token(key_b, kid="late"))
    assert server.requests == 2
    # After the 30 s window one more refetch is allowed, and only one.
    clock[0] += 2
    results = await asyncio.gather(
        *(verifier.verify(token(key_b, kid=f"again-{i}")) for i in range(10)), return_exceptions=True
    )
    assert all(isinstance(r, AuthError) for r in results)
    assert server.requests == 3


async def test_cold_cache_concurrent_verifies_fetch_once(
    verifier: ClerkVerifier, server: JwksServer, key_a: rsa.RSAPrivateKey
) -> None:
    results = await asyncio.gather(*(verifier.verify(token(key_a)) for _ in range(20)))
    assert {r.subject for r in results} == {"user_2abc"}
    assert server.requests == 1


async def test_key_set_refreshed_after_ttl(
    verifier: ClerkVerifier, server: JwksServer, key_a: rsa.RSAPrivateKey, clock: list[float]
) -> None:
    await verifier.verify(token(key_a))
    clock[0] += 599
    await verifier.verify(token(key_a))
    assert server.requests == 1
    clock[0] += 2
    await verifier.verify(token(key_a))
    assert server.requests == 2
    # A key dropped from the set stops verifying once the cache is refreshed.
    server.keys = []
    clock[0] += 601
    with pytest.raises(AuthError, match="unreachable"):
        await verifier.verify(token(key_a))


async def test_jwks_server_down(key_a: rsa.RSAPrivateKey) -> None:
    v = ClerkVerifier(jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json")
    with pytest.raises(AuthError, match="cannot verify the session: the Clerk key set is unreachable"):
        await v.verify(token(key_a))
    await v.aclose()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, None),
        (404, None),
        (200, b"<html>not json</html>"),
        (200, b"[1, 2]"),
        (200, b'{"keys": "nope"}'),
        (200, b'{"keys": [{"kty": "oct", "kid": "k1", "k": "c2VjcmV0"}]}'),
        (200, b"[" * 100_000),
    ],
)
async def test_jwks_unusable(
    server: JwksServer, key_a: rsa.RSAPrivateKey, status: int, body: bytes | None
) -> None:
    server.keys = [jwk(key_a, "k1")]
    server.status, server.body = status, body
    v = ClerkVerifier(jwks_url=server.url)
    with pytest.raises(AuthError, match="unreachable"):
        await v.verify(token(key_a))
    await v.aclose()


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_jwks_skips_non_rs256_and_weak_keys(server: JwksServer, key_a: rsa.RSAPrivateKey) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec_entry: dict[str, Any] = {
        **json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())),
        "kid": "ec",
    }
    server.keys = [ec_entry, jwk(weak, "weak"), {**jwk(key_a, "enc"), "use": "enc"}, jwk(key_a, "k1")]
    v = ClerkVerifier(jwks_url=server.url)
    assert (await v.verify(token(key_a))).subject == "user_2abc"
    for kid, key in (("weak", weak), ("enc", key_a)):
        with pytest.raises(AuthError, match="unknown signing key"):
            await v.verify(token(key, kid=kid))
    await v.aclose()


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "a.b",
        "a.b.c.d",
        "x" * 10_240,
        "e" * 5000 + "." + "e" * 5000 + ".sig",
        "!!!.###.$$$",
        "ñ.ñ.ñ",
        f"{b64(b'not json')}.{b64(b'{}')}.sig",
        f"{b64(b'[1]')}.{b64(b'{}')}.sig",
        f"{b64(b'{')}.{b64(b'{}')}.sig",
        f"{b64(json.dumps({'alg': 'RS256', 'kid': 'k1'}).encode())}.not-base64!.sig",
        f"{b64(json.dumps({'alg': 'RS256', 'kid': 'k1'}).encode())}.{b64(b'[1]')}.c2ln",
        f"{b64(json.dumps({'alg': 'RS256', 'kid': 42}).encode())}.{b64(b'{}')}.c2ln",
    ],
)
async def test_garbage_tokens(verifier: ClerkVerifier, garbage: str) -> None:
    with pytest.raises(AuthError):
        await verifier.verify(garbage)


async def test_error_messages_do_not_leak_token_content(
    verifier: ClerkVerifier, key_a: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(AuthError) as caught:
        await verifier.verify(token(key_a, iss="https://secret-issuer.test", sub="user_secret"))
    assert "secret" not in caught.value.message
    assert caught.value.to_dict()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"jwks_url": "https://x.test/jwks", "pem_public_key": "pem"},
        {"jwks_url": "", "pem_public_key": ""},
    ],
)
def test_exactly_one_key_source_required(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="exactly one of jwks_url or pem_public_key"):
        ClerkVerifier(**kwargs)


def test_bad_pem_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="not a valid PEM"):
        ClerkVerifier(pem_public_key="-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ValueError, match="at least 2048 bits"):
        ClerkVerifier(pem_public_key=pem(weak))


async def test_aclose_leaves_a_borrowed_client_open(server: JwksServer, key_a: rsa.RSAPrivateKey) -> None:
    server.keys = [jwk(key_a, "k1")]
    async with httpx.AsyncClient() as client:
        v = ClerkVerifier(jwks_url=server.url, http=client)
        await v.verify(token(key_a))
        await v.aclose()
        assert not client.is_closed
