"""Every route of the app, classified, with a valid call for its owner.

The authorization matrix and the CSRF tests walk this table; `unclassified()` compares it with the
routes the app actually has, so a new route fails those tests until it is added here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# public: anyone; user: needs a login, names no object; owned: names an object of its owner;
# admin: an administrator's only (AUTOCREA_ADMIN_EMAILS), 404 to everyone else, signed in or not.
Access = Literal["public", "user", "owned", "admin"]


@dataclass(frozen=True)
class Ids:
    """The owner's objects: one generated project and what belongs to it."""

    project: str
    run: str
    token: str
    file: str
    parent: str  # a commit that is not HEAD
    idempotency_key: str  # the key the project was created with (a replay starts nothing)
    share: str  # the token of the run's public link, made when the module starts
    user: str  # the owner's user id (what the admin routes name)


@dataclass(frozen=True)
class Call:
    url: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    access: Access
    call: Callable[[Ids], Call]
    owner: int  # the owner's status for `call`

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def _fixed(url: str, json: Any = None) -> Callable[[Ids], Call]:
    return lambda _: Call(url, json)


def _project(suffix: str = "", json: Any = None) -> Callable[[Ids], Call]:
    return lambda ids: Call(f"/api/projects/{ids.project}{suffix}", json)


def _run(suffix: str = "") -> Callable[[Ids], Call]:
    return lambda ids: Call(f"/api/runs/{ids.run}{suffix}")


def _admin(suffix: str = "", json: Any = None) -> Callable[[Ids], Call]:
    return lambda ids: Call(f"/api/admin/users/{ids.user}{suffix}", json)


def _shared(suffix: str = "") -> Callable[[Ids], Call]:
    return lambda ids: Call(f"/api/share/{ids.share}{suffix}")


# A remote that passes every check but whose host never resolves (RFC 2606): a push is a quick 502.
REMOTE = {"url": "https://git.nowhere.invalid/ana/app.git", "token": "ghp_matrix0123456789"}


