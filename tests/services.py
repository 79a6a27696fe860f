"""Real services for tests: a throwaway PostgreSQL database, Redis, and a running AUTOCREA platform.

CI runs PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`) and Redis at 127.0.0.1:6379; locally
the tests that need them skip, in CI (AUTOCREA_REQUIRE_SERVICES=1) they fail.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from autocrea.storage.migrate import upgrade
from tests.conftest import need

PG_HOST, PG_PORT, MAINTENANCE_DB = "127.0.0.1", 5432, "test"
REDIS_URL = "redis://127.0.0.1:6379/0"


async def _admin() -> tuple[asyncpg.Connection, str] | None:
    for user in ("postgres", "root"):
        try:
            conn = await asyncpg.connect(
                host=PG_HOST, port=PG_PORT, user=user, database=MAINTENANCE_DB, timeout=5
            )
        except (OSError, asyncpg.PostgresError, TimeoutError):
            continue
        return conn, user
    return None


async def _create_database(name: str) -> str | None:
    found = await _admin()
    if found is None:
        return None
    conn, user = found
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = f"postgresql+asyncpg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    await upgrade(url)
    return url


async def _drop_database(name: str) -> None:
    found = await _admin()
    if found is not None:
        conn, _ = found
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A migrated, empty PostgreSQL database, dropped afterwards; skips (or fails in CI) without one."""
    name = f"autocrea_test_{uuid.uuid4().hex[:12]}"
    url = asyncio.run(_create_database(name))
    need(url is not None, f"PostgreSQL at {PG_HOST}:{PG_PORT} (user postgres or root, database test)")
    assert url is not None
    try:
        yield url
    finally:
        asyncio.run(_drop_database(name))


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def require_redis() -> str:
    need(redis_available(), "Redis at 127.0.0.1:6379")
    return REDIS_URL


@contextmanager
def backend_settings(name: str) -> Iterator[dict[str, object]]:
    """Settings overrides for a supported deployment: "sqlite" (the embedded default) or
    "postgres+redis" (a throwaway database and the local Redis)."""
    if name == "sqlite":
        yield {}
        return
    redis_url = require_redis()
    with postgres_database() as url:
        yield {"database_url": url, "redis_url": redis_url}
