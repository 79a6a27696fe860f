"""Running previews in the database, so every server process can find, proxy to and stop them.

One row per project at most. Rows are facts about processes, which can die without saying so:
readers check the process before trusting a row (jobs/preview.py) and forget rows that lie.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.storage.tables import PreviewRecord

Sessions = async_sessionmaker[AsyncSession]


async def record(sessions: Sessions, preview: PreviewRecord) -> PreviewRecord | None:
    """Make `preview` its project's preview; returns the row it replaced (whose app still runs)."""
    async with sessions() as session, session.begin():
        found = await session.execute(
            select(PreviewRecord).where(PreviewRecord.project_id == preview.project_id).with_for_update()
        )
        replaced = found.scalar_one_or_none()
        if replaced is not None:
            await session.delete(replaced)
            await session.flush()  # the project's one row goes before the new one comes
        session.add(preview)
    return replaced


async def for_project(sessions: Sessions, project_id: str) -> PreviewRecord | None:
    async with sessions() as session:
        found = await session.execute(select(PreviewRecord).where(PreviewRecord.project_id == project_id))
        return found.scalar_one_or_none()


async def by_id(sessions: Sessions, preview_id: str) -> PreviewRecord | None:
    async with sessions() as session:
        return await session.get(PreviewRecord, preview_id)


async def forget(sessions: Sessions, preview_id: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(PreviewRecord).where(PreviewRecord.id == preview_id))


async def forget_owned(sessions: Sessions, owner: str) -> None:
    """Forget every preview a server process started (it is stopping them all)."""
    async with sessions() as session, session.begin():
        await session.execute(delete(PreviewRecord).where(PreviewRecord.owner == owner))
