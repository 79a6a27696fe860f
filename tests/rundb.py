"""A migrated SQLite database holding one queued run, for tests of what reads and writes runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.migrate import upgrade
from autocrea.storage.runs import Sessions, create_project_run
from autocrea.storage.tables import Run, User


async def database_with_a_run(path: Path) -> tuple[AsyncEngine, Sessions, Run]:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(User(id="u" * 32, email="u@example.com"))
    _, run = await create_project_run(
        sessions, user_id="u" * 32, name="x", slug="x", prompt="a todo app", model="blueprint", hold_id=None
    )
    return engine, sessions, run
