"""Where a user's own model key may send the server: public addresses only, unless the owner allows more.

A base URL that a user types is an address the server will call with its own network position; left
open it reaches the cloud metadata service, the database or Redis next door (server-side request
forgery), and the answer flows back into the user's project. The server owner's own settings
(`OPENAI_BASE_URL`, `JOXCODER_API_URL`) are trusted and never checked here.

Checked when the key is saved and again when a run is about to use it (a name may resolve elsewhere
later). A name that does not resolve passes: nothing can be reached through it. What is left is DNS
rebinding between this check and the SDK's own lookup, a window of milliseconds.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from autocrea.errors import InvalidInput

_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def _refuse(host: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"The base URL points at {host} ({why}). Your own keys may only call public addresses; "
        "the server owner can allow private ones with AUTOCREA_ALLOW_PRIVATE_MODEL_URLS.",
        details={"field": "base_url", "reason": "private_address"},
    )


def literal_problem(host: str) -> str | None:
    """Why a host is refused without looking it up (an IP literal or a local name), else None."""
    name = host.lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(_LOCAL_SUFFIXES):
        return "a local name"
    try:
        return "a private or reserved address" if _private(name) else None
    except ValueError:
        return None  # a name: decided by what it resolves to


def resolved_problem(addresses: list[str]) -> str | None:
    """Why a name is refused, given the addresses it resolves to, else None."""
    if any(_private(a) for a in addresses):
        return f"it resolves to {', '.join(sorted(set(addresses)))}, a private or reserved address"
    return None


async def require_public(url: str) -> None:
    """InvalidInput (field base_url) when `url` reaches a private, loopback or reserved address."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise InvalidInput("The base URL must be an http(s) address.", details={"field": "base_url"})
    if why := literal_problem(host):
        raise _refuse(host, why)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidInput("The base URL has an invalid port.", details={"field": "base_url"}) from exc
    loop = asyncio.get_running_loop()
    try:
        found = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=5)
    except (OSError, TimeoutError):
        return  # unresolvable now: nothing to reach; a run will say the endpoint is unreachable
    if why := resolved_problem([str(info[4][0]) for info in found]):
        raise _refuse(host, why)
