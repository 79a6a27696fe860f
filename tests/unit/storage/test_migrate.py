"""Migrations run only when needed: a database at HEAD starts without loading Alembic at all."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from autocrea.storage.db import create_engine
from autocrea.storage.migrate import HEAD, alembic_config, current_revision, upgrade

UPGRADE_AND_REPORT = """
import asyncio, sys
from autocrea.storage.migrate import upgrade
asyncio.run(upgrade(sys.argv[1]))
print("alembic loaded" if "alembic" in sys.modules else "alembic not loaded")
"""


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _upgrade_in_a_new_process(url: str) -> str:
    command_line = [sys.executable, "-c", UPGRADE_AND_REPORT, url]
    done = subprocess.run(command_line, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


async def _revision(url: str) -> str | None:
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = await conn.run_sync(current_revision)
    await engine.dispose()
    return found


def test_head_is_the_newest_migration_script() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def test_alembic_loads_to_migrate_and_not_when_the_database_is_already_at_head(tmp_path: Path) -> None:
    url = _url(tmp_path / "autocrea.db")
    assert _upgrade_in_a_new_process(url) == "alembic loaded"  # a fresh file: every migration runs
    assert _upgrade_in_a_new_process(url) == "alembic not loaded"  # the next start: nothing to do


async def test_a_database_at_an_older_revision_is_brought_to_head(tmp_path: Path) -> None:
    url = _url(tmp_path / "old.db")
    engine = create_engine(url)

    def to_first(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "0001")

    async with engine.begin() as conn:
        await conn.run_sync(to_first)
    await engine.dispose()
    assert await _revision(url) == "0001"
    await upgrade(url)
    assert await _revision(url) == HEAD
    assert await _revision(_url(tmp_path / "never-created.db")) is None


async def test_0007_lets_runs_be_verify_runs_and_back(tmp_path: Path) -> None:
    """The kind check accepts "verify" from 0007 on and still refuses an unknown kind; going back
    to 0006 removes the verify runs (evidence only) and restores the old rule."""
    url = _url(tmp_path / "kinds.db")
    engine = create_engine(url)

    def to(revision: str, *, down: bool = False) -> Callable[[Connection], None]:
        def run(connection: Connection) -> None:
            (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)

        return run

    def insert(connection: Connection, run_id: str, kind: str) -> None:
        connection.execute(
            text(
                "INSERT INTO runs (id, project_id, user_id, status, model, prompt, fallback, summary, "
                "created_at, cancel_requested, kind) VALUES (:id, 'p', 'u', 'succeeded', 'blueprint', '', 1, "
                "'{}', '2026-12-06 00:00:00', 0, :kind)"
            ),
            {"id": run_id, "kind": kind},
        )

    def kinds(connection: Connection) -> list[str]:
        return [row[0] for row in connection.execute(text("SELECT kind FROM runs ORDER BY id"))]

    async with engine.begin() as conn:
        await conn.run_sync(to("0006"))
        await conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, is_active, created_at) "
                "VALUES ('u', 'u@example.com', '', 1, '2026-12-06 00:00:00')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO projects (id, user_id, name, slug, prompt, model, created_at, updated_at) "
                "VALUES ('p', 'u', 'P', 'p', '', 'blueprint', '2026-12-06 00:00:00', '2026-12-06 00:00:00')"
            )
        )
        await conn.run_sync(lambda c: insert(c, "a-generation", "generation"))
        with pytest.raises(IntegrityError):
            await conn.run_sync(lambda c: insert(c, "b-verify", "verify"))
    async with engine.begin() as conn:
        await conn.run_sync(to("0007"))
        await conn.run_sync(lambda c: insert(c, "b-verify", "verify"))
        assert await conn.run_sync(kinds) == ["generation", "verify"]
    async with engine.begin() as conn:
        with pytest.raises(IntegrityError):
            await conn.run_sync(lambda c: insert(c, "c-other", "other"))
    async with engine.begin() as conn:
        await conn.run_sync(to("0006", down=True))
        assert await conn.run_sync(kinds) == ["generation"]
    await engine.dispose()
