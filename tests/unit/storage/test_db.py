"""The database layer on the embedded default: migrations, SQLite settings, URLs, the CLI command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.exc import StatementError

from autocrea.cli import main
from autocrea.config import Settings
from autocrea.errors import DatabaseError, InvalidInput
from autocrea.storage.db import create_engine, parse_url, session_factory
from autocrea.storage.migrate import HEAD, upgrade
from autocrea.storage.tables import Base, User

TABLES = {
    "users",
    "sessions",
    "api_tokens",
    "provider_keys",
    "credit_accounts",
    "credit_holds",
    "credit_entries",
    "projects",
    "runs",
    "run_events",
    "previews",
    "undos",
    "project_remotes",
    "run_shares",
    "payment_events",
    "billing_customers",
    "payments",
    "subscriptions",
}


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _schema(url: str) -> tuple[set[str], list[str], list[tuple[str, ...]]]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        versions = list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
        sql = [tuple(row) for row in await conn.execute(text("SELECT type, name, sql FROM sqlite_master"))]
    await engine.dispose()
    return tables, versions, sorted(sql, key=repr)


async def test_upgrade_creates_every_table_on_a_fresh_file(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "dir" / "autocrea.db"
    await upgrade(_url(db))
    tables, versions, _ = await _schema(_url(db))
    assert tables == TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == TABLES
    assert versions == [HEAD]


async def test_upgrade_twice_changes_nothing(tmp_path: Path) -> None:
    url = _url(tmp_path / "a.db")
    await upgrade(url)
    first = await _schema(url)
    await upgrade(url)
    assert await _schema(url) == first


async def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = _url(tmp_path / "a.db")
    await upgrade(url)
    engine = create_engine(url)

    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
    await engine.dispose()


async def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(_url(tmp_path / "a.db"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30_000
    await engine.dispose()


async def test_timestamps_read_back_as_aware_utc(tmp_path: Path) -> None:
    url = _url(tmp_path / "a.db")
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(User(id="u1", email="a@example.test"))
    async with sessions() as session:
        created = await session.scalar(select(User.created_at))
    await engine.dispose()
    assert created is not None and created.tzinfo is UTC
    assert abs((datetime.now(UTC) - created).total_seconds()) < 3600


async def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    url = _url(tmp_path / "a.db")
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    with pytest.raises(StatementError, match="naive datetime"):
        async with sessions() as session, session.begin():
            session.add(User(id="u1", email="a@example.test", created_at=datetime(2026, 1, 1)))
    async with sessions() as session:
        assert await session.scalar(select(User.id)) is None
    await engine.dispose()


async def test_an_in_memory_database_is_one_database_for_every_session() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(User(id="u1", email="a@example.test"))
    async with sessions() as session:
        assert await session.scalar(select(User.email)) == "a@example.test"
    await engine.dispose()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("postgresql://u:p@h:5432/db", "postgresql+asyncpg"),
        (" postgresql+asyncpg://u@h/db ", "postgresql+asyncpg"),
    ],
)
def test_urls_get_their_async_driver(url: str, driver: str) -> None:
    assert parse_url(url).drivername == driver


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "not a database URL"),
        ("not a url", "not a database URL"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://u@h/db", "unsupported database"),
        ("postgresql://u:secret@h", "names no database"),
    ],
)
def test_bad_urls_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        parse_url(url)
    assert "secret" not in info.value.message


async def test_a_database_that_cannot_be_opened_is_a_database_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello, this is not SQLite\n" * 100)
    with pytest.raises(DatabaseError, match="cannot migrate"):
        await upgrade(_url(not_a_db))
    assert not_a_db.read_text().startswith("hello")


def test_settings_default_to_a_sqlite_file_under_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("AUTOCREA_DATABASE_URL", raising=False)
    assert Settings(data_dir=tmp_path).database_url == _url(tmp_path / "autocrea.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert Settings(data_dir=tmp_path).database_url == "postgresql://u@h/db"
    monkeypatch.setenv("AUTOCREA_DATABASE_URL", "sqlite:///other.db")
    assert Settings(data_dir=tmp_path).database_url == "sqlite:///other.db"


def test_cli_db_upgrade_creates_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.db"
    assert main(["db", "upgrade", "--url", _url(db)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert db.is_file()
    assert main(["db", "upgrade", "--url", _url(db)]) == 0


def test_cli_db_upgrade_refuses_a_bad_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--url", "mysql://root@localhost/app"]) == 2
    err = capsys.readouterr().err
    assert "unsupported database 'mysql'" in err and "postgresql+asyncpg://" in err
    assert list(tmp_path.iterdir()) == []


async def test_only_sessions_begun_for_writing_take_the_sqlite_write_lock(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "a.db"
    await upgrade(_url(db))
    engine = create_engine(_url(db))
    sessions = session_factory(engine)

    def lock_is_free() -> bool:
        other = sqlite3.connect(db, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:  # "database is locked"
            return False
        finally:
            other.close()

    async with sessions() as session:  # a read: no begin()
        await session.scalar(select(User.id))
        assert lock_is_free()
    async with sessions() as session, session.begin():
        await session.scalar(select(User.id))
        assert not lock_is_free()
        async with sessions() as reader:  # reads never wait for a writer
            assert await reader.scalar(select(User.id)) is None
    assert lock_is_free()
    await engine.dispose()
