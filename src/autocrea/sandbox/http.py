"""Reach a sandboxed server: HTTP over the Unix socket it listens on (it has no network)."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx


def client_for(path: Path | str, *, timeout: float | httpx.Timeout = 5) -> httpx.AsyncClient:
    """An HTTP client whose every request goes to the app listening on the socket `path`."""
    transport = httpx.AsyncHTTPTransport(uds=str(path))
    # A jar that keeps and sends nothing: one client serves every visitor of a preview (the proxy
    # forwards each browser's own cookies), so an app's Set-Cookie must never stick to the client.
    nothing = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(
        transport=transport, base_url="http://app", timeout=timeout, follow_redirects=False, cookies=nothing
    )
