"""Who is calling: a session cookie (with CSRF on writes), an API token, or a Clerk session JWT.

Every protected route depends on `current_principal`; ownership of objects is then checked in the
queries themselves (storage/runs.py), so another user's id is simply not found.
"""

from __future__ import annotations

import hmac
import ipaddress
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from autocrea.accounts import tokens
from autocrea.accounts.users import check_enabled, user_for_subject
from autocrea.billing import credits
from autocrea.errors import AuthError, Forbidden, NotFound
from autocrea.web.principals import Principal
from autocrea.web.services import Services

SESSION_COOKIE = "autocrea_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]


def client_ip(request: Request, svc: Services) -> str:
    """The caller's address; X-Forwarded-For only from configured proxies."""
    peer = request.client.host if request.client else "unknown"
    trusted = set(svc.settings.list_of(svc.settings.trusted_proxies))
    if peer not in trusted:
        return peer
    for hop in reversed([h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            continue
        if hop not in trusted:
            return hop
    return peer


async def _from_bearer(svc: Services, token: str) -> Principal:
    if token.startswith(tokens.TOKEN_PREFIX):
        principal = await _remembered(svc, "token", token)
        if principal is None:
            raise AuthError("This API token is not valid (revoked, expired or mistyped).")
        return principal
    if svc.clerk is None:
        raise AuthError("This bearer token is not an AUTOCREA API token.")
    claims = await svc.clerk.verify(token)
    user = await user_for_subject(svc.sessions, subject=claims.subject, email=claims.email)
    check_enabled(user)
    await credits.grant_trial(svc.sessions, user_id=user.id)  # idempotent: first sight only
    return Principal(user, "clerk")


async def _remembered(svc: Services, via: Literal["session", "token"], secret: str) -> Principal | None:
    """The principal behind a session cookie or API token, from the short memory or the database."""
    key = svc.principals.key(via, secret)
    cached = svc.principals.get(key)
    if cached is not None:
        check_enabled(cached.user)
        return cached
    resolve = tokens.resolve_session if via == "session" else tokens.resolve_token
    resolved = await resolve(svc.sessions, token=secret)
    if resolved is None:
        return None
    principal = Principal(resolved.user, via, resolved.csrf_token)
    left = None if resolved.expires_at is None else (resolved.expires_at - datetime.now(UTC)).total_seconds()
    svc.principals.put(key, principal, valid_for=left)
    check_enabled(resolved.user)  # a disabled account: 403 with why, where a 401 would say log in again
    return principal


async def optional_principal(request: Request, svc: Svc) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Use 'Authorization: Bearer <token>'.")
        return await _from_bearer(svc, token.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return await _remembered(svc, "session", cookie)


def check_csrf(request: Request, principal: Principal) -> None:
    """Cookie-authenticated writes must echo the session's CSRF token in a header."""
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise Forbidden(
            "Missing or wrong CSRF token: reload the page and try again.", details={"header": CSRF_HEADER}
        )


async def current_principal(
    request: Request, svc: Svc, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> Principal:
    if principal is None:
        raise AuthError("Log in to continue.")
    check_csrf(request, principal)
    request.state.user_id = principal.user.id  # for the request's log line
    await svc.limiter.hit(
        svc.rates.api, "api", principal.user.id, message="Too many requests; slow down and try again."
    )
    return principal


async def anonymous_limit(request: Request, svc: Svc) -> None:
    await svc.limiter.hit(
        svc.rates.api,
        "api-ip",
        client_ip(request, svc),
        message="Too many requests; slow down and try again.",
    )


Auth = Annotated[Principal, Depends(current_principal)]
NOT_FOUND = "Not found."


def _admin_or_404(svc: Services, principal: Principal | None) -> Principal:
    # 404, not 403: to anyone else the admin view does not exist, so it says nothing of who is one.
    if principal is None or not svc.settings.is_admin(principal.user.email):
        raise NotFound(NOT_FOUND)
    return principal


async def admin_principal(
    request: Request, svc: Svc, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> Principal:
    """An administrator (AUTOCREA_ADMIN_EMAILS), with everything `current_principal` checks."""
    return await current_principal(request, svc, _admin_or_404(svc, principal))


Admin = Annotated[Principal, Depends(admin_principal)]


async def gate_unparsed_body(request: Request) -> None:
    """What `current_principal` checks first (signed in, CSRF), for a route that needs it and a
    request whose body was not JSON at all: FastAPI parses the body before running dependencies."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    admin = _needs(route.dependant, admin_principal)
    if not admin and not _needs(route.dependant, current_principal):
        return
    principal = await optional_principal(request, services(request))
    if admin:
        _admin_or_404(services(request), principal)
    if principal is None:
        raise AuthError("Log in to continue.")
    check_csrf(request, principal)


def _needs(dependant: Dependant, call: object) -> bool:
    return any(d.call is call or _needs(d, call) for d in dependant.dependencies)
