"""The preview origin: requests whose Host is `<id>.preview...` go to that preview's sandboxed app.

Generated code is untrusted, so it is served only from its own origin (PREVIEW_BASE_URL): the
session cookie is host-only and never reaches it, and the app's pages cannot call AUTOCREA's API
with the user's credentials. Responses may be framed only by AUTOCREA's own pages.

The headers are filtered both ways (`request_headers`, `response_headers`): the app never sees
AUTOCREA's cookies, credentials or a client's claims about proxies, and every cookie the app sets
stays host-only on its preview host, so it cannot toss one onto AUTOCREA's parent domain.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from autocrea.jobs.preview import Previews
from autocrea.web.auth import CSRF_HEADER, SESSION_COOKIE
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
# Every cookie AUTOCREA sets (routes/accounts.py, ui/render.py): never sent to an app, nor set by one.
AUTOCREA_COOKIES = frozenset(name.lower() for name in (SESSION_COOKIE, LANG_COOKIE))
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


def preview_url(preview_base_url: str, preview_id: str) -> str:
    return preview_base_url.replace("{run}", preview_id).rstrip("/") + "/"


class PreviewProxy:
    def __init__(
        self,
        app: ASGIApp,
        *,
        previews: Callable[[], Previews],
        pattern: re.Pattern[str],
        frame_origin: str,
    ) -> None:
        self.app = app
        self._previews = previews
        self._pattern = pattern
        self._frame_origin = frame_origin

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
            await _plain(send, 404, "This preview is not running. Start it again from the project page.")
            return
        # Framed with sandbox="allow-scripts allow-forms" (no allow-same-origin), the app's page has
        # the opaque origin "null", so its calls to its own API are cross-origin: allow exactly that
        # origin, without credentials, or the framed app cannot load its own data.
        opaque = _header(scope, b"origin") == "null"
        if opaque and scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await _preflight(send, _header(scope, b"access-control-request-headers"))
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_PREVIEW_BODY:
                await _plain(send, 413, "Request too large for a preview.")
                return
        headers = request_headers(scope.get("headers", []))
        path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        url = path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        client = previews.client(preview)
        try:
            request = client.build_request(scope["method"], url, headers=headers, content=body)
            _only_browser_cookies(request, headers)
            response = await client.send(request, stream=True)
            client.cookies.clear()  # the jar is never read (above); keep a hostile app from growing it
        except httpx.HTTPError:
            await _plain(send, 502, "The preview app is not answering. Restart the preview.")
            return
        try:
            out = response_headers(response.headers.raw)
            out.append((b"content-security-policy", f"frame-ancestors {self._frame_origin}".encode()))
            out.append((b"x-robots-tag", b"noindex"))
            if opaque:
                out += [(b"access-control-allow-origin", b"null"), (b"vary", b"Origin")]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()


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


def response_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The app's response headers as the browser may see them, each repeated header kept on its own:
    no hop-by-hop headers, every cookie host-only, none named like one of AUTOCREA's."""
    out: list[tuple[bytes, bytes]] = []
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        if name in _HOP:
            continue
        if name == "set-cookie":
            value = raw_value.decode("latin-1")
            if _autocrea_cookie(value.split(";", 1)[0]):
                continue
            raw_value = host_only_cookie(value).encode("latin-1")
        out.append((raw_name, raw_value))
    return out


def host_only_cookie(set_cookie: str) -> str:
    """A `Set-Cookie` value without any `Domain` attribute. Split on every `;` as browsers do (they
    ignore quotes there), so `a="x;domain=..."` loses the attribute a browser would have applied."""
    pair, *attributes = set_cookie.split(";")
    kept = [a for a in attributes if a.partition("=")[0].strip().lower() != "domain"]
    return ";".join([pair, *kept])


def _autocrea_cookie(pair: str) -> bool:
    name, _, _ = pair.partition("=")
    return name.strip().lower() in AUTOCREA_COOKIES


def _only_browser_cookies(request: httpx.Request, headers: list[tuple[str, str]]) -> None:
    """httpx adds its jar's cookies (set by any preview, for any visitor) to a request that has
    none: the app gets exactly the browser's filtered cookies, never the jar's."""
    request.headers.pop("cookie", None)
    for name, value in headers:
        if name == "cookie":
            request.headers[name] = value


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


async def _preflight(send: Send, requested_headers: str) -> None:
    allowed = ", ".join(h.strip() for h in requested_headers.split(",") if h.strip().isascii())[:500]
    headers = [
        (b"access-control-allow-origin", b"null"),
        (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE"),
        (b"access-control-max-age", b"600"),
        (b"vary", b"Origin"),
        (b"content-length", b"0"),
    ]
    if allowed:
        headers.append((b"access-control-allow-headers", allowed.encode("latin-1")))
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
