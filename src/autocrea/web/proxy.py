"""The preview origin: requests whose Host is `<id>.preview...` go to that preview's sandboxed app.

Generated code is untrusted, so it is served only from its own origin (PREVIEW_BASE_URL): the
session cookie is host-only and never reaches it, and the app's pages cannot call AUTOCREA's API
with the user's credentials. Responses may be framed only by AUTOCREA's own pages.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from autocrea.jobs.preview import Previews

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
        previews: Callable[[], tuple[Previews, httpx.AsyncClient]],
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
        previews, client = self._previews()
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
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope.get("headers", [])
            if k.decode("latin-1").lower() not in _HOP
        ]
        path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        url = f"http://127.0.0.1:{preview.port}{path.decode('latin-1')}" + (
            f"?{query.decode('latin-1')}" if query else ""
        )
        try:
            request = client.build_request(scope["method"], url, headers=headers, content=body)
            response = await client.send(request, stream=True)
        except httpx.HTTPError:
            await _plain(send, 502, "The preview app is not answering. Restart the preview.")
            return
        try:
            out = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in response.headers.items()
                if k.lower() not in _HOP
            ]
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
