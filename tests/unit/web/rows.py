"""Look at and age the platform's database rows from a test, on the app's own event loop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.platform import Platform


def sql(platform: Platform, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run one statement in its own transaction; the rows it returns, if any."""

    async def run() -> list[tuple[Any, ...]]:
        async with platform.services.sessions() as session, session.begin():
            result = await session.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []

    assert platform.client.portal is not None, "use the platform inside running()"
    return platform.client.portal.call(run)


def dump(platform: Platform, *tables: str) -> str:
    """Every value of these tables as text: what a stolen database would show."""
    return "\n".join(repr(row) for table in tables for row in sql(platform, f"SELECT * FROM {table}"))
