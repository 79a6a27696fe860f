"""Clerk mode: verify Clerk session JWTs (RS256) against the instance's JWKS or PEM public key.

The seed spec decoded these tokens with `verify_signature=False`, so anyone could sign in as anyone.
Here nothing is read from a token before its signature is checked with a pinned algorithm, and the
time, issuer and authorized-party claims are enforced the way Clerk documents them.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from autocrea.errors import AuthError

ALGORITHM = "RS256"
MAX_TOKEN_LENGTH = 8192
MAX_JWKS_BYTES = 256 * 1024
MAX_SUBJECT = 255
MIN_KEY_BITS = 2048
REFETCH_INTERVAL = 30.0  # an unknown `kid` refreshes the key set at most this often
UNREACHABLE = "cannot verify the session: the Clerk key set is unreachable"
INVALID = "invalid session token"
_monotonic = time.monotonic  # module-level so tests can move the clock without touching asyncio's


@dataclass(frozen=True)
class ClerkClaims:
    subject: str  # `sub`, the Clerk user id
    email: str | None  # an `email` custom session-token claim, if the instance adds one
    session_id: str | None  # `sid`


def _load_pem(pem: str) -> RSAPublicKey:
    """Accept the PEM as Clerk shows it, also pasted on one line or with literal `\\n` (env files)."""
    body = re.sub(r"-----(BEGIN|END) PUBLIC KEY-----|\\n|\s", "", pem)
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    pem_bytes = f"-----BEGIN PUBLIC KEY-----\n{lines}\n-----END PUBLIC KEY-----\n".encode()
    try:
        key = serialization.load_pem_public_key(pem_bytes)
    except ValueError as exc:
        raise ValueError("pem_public_key is not a valid PEM public key") from exc
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_KEY_BITS:
        raise ValueError(f"pem_public_key must be an RSA public key of at least {MIN_KEY_BITS} bits")
    return key


def _parse_jwks(data: Any) -> dict[str, jwt.PyJWK]:
    """The usable RS256 signing keys of a JWKS document, by `kid`; anything else is skipped."""
    keys: dict[str, jwt.PyJWK] = {}
    entries = data.get("keys") if isinstance(data, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("alg", ALGORITHM) != ALGORITHM or entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry, algorithm=ALGORITHM)
        except (jwt.PyJWTError, ValueError, TypeError):
            continue
        if isinstance(key.key, RSAPublicKey) and key.key.key_size >= MIN_KEY_BITS:
            keys[entry["kid"]] = key
    return keys


class ClerkVerifier:
    def __init__(
        self,
        *,
        jwks_url: str | None = None,
        pem_public_key: str | None = None,
        issuer: str | None = None,
        authorized_parties: Sequence[str] = (),
        leeway_seconds: int = 5,
        jwks_ttl_seconds: float = 600.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if bool(jwks_url) == bool(pem_public_key):
            raise ValueError("Clerk mode needs exactly one of jwks_url or pem_public_key")
        if isinstance(authorized_parties, str):
            raise ValueError("authorized_parties must be a sequence of origins, not one string")
        self._jwks_url = jwks_url or None
        self._pem_key = _load_pem(pem_public_key) if pem_public_key else None
        self._issuer = issuer or None
        self._parties = frozenset(authorized_parties)
        self._leeway = max(0, leeway_seconds)
        self._ttl = jwks_ttl_seconds
        self._owns_http = http is None and self._jwks_url is not None
        self._http = http or (httpx.AsyncClient(timeout=5.0) if self._owns_http else None)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._failed_at = float("-inf")
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()

    async def verify(self, token: str) -> ClerkClaims:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise AuthError(INVALID)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthError(INVALID) from exc
        if header.get("alg") != ALGORITHM:
            raise AuthError(f"{INVALID}: only {ALGORITHM} is accepted")
        key: jwt.PyJWK | RSAPublicKey
        if self._pem_key is not None:
            key = self._pem_key
        else:
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                raise AuthError(f"{INVALID}: no key id")
            key = await self._key_for(kid)
        payload = self._decode(token, key)
        subject = payload.get("sub")
        if (
            not isinstance(subject, str)
            or not subject.strip()
            or len(subject) > MAX_SUBJECT
            or not subject.isprintable()  # stored as is: PostgreSQL refuses NUL, logs garble the rest
        ):
            raise AuthError(f"{INVALID}: bad subject")
        azp = payload.get("azp")
        if azp is not None and self._parties and (not isinstance(azp, str) or azp not in self._parties):
            raise AuthError(f"{INVALID}: not issued for this site")
        email, sid = payload.get("email"), payload.get("sid")
        return ClerkClaims(
            subject=subject,
            email=email if isinstance(email, str) and email else None,
            session_id=sid if isinstance(sid, str) and sid else None,
        )

    def _decode(self, token: str, key: jwt.PyJWK | RSAPublicKey) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "nbf", "sub"], "verify_signature": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("the session has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthError(f"{INVALID}: not valid yet") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"{INVALID}: missing claim {exc.claim}") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError(f"{INVALID}: wrong issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError(f"{INVALID}: bad signature") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(INVALID) from exc
        return payload

    def _fresh(self, now: float) -> bool:
        return self._fetched_at is not None and now - self._fetched_at < self._ttl

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        started = _monotonic()
        if self._fresh(started) and kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            now = _monotonic()
            if self._fresh(now):
                if kid in self._keys:
                    return self._keys[kid]
                assert self._fetched_at is not None
                if now - self._fetched_at < REFETCH_INTERVAL:
                    raise AuthError(f"{INVALID}: unknown signing key")
            if self._failed_at >= started:  # a fetch that this caller waited on just failed
                raise AuthError(UNREACHABLE)
            await self._fetch()
            if kid not in self._keys:
                raise AuthError(f"{INVALID}: unknown signing key")
            return self._keys[kid]

    async def _fetch(self) -> None:
        assert self._http is not None and self._jwks_url is not None
        try:
            response = await self._http.get(self._jwks_url, headers={"Accept": "application/json"})
            if response.status_code != 200 or len(response.content) > MAX_JWKS_BYTES:
                raise ValueError(f"HTTP {response.status_code}, {len(response.content)} bytes")
            keys = _parse_jwks(response.json())
            if not keys:
                raise ValueError("no usable RS256 keys")
        except (httpx.HTTPError, ValueError, RecursionError) as exc:
            self._failed_at = _monotonic()
            raise AuthError(UNREACHABLE) from exc
        self._keys, self._fetched_at = keys, _monotonic()
