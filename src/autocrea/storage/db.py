"""Database engines and sessions from a URL: the embedded SQLite file or PostgreSQL.

SQLite connections run in WAL mode with foreign keys on and a busy timeout. A transaction opened with
`session.begin()` (every write in this project) starts with `BEGIN IMMEDIATE`: writers queue for the
one write lock up front instead of failing with "database is locked" when a read transaction later
writes. A session used without `begin()` only reads: its transaction is a plain deferred `BEGIN`,
which in WAL mode never waits for the write lock, so reads run beside writes and beside each other.
Keep transactions short on SQLite, and never write in a session without `begin()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction, SessionTransactionOrigin
from sqlalchemy.pool import StaticPool

from autocrea.errors import DatabaseError, InvalidInput

SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN = "autocrea_sqlite_begin"  # connection.info: the BEGIN a SQLite transaction has yet to send
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def parse_url(url: str) -> URL:
    """The URL with its async driver (`postgres://` and `sqlite://` are accepted); bad URLs raise."""
    text = url.strip()
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise InvalidInput(
            f"not a database URL: {text!r}; use sqlite+aiosqlite:///path/to/file.db "
            "or postgresql+asyncpg://user:password@host:5432/database"
        ) from exc
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise InvalidInput(
            f"unsupported database {parsed.drivername!r} in {parsed.render_as_string()!r}; "
            "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/database"
        )
    parsed = parsed.set(drivername=driver)
    if driver == "postgresql+asyncpg" and not parsed.database:
        raise InvalidInput(f"the PostgreSQL URL {parsed.render_as_string()!r} names no database")
    return parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def _configure_sqlite(engine: AsyncEngine, *, memory: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver stops issuing its own BEGIN
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Sent with the first statement: only then does `_reads_take_no_lock` know who began it.
        connection.info[_BEGIN] = "BEGIN IMMEDIATE"

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _send_begin(connection: Connection, cursor: Any, *_: Any) -> None:
        begin = connection.info.pop(_BEGIN, None)
        if begin is not None:
            cursor.execute(begin)


@event.listens_for(Session, "after_begin")
def _reads_take_no_lock(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    """A session that began by itself (no `session.begin()`) only reads: a deferred BEGIN will do.

    Every read taking the write lock serialised the whole API behind SQLite's busy handler, which
    sleeps up to 100 ms between tries: p95 0.4 s at 40 requests/s (bench/api.py).
    """
    if _BEGIN in connection.info and transaction.origin is SessionTransactionOrigin.AUTOBEGIN:
        connection.info[_BEGIN] = "BEGIN"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`; a SQLite file's directory is created. `kwargs` go to SQLAlchemy."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, pool_pre_ping=True, **kwargs)
    memory = _is_memory(parsed)
    if memory:
        kwargs.setdefault("poolclass", StaticPool)  # one connection, or each would see its own database
    else:
        folder = Path(str(parsed.database)).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create {folder} for the SQLite database: {exc.strerror}") from exc
    engine = create_async_engine(parsed, **kwargs)
    _configure_sqlite(engine, memory=memory)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
