"""The preview origin: requests whose Host is `<id>.preview...` go to that preview's sandboxed app.

Generated code is untrusted, so it is served only from its own origin (PREVIEW_BASE_URL): the
session cookie is host-only and never reaches it, and the app's pages cannot call AUTOCREA's API
with the user's credentials. Responses may be framed only by AUTOCREA's own pages. A preview opens
only for its owner: the first request brings a signed capability from the owner's page, exchanged
here for a pass cookie on the preview origin (web/preview_pass.py); without it, 403.

The headers are filtered both ways (`request_headers`, `response_headers`): the app never sees
AUTOCREA's cookies, credentials or a client's claims about proxies, and every cookie the app sets
stays host-only on its preview host, so it cannot toss one onto AUTOCREA's parent domain.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from autocrea.jobs.preview import Preview, Previews
from autocrea.web.auth import CSRF_HEADER, SESSION_COOKIE
from autocrea.web.errors import error_response
from autocrea.web.preview_pass import COOKIE, COOKIE_SECONDS, OPEN_PATH, PreviewPasses
from autocrea.web.ui.i18n import LANG_COOKIE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
# AUTOCREA's credentials, and what a client claims about proxies in front of us (the app would be
# told lies): never forwarded.
_NOT_FORWARDED = {"authorization", CSRF_HEADER.lower(), "forwarded", "x-real-ip"}
# Every cookie AUTOCREA sets (routes/accounts.py, ui/render.py, the pass here): never sent to an
# app, nor set by one.
AUTOCREA_COOKIES = frozenset(name.lower() for name in (SESSION_COOKIE, LANG_COOKIE, COOKIE))
REFUSED = "This preview opens only for its owner, from the project page. Open it there again."
MAX_PREVIEW_BODY = 10_000_000


def host_pattern(preview_base_url: str) -> re.Pattern[str]:
    """`http://{run}.preview.localhost:8000` → a regex over Host headers capturing the preview id."""
    netloc = urlsplit(preview_base_url).netloc.lower()
    if "{run}" not in netloc:
        raise ValueError("AUTOCREA_PREVIEW_BASE_URL must contain {run} in its host name")
    host, _, port = netloc.partition(":")
    head, _, tail = host.partition("{run}")
    port_part = f"(?::{re.escape(port)})?" if port else "(?::\\d+)?"
    return re.compile(f"^{re.escape(head)}([0-9a-f]{{16}}){re.escape(tail)}{port_part}$")


class PreviewProxy:
    def __init__(
        self,
        app: ASGIApp,
        *,
        previews: Callable[[], Previews],
        passes: Callable[[], PreviewPasses],
        pattern: re.Pattern[str],
        frame_origin: str,
        cookie_attributes: str,
    ) -> None:
        self.app = app
        self._previews = previews
        self._passes = passes
        self._pattern = pattern
        self._frame_origin = frame_origin
        self._cookie_attributes = cookie_attributes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin-1").lower()
                break
        match = self._pattern.match(host)
        if match is None:
            await self.app(scope, receive, send)
            return
        previews = self._previews()
        preview = await previews.reachable(match.group(1))
        if preview is None:
            gone = "This preview is not running. Start it again from the project page."
            await error_response(404, "not_found", gone)(scope, receive, send)
            return
        passes = self._passes()
        if scope["path"] == OPEN_PATH:
            await self._open(scope, receive, send, preview, passes)
            return
        if passes.check("cookie", _cookie(scope, COOKIE), preview_id=preview.id) != preview.user_id:
            await error_response(403, "forbidden", REFUSED)(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_PREVIEW_BODY:
                await error_response(413, "too_large", "Request too large for a preview.")(
                    scope, receive, send
                )
                return
        headers = request_headers(scope.get("headers", []))
        path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        url = path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        client = previews.client(preview)
        try:
            request = client.build_request(scope["method"], url, headers=headers, content=body)
            response = await client.send(request, stream=True)  # its jar keeps nothing (sandbox/http.py)
        except httpx.HTTPError:
            silent = "The preview app is not answering. Restart the preview."
            await error_response(502, "preview_unavailable", silent)(scope, receive, send)
            return
        try:
            out = response_headers(response.headers.raw, framed=self._cookie_attributes)
            out.append((b"content-security-policy", f"frame-ancestors {self._frame_origin}".encode()))
            out.append((b"x-robots-tag", b"noindex"))
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            await _relay(response, receive, send)
        finally:
            await response.aclose()

    async def _open(
        self, scope: Scope, receive: Receive, send: Send, preview: Preview, passes: PreviewPasses
    ) -> None:
        """Exchange the owner's link capability for the pass cookie, then go to the app's home."""
        cap = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("cap", [""])[0]
        if passes.check("link", cap, preview_id=preview.id) != preview.user_id:
            await error_response(403, "forbidden", REFUSED)(scope, receive, send)
            return
        token = passes.mint("cookie", preview_id=preview.id, user_id=preview.user_id, seconds=COOKIE_SECONDS)
        cookie = f"{COOKIE}={token}; Path=/; Max-Age={COOKIE_SECONDS}; HttpOnly; {self._cookie_attributes}"
        headers = [
            (b"location", b"/"),
            (b"set-cookie", cookie.encode()),
            (b"cache-control", b"no-store"),
            (b"referrer-policy", b"no-referrer"),  # the capability stays out of the app's Referer
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


async def _relay(response: httpx.Response, receive: Receive, send: Send) -> None:
    """The app's body, chunk by chunk as it comes (a live page's event stream never ends), until it
    ends or the browser goes away: then the app's connection is closed too, not left open."""

    async def body() -> None:
        async for chunk in response.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = [asyncio.ensure_future(body()), asyncio.ensure_future(gone())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()  # an error of the app's stream is raised, as before


def request_headers(scope_headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """A browser's request headers as the app may see them: no hop-by-hop or proxy headers, no
    AUTOCREA credentials, and one `Cookie` header holding only the app's own cookies (if any)."""
    out: list[tuple[str, str]] = []
    cookies: list[str] = []
    for raw_name, raw_value in scope_headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name == "cookie":
            cookies.append(value)  # HTTP/2 may split them over several headers
        elif name not in _HOP and name not in _NOT_FORWARDED and not name.startswith("x-forwarded-"):
            out.append((name, value))
    kept = app_cookies("; ".join(cookies))
    if kept:
        out.append(("cookie", kept))
    return out


def app_cookies(cookie_header: str) -> str:
    """A `Cookie` header without AUTOCREA's cookies; a pair with no `=` is kept, as the app's."""
    pairs = (pair.strip() for pair in cookie_header.split(";"))
    return "; ".join(pair for pair in pairs if pair and not _autocrea_cookie(pair))


def response_headers(
    raw: Iterable[tuple[bytes, bytes]], *, framed: str | None = None
) -> list[tuple[bytes, bytes]]:
    """The app's response headers as the browser may see them, each repeated header kept on its own:
    no hop-by-hop headers, every cookie host-only, none named like one of AUTOCREA's. With `framed`
    (the pass cookie's SameSite attributes, preview_pass.cookie_attributes) the app's cookies get
    those instead of their own: inside AUTOCREA's frame the preview may be a third party, where a
    browser drops a plain `SameSite=Lax` cookie, and the app's own login would never stick."""
    out: list[tuple[bytes, bytes]] = []
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        if name in _HOP:
            continue
        if name == "set-cookie":
            value = raw_value.decode("latin-1")
            if _autocrea_cookie(value.split(";", 1)[0]):
                continue
            value = host_only_cookie(value)
            raw_value = (value if framed is None else framed_cookie(value, framed)).encode("latin-1")
        out.append((raw_name, raw_value))
    return out


def host_only_cookie(set_cookie: str) -> str:
    """A `Set-Cookie` value without any `Domain` attribute. Split on every `;` as browsers do (they
    ignore quotes there), so `a="x;domain=..."` loses the attribute a browser would have applied."""
    pair, *attributes = set_cookie.split(";")
    kept = [a for a in attributes if a.partition("=")[0].strip().lower() != "domain"]
    return ";".join([pair, *kept])


def framed_cookie(set_cookie: str, attributes: str) -> str:
    """A `Set-Cookie` value whose SameSite, Secure and Partitioned attributes are `attributes`."""
    pair, *rest = set_cookie.split(";")
    own = {"samesite", "secure", "partitioned"}
    kept = [a for a in rest if a.partition("=")[0].strip().lower() not in own]
    return "; ".join([pair.strip(), *(a.strip() for a in kept if a.strip()), attributes])


def _autocrea_cookie(pair: str) -> bool:
    name, _, _ = pair.partition("=")
    return name.strip().lower() in AUTOCREA_COOKIES


def _cookie(scope: Scope, name: str) -> str:
    """The value of cookie `name` in the request, or ''."""
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for pair in value.decode("latin-1").split(";"):
                key_text, _, found = pair.strip().partition("=")
                if key_text == name:
                    return str(found)
    return ""