CREDENTIALS = {"email": "nobody-here@example.com", "password": "violet-harbor-77-lantern"}
# Ordered so that the owner's walk ends with the calls that destroy what earlier calls need.
ROUTES: tuple[Route, ...] = (
    Route("GET", "/openapi.json", "public", _fixed("/openapi.json"), 200),
    Route("GET", "/docs", "public", _fixed("/docs"), 200),
    Route("GET", "/docs/oauth2-redirect", "public", _fixed("/docs/oauth2-redirect"), 200),
    Route("GET", "/redoc", "public", _fixed("/redoc"), 200),
    Route("GET", "/health", "public", _fixed("/health"), 200),
    Route("GET", "/ready", "public", _fixed("/ready"), 200),
    Route("GET", "/metrics", "public", _fixed("/metrics"), 200),
    Route(
        "POST",
        "/api/auth/register",
        "public",
        _fixed("/api/auth/register", {**CREDENTIALS, "email": "x"}),
        400,
    ),
    Route("POST", "/api/auth/login", "public", _fixed("/api/auth/login", CREDENTIALS), 401),
    Route("GET", "/api/auth/me", "user", _fixed("/api/auth/me"), 200),
    Route("PATCH", "/api/auth/me", "user", _fixed("/api/auth/me", {"display_name": "Ana"}), 200),
    Route("GET", "/api/tokens", "user", _fixed("/api/tokens"), 200),
    Route("POST", "/api/tokens", "user", _fixed("/api/tokens", {"name": "matrix"}), 201),
    Route("GET", "/api/keys", "user", _fixed("/api/keys"), 200),
    Route(
        "PUT",
        "/api/keys/{provider}",
        "user",
        _fixed("/api/keys/anthropic", {"key": "sk-ant-matrix-0123"}),
        200,
    ),
    Route("GET", "/api/credits", "user", _fixed("/api/credits"), 200),
    Route("GET", "/api/billing", "user", _fixed("/api/billing"), 200),
    Route(
        "POST",
        "/api/billing/estimate",
        "user",
        _fixed("/api/billing/estimate", {"prompt": "a library with books", "model": "openai:gpt-4o-mini"}),
        200,
    ),
    # The matrix's server has no Stripe keys: buying answers 409 payments_not_configured (the
    # payments themselves are walked in tests/integration/test_stripe_payments.py).
    Route(
        "POST",
        "/api/billing/checkout",
        "user",
        _fixed("/api/billing/checkout", {"kind": "pack", "id": "250"}),
        409,
    ),
    Route("POST", "/api/billing/portal", "user", _fixed("/api/billing/portal"), 409),
    Route("POST", "/api/billing/webhook", "public", _fixed("/api/billing/webhook", {}), 409),
    # The admin's walk: the owner's account seen, disabled and at once enabled again, given a credit.
    Route("GET", "/api/admin/users", "admin", _fixed("/api/admin/users?q=example"), 200),
    Route("GET", "/api/admin/users/{user_id}", "admin", _admin(), 200),
    Route("GET", "/api/admin/users/{user_id}/runs", "admin", _admin("/runs"), 200),
    Route("POST", "/api/admin/users/{user_id}/disable", "admin", _admin("/disable"), 200),
    Route("POST", "/api/admin/users/{user_id}/enable", "admin", _admin("/enable"), 200),
    Route(
        "POST",
        "/api/admin/users/{user_id}/credits",
        "admin",
        _admin("/credits", {"action": "grant", "amount": 1, "reason": "matrix"}),
        201,
    ),
    Route("GET", "/api/admin/runs", "admin", _fixed("/api/admin/runs?status=succeeded"), 200),
    Route("GET", "/api/admin/daily", "admin", _fixed("/api/admin/daily"), 200),
    Route(
        "POST",
        "/api/projects",
        "user",
        lambda ids: Call(
            "/api/projects",
            {"prompt": "Create a simple todo app"},
            {"Idempotency-Key": ids.idempotency_key},
        ),
        202,
    ),
    Route("GET", "/api/projects", "user", _fixed("/api/projects"), 200),
    Route("GET", "/api/projects/{project_id}", "owned", _project(), 200),
    Route("GET", "/api/projects/{project_id}/runs", "owned", _project("/runs"), 200),
    Route("GET", "/api/runs/{run_id}", "owned", _run(), 200),
    Route("POST", "/api/runs/{run_id}/cancel", "owned", _run("/cancel"), 409),  # it already ended
    Route("GET", "/api/runs/{run_id}/events", "owned", _run("/events"), 200),
    # The run's public link (made by the module's fixture) answers anyone, before the walk replaces it.
    Route("GET", "/api/share/{token}", "public", _shared(), 200),
    Route("GET", "/api/share/{token}/events", "public", _shared("/events"), 200),
    Route(
        "GET",
        "/api/share/{token}/files/{path:path}",
        "public",
        lambda ids: Call(f"/api/share/{ids.share}/files/{ids.file}"),
        200,
    ),
    Route("GET", "/api/runs/{run_id}/share", "owned", _run("/share"), 200),
    Route("POST", "/api/runs/{run_id}/share", "owned", _run("/share"), 201),
    Route("PUT", "/api/projects/{project_id}/remote", "owned", _project("/remote", REMOTE), 200),
    Route("GET", "/api/projects/{project_id}/remote", "owned", _project("/remote"), 200),
    Route("POST", "/api/projects/{project_id}/push", "owned", _project("/push", {}), 502),
    Route("GET", "/api/projects/{project_id}/tree", "owned", _project("/tree"), 200),
    Route(
        "GET",
        "/api/projects/{project_id}/files/{path:path}",
        "owned",
        lambda ids: Call(f"/api/projects/{ids.project}/files/{ids.file}"),
        200,
    ),
    Route(
        "PUT",
        "/api/projects/{project_id}/files/{path:path}",
        "owned",
        lambda ids: Call(f"/api/projects/{ids.project}/files/NOTES.md", {"content": "# notes\n"}),
        200,
    ),
    Route("GET", "/api/projects/{project_id}/commits", "owned", _project("/commits"), 200),
    Route("GET", "/api/projects/{project_id}/diff", "owned", _project("/diff"), 200),
    Route(
        "POST",
        "/api/projects/{project_id}/restore",
        "owned",
        lambda ids: Call(f"/api/projects/{ids.project}/restore", {"commit": ids.parent}),
        200,
    ),
    Route("POST", "/api/projects/{project_id}/files", "owned", _project("/files", {"path": "WALK.md"}), 201),
    Route(
        "POST",
        "/api/projects/{project_id}/rename",
        "owned",
        _project("/rename", {"path": "WALK.md", "to": "WALKED.md"}),
        200,
    ),
    Route(
        "DELETE",
        "/api/projects/{project_id}/files/{path:path}",
        "owned",
        _project("/files/WALKED.md"),
        200,
    ),
    Route("GET", "/api/projects/{project_id}/verification", "owned", _project("/verification"), 200),
    # A verify of a version that is not HEAD any more is refused, so no run blocks the walk's later calls.
    Route(
        "POST",
        "/api/projects/{project_id}/verify",
        "owned",
        lambda ids: Call(f"/api/projects/{ids.project}/verify", {"base": ids.parent}),
        409,
    ),
    Route("GET", "/api/projects/{project_id}/zip", "owned", _project("/zip"), 200),
    Route("GET", "/api/projects/{project_id}/changes", "owned", _project("/changes"), 200),
    # A request the offline engine cannot map: refused before any hold, so the walk goes on.
    Route(
        "POST",
        "/api/projects/{project_id}/changes",
        "owned",
        _project("/changes", {"request": "make it prettier"}),
        400,
    ),
    Route(
        "POST",
        "/api/projects/{project_id}/changes/estimate",
        "owned",
        _project("/changes/estimate", {"request": "make it prettier"}),
        200,
    ),
    Route("POST", "/api/projects/{project_id}/undo", "owned", _project("/undo"), 409),  # no change yet
    Route("POST", "/api/projects/{project_id}/preview", "owned", _project("/preview", {}), 201),
    Route("GET", "/api/projects/{project_id}/preview", "owned", _project("/preview"), 200),
    Route("DELETE", "/api/projects/{project_id}/preview", "owned", _project("/preview"), 204),
    Route("DELETE", "/api/projects/{project_id}/preview/data", "owned", _project("/preview/data"), 204),
    Route("DELETE", "/api/runs/{run_id}/share", "owned", _run("/share"), 204),
    Route("DELETE", "/api/projects/{project_id}/remote", "owned", _project("/remote"), 204),
    Route("DELETE", "/api/keys/{provider}", "user", _fixed("/api/keys/anthropic"), 204),
    Route("DELETE", "/api/tokens/{token_id}", "owned", lambda ids: Call(f"/api/tokens/{ids.token}"), 204),
    Route("DELETE", "/api/projects/{project_id}", "owned", _project(), 204),
    Route("POST", "/api/auth/logout", "user", _fixed("/api/auth/logout"), 204),
)


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves; HEAD comes with GET and is not listed."""
    return {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        for method in (context.methods or ()) or ("ANY",)
        if method != "HEAD"
    }


# The HTML pages. Anonymous visitors of a user's page are sent to log in (303), htmx partials say so
# with HX-Redirect (204); another user's project is a 404 page; the owner gets 200. A shared run's
# page answers everyone with its link (and nobody once the owner turns it off). Admin pages are a 404
# page to everyone but an administrator.
PageAccess = Literal["public", "user", "owned", "partial", "shared", "admin"]


@dataclass(frozen=True)
class Page:
    path: str
    access: PageAccess
    url: Callable[[Ids], str]
    signed_in: int = 200  # what a logged-in visitor gets (the log-in page sends them on, 303)

    @property
    def method(self) -> str:
        return "ANY" if self.path == "/static" else "GET"


def _page(suffix: str = "") -> Callable[[Ids], str]:
    return lambda ids: f"/projects/{ids.project}{suffix}"


PAGES: tuple[Page, ...] = (
    Page("/", "public", lambda _: "/"),
    Page("/share/{token}", "shared", lambda ids: f"/share/{ids.share}"),
    Page("/login", "public", lambda _: "/login", 303),
    Page("/register", "public", lambda _: "/register", 303),
    Page("/pricing", "public", lambda _: "/pricing"),
    Page("/static", "public", lambda _: "/static/css/base.css"),
    Page("/chat", "user", lambda ids: f"/chat?run={ids.run}"),
    Page("/projects", "user", lambda _: "/projects"),
    Page("/settings", "user", lambda _: "/settings"),
    Page("/billing", "user", lambda _: "/billing"),
    Page("/billing/success", "user", lambda _: "/billing/success?session_id=cs_test_x"),
    Page("/billing/cancel", "user", lambda _: "/billing/cancel"),
    Page("/admin", "admin", lambda _: "/admin?q=example"),
    Page("/admin/runs", "admin", lambda _: "/admin/runs?status=succeeded"),
    Page("/projects/{project_id}", "owned", _page()),
    # The owner's way into a running preview (303 to it); the matrix's project has none running.
    Page("/projects/{project_id}/preview/open", "owned", _page("/preview/open"), 404),
    Page("/projects/{project_id}/part/history", "partial", _page("/part/history")),
    Page("/projects/{project_id}/part/evidence", "partial", _page("/part/evidence")),
    Page(
        "/projects/{project_id}/part/diff",
        "partial",
        lambda ids: f"/projects/{ids.project}/part/diff?sha={ids.parent}",
    ),
)


def unclassified(app: FastAPI) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(routes of the app missing here, routes listed here that the app no longer has)."""
    listed = {(r.method, r.path) for r in ROUTES} | {(p.method, p.path) for p in PAGES}
    served = app_routes(app)
    return served - listed, listed - served


def protected() -> list[Route]:
    """Routes that need a login (401 without one); admin routes are not among them (404)."""
    return [r for r in ROUTES if r.access in ("user", "owned")]


def admin_only() -> list[Route]:
    return [r for r in ROUTES if r.access == "admin"]


def protected_writes() -> list[Route]:
    return [r for r in protected() if r.method in WRITE_METHODS]
