"""Reach a sandboxed server: HTTP over the Unix socket it listens on (it has no network)."""

from __future__ import annotations

from pathlib import Path

import httpx


def client_for(path: Path | str, *, timeout: float | httpx.Timeout = 5) -> httpx.AsyncClient:
    """An HTTP client whose every request goes to the app listening on the socket `path`."""
    transport = httpx.AsyncHTTPTransport(uds=str(path))
    # No cookie jar worth keeping: the proxy forwards each browser's own cookies, never a shared jar's.
    return httpx.AsyncClient(
        transport=transport, base_url="http://app", timeout=timeout, follow_redirects=False
    )
