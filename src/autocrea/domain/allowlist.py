"""The packages a generated project may depend on, each pinned to one checked version.

The security role rejects a generated `requirements.txt` that names anything else. Versions were
checked to install on CPython 3.11 (`pip download --no-deps`); bump them here, together.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        # Optional: the PostgreSQL driver, installed by hand when DATABASE_URL points at PostgreSQL.
        "psycopg[binary]": "3.3.9",
    }
)

# What every generated project installs, in this order.
RUNTIME_PACKAGES: tuple[str, ...] = ("fastapi", "uvicorn", "sqlalchemy", "pydantic", "pytest", "httpx2")


def pin(name: str) -> str:
    """'fastapi' -> 'fastapi==0.165.0'; KeyError for a package that is not allowed."""
    return f"{name}=={ALLOWED_PACKAGES[name]}"
