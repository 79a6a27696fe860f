"""Schema migrations (Alembic, configured here in code; the scripts ship in `migrations/`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from autocrea.errors import DatabaseError
from autocrea.storage.db import create_engine, parse_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an alembic.ini; `connection` is the one env.py migrates."""
    config = Config(attributes={"connection": connection})
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
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
