"""Rendering pages: the Jinja environment, who is looking, and the headers every page carries.

Pages load only same-origin scripts and styles (no inline code), so the Content-Security-Policy can
forbid inline script outright; the only other origin a page may embed is the preview origin.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from autocrea.billing import credits
from autocrea.domain.credits import Balance
from autocrea.storage.tables import User
from autocrea.web.auth import optional_principal, services
from autocrea.web.services import Services
from autocrea.web.ui.i18n import LANG_COOKIE, Lang, as_lang, browser_strings, pick_language, translator
from autocrea.web.ui.outcome import built_offline, failure_words

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"


@dataclass(frozen=True)
class Viewer:
    user: User
    csrf_token: str
    balance: Balance
    admin: bool = False  # AUTOCREA_ADMIN_EMAILS: the header links to /admin


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.globals["built_offline"] = built_offline
    env.globals["failure_words"] = failure_words
    env.filters["iso"] = lambda when: _utc(when).isoformat()
    env.filters["when"] = lambda when: _utc(when).strftime("%Y-%m-%d %H:%M UTC")
    env.filters["day"] = lambda when: _utc(when).strftime("%Y-%m-%d")
    return env


def _utc(when: datetime | int | float) -> datetime:
    """Database datetimes are naive UTC; git gives epoch seconds. Pages show UTC; scripts localise."""
    if isinstance(when, int | float):
        return datetime.fromtimestamp(when, UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@cache
def static_url(path: str) -> str:
    """`/static/<path>?v=<content hash>`: browsers cache hard and still see every change."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def frame_source(preview_base_url: str) -> str:
    """`http://{run}.preview.localhost:8000` → `http://*.preview.localhost:8000` for CSP frame-src."""
    parts = urlsplit(preview_base_url)
    host = re.sub(r"[^.]*\{run\}[^.]*", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


def security_headers(svc: Services) -> dict[str, str]:
    csp = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            f"frame-src {frame_source(svc.settings.preview_base_url)}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


async def viewer_for(request: Request) -> Viewer | None:
    svc = services(request)
    principal = await optional_principal(request, svc)
    if principal is None or principal.via != "session" or principal.csrf_token is None:
        return None
    request.state.user_id = principal.user.id  # for the request's log line
    balance = await credits.balance(svc.sessions, user_id=principal.user.id)
    admin = svc.settings.is_admin(principal.user.email)
    return Viewer(user=principal.user, csrf_token=principal.csrf_token, balance=balance, admin=admin)


def safe_next(raw: str | None) -> str:
    """Only a local path may follow a login: never `//evil.example` or `https://...`."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/chat"


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None,
    status: int = 200,
    page_id: str = "",
    **context: Any,
) -> HTMLResponse:
    svc = services(request)
    lang: Lang = pick_language(request)
    other: Lang = "en" if lang == "es" else "es"
    switch = request.url.include_query_params(lang=other)
    html = (
        _environment()
        .get_template(template)
        .render(
            t=translator(lang),
            lang=lang,
            viewer=viewer,
            page_id=page_id,
            path=request.url.path,
            other_lang=other,
            lang_switch=f"{switch.path}?{switch.query}",
            cost=svc.settings.generation_cost,
            js_strings=json.dumps(browser_strings(lang), ensure_ascii=False),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status, headers=security_headers(svc))
    remember_language(request, response)
    return response


def remember_language(request: Request, response: Response) -> None:
    chosen = as_lang(request.query_params.get("lang"))
    if chosen is not None and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax", path="/")
