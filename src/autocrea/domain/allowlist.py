"""The packages a generated project may depend on, each pinned to one checked version.

The security role rejects a generated `requirements.txt` that names anything else. Versions were
checked to install on CPython 3.11 (`pip download --no-deps`); bump them here, together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

ALLOWED_PACKAGES: Mapping[str, str] = MappingProxyType(
    {
        "fastapi": "0.165.0",
        "uvicorn": "0.54.0",
        "sqlalchemy": "2.1.9",
        "pydantic": "2.14.4",
        "pytest": "9.2.0",
        # Starlette's TestClient prefers httpx2 (with plain httpx it warns of a deprecation).
        "httpx2": "2.16.2",
        "httpx": "0.28.1",
        # Shops with priced products take payments through Stripe Checkout with the official SDK.
        "stripe": "16.1.0",
        # Apps with accounts hash passwords with Argon2 through pwdlib.
        "pwdlib[argon2]": "0.4.2",
        # Optional: the PostgreSQL driver, installed by hand when DATABASE_URL points at PostgreSQL.
        "psycopg[binary]": "3.3.9",
    }
)

# What every generated project installs, in this order.
RUNTIME_PACKAGES: tuple[str, ...] = ("fastapi", "uvicorn", "sqlalchemy", "pydantic", "pytest", "httpx2")


def pin(name: str) -> str:
    """'fastapi' -> 'fastapi==0.165.0'; KeyError for a package that is not allowed."""
    return f"{name}=={ALLOWED_PACKAGES[name]}"


def requirement_lines(text: str) -> Iterator[tuple[int, str, str | None]]:
    """Each requirement of a requirements.txt: (line number, the line without its comment, the
    allowlist name it pins exactly, or None when it is anything else: unpinned, another version,
    an unknown package or extra, a pip option, a URL)."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        key = name.strip().lower()
        yield number, line, key if sep and ALLOWED_PACKAGES.get(key) == version.strip() else None
