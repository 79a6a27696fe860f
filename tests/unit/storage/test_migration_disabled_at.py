"""Migration 0010 adds users.disabled_at: an account already inactive gets a time, an active one
none; going back to 0009 drops the column and keeps the accounts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, text

from autocrea.storage.db import create_engine
from autocrea.storage.migrate import alembic_config


def _to(revision: str, *, down: bool = False) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)

    return run


async def test_0010_marks_inactive_accounts_disabled_and_back(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(_to("0009"))
        await conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, is_active, created_at) VALUES "
                "('on', 'on@example.com', '', 1, '2026-12-06 00:00:00'), "
                "('off', 'off@example.com', '', 0, '2026-12-06 00:00:00')"
            )
        )
    async with engine.begin() as conn:
        await conn.run_sync(_to("0010"))
        rows = dict((await conn.execute(text("SELECT id, disabled_at FROM users"))).all())
        assert rows["on"] is None and rows["off"] is not None
    async with engine.begin() as conn:
        await conn.run_sync(_to("0009", down=True))
        columns = [row[1] for row in (await conn.execute(text("PRAGMA table_info(users)"))).all()]
        assert "disabled_at" not in columns
        assert (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one() == 2
    await engine.dispose()
