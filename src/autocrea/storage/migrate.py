"""Schema migrations (Alembic, configured here in code; the scripts ship in `migrations/`).

Alembic is imported only when there is something to migrate: loading it costs every server
process ~10 MiB, and a database already at `HEAD` (every start but the first) needs none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from autocrea.errors import DatabaseError
from autocrea.storage.db import create_engine, parse_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0010"  # the newest script's revision (tests/unit/storage/test_migrate.py keeps it true)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an alembic.ini; `connection` is the one env.py migrates."""
    from alembic.config import Config

    config = Config(attributes={"connection": connection})
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database Alembic has never touched."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _upgrade(connection: Connection) -> None:
    if current_revision(connection) == HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


async def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema; a database already there is left as it is."""
    shown = parse_url(url).render_as_string()  # bad URLs fail here, password hidden
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    except (OSError, SQLAlchemyError) as exc:
        cause = getattr(exc, "orig", None) or exc  # the driver's words, without SQLAlchemy's wrapping
        raise DatabaseError(f"cannot migrate the database {shown}: {cause}") from exc
    finally:
        await engine.dispose()
