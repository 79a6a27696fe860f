"""Projects, runs and run events in the database. Ownership is part of every user-facing query.

Runs are jobs: a worker leases a queued run (a conditional UPDATE, so two workers never take the
same run), renews the lease while it works, and closes the run with a terminal status. A run whose
lease expired belongs to a dead worker; `expired_runs` finds them for the reaper.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.domain.run import ACTIVE, RunStatus
from autocrea.errors import NotFound
from autocrea.storage.tables import Project, Run, RunEvent, Undo, new_id, utcnow

Sessions = async_sessionmaker[AsyncSession]
_ACTIVE = [s.value for s in ACTIVE]


async def create_project_run(
    sessions: Sessions,
    *,
    user_id: str,
    name: str,
    slug: str,
    prompt: str,
    model: str,
    hold_id: str | None,
    project_id: str | None = None,
    run_id: str | None = None,
    fallback: bool = True,
) -> tuple[Project, Run]:
    now = utcnow()
    project = Project(
        id=project_id or new_id(),
        user_id=user_id,
        name=name,
        slug=slug,
        prompt=prompt,
        model=model,
        created_at=now,
        updated_at=now,
    )
    run = Run(
        id=run_id or new_id(),
        project_id=project.id,
        user_id=user_id,
        status=RunStatus.QUEUED.value,
        model=model,
        prompt=prompt,
        hold_id=hold_id,
        fallback=fallback,
        summary={},
        created_at=now,
        cancel_requested=False,
    )
    async with sessions() as session, session.begin():
        session.add(project)
        await session.flush()
        session.add(run)
    return project, run


async def run_for_hold(sessions: Sessions, *, user_id: str, hold_id: str) -> tuple[Project, Run] | None:
    """The project and run a credit hold was placed for (a replayed idempotency key finds them)."""
    async with sessions() as session:
        row = (
            await session.execute(
                select(Project, Run)
                .join(Run, Run.project_id == Project.id)
                .where(Run.hold_id == hold_id, Run.user_id == user_id)
            )
        ).first()
    return (row[0], row[1]) if row is not None else None


async def get_project(sessions: Sessions, *, user_id: str, project_id: str) -> Project:
    async with sessions() as session:
        found = await session.scalar(
            select(Project).where(Project.id == project_id, Project.user_id == user_id)
        )
    if found is None:
        raise NotFound("No such project.", details={"project_id": project_id[:64]})
    return found


async def list_projects(
    sessions: Sessions, *, user_id: str, limit: int = 50, offset: int = 0
) -> tuple[list[tuple[Project, Run | None]], int]:
    """The user's projects, newest first, each with its newest run; and the total count."""
    async with sessions() as session:
        total = int(
            await session.scalar(select(func.count()).select_from(Project).where(Project.user_id == user_id))
            or 0
        )
        projects = list(
            await session.scalars(
                select(Project)
                .where(Project.user_id == user_id)
                .order_by(Project.created_at.desc(), Project.id)
                .limit(limit)
                .offset(offset)
            )
        )
        latest: dict[str, Run] = {}
        if projects:
            newest = (
                select(Run.project_id, func.max(Run.created_at).label("at"))
                .where(Run.project_id.in_([p.id for p in projects]))
                .group_by(Run.project_id)
                .subquery()
            )
            rows = await session.scalars(
                select(Run).join(
                    newest, and_(Run.project_id == newest.c.project_id, Run.created_at == newest.c.at)
                )
            )
            latest = {r.project_id: r for r in rows}
    return [(p, latest.get(p.id)) for p in projects], total


async def delete_project(sessions: Sessions, *, user_id: str, project_id: str) -> None:
    async with sessions() as session, session.begin():
        # Events and runs first: SQLite enforces ON DELETE CASCADE only with foreign keys on, and
        # the ledger keeps its holds (runs refer to holds, never the other way round).
        run_ids = select(Run.id).where(Run.project_id == project_id, Run.user_id == user_id)
        await session.execute(delete(Undo).where(Undo.project_id == project_id, Undo.user_id == user_id))
        await session.execute(delete(RunEvent).where(RunEvent.run_id.in_(run_ids)))
        await session.execute(delete(Run).where(Run.project_id == project_id, Run.user_id == user_id))
        done = await session.execute(
            delete(Project).where(Project.id == project_id, Project.user_id == user_id)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("No such project.", details={"project_id": project_id[:64]})


async def get_run(sessions: Sessions, *, run_id: str, user_id: str | None = None) -> Run:
    """A run; with `user_id`, only if it is that user's (else NotFound, never 'forbidden')."""
    query = select(Run).where(Run.id == run_id)
    if user_id is not None:
        query = query.where(Run.user_id == user_id)
    async with sessions() as session:
        found = await session.scalar(query)
    if found is None:
        raise NotFound("No such run.", details={"run_id": run_id[:64]})
    return found


async def list_runs(sessions: Sessions, *, user_id: str, project_id: str) -> list[Run]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Run)
                .where(Run.project_id == project_id, Run.user_id == user_id)
                .order_by(Run.created_at.desc())
            )
        )


async def active_run(sessions: Sessions, *, project_id: str) -> Run | None:
    async with sessions() as session:
        return await session.scalar(
            select(Run).where(Run.project_id == project_id, Run.status.in_(_ACTIVE)).limit(1)
        )


async def request_cancel(sessions: Sessions, *, user_id: str, run_id: str) -> Run:
    async with sessions() as session, session.begin():
        run = await session.scalar(select(Run).where(Run.id == run_id, Run.user_id == user_id))
        if run is None:
            raise NotFound("No such run.", details={"run_id": run_id[:64]})
        if run.status in _ACTIVE:
            run.cancel_requested = True
    return run


# Jobs -------------------------------------------------------------------------------------------


async def lease_next(sessions: Sessions, *, worker_id: str, lease: timedelta) -> Run | None:
    """Take the oldest queued run for this worker, or None. Safe with many workers."""
    async with sessions() as session:
        candidates = list(
            await session.scalars(
                select(Run.id)
                .where(Run.status == RunStatus.QUEUED.value, Run.cancel_requested.is_(False))
                .order_by(Run.created_at)
                .limit(5)
            )
        )
    for run_id in candidates:
        now = utcnow()
        async with sessions() as session, session.begin():
            taken = await session.execute(
                update(Run)
                .where(
                    Run.id == run_id, Run.status == RunStatus.QUEUED.value, Run.cancel_requested.is_(False)
                )
                .values(
                    status=RunStatus.RUNNING.value,
                    worker_id=worker_id,
                    started_at=now,
                    lease_expires_at=now + lease,
                )
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return await session.get(Run, run_id)
    return None


async def renew_lease(sessions: Sessions, *, run_id: str, worker_id: str, lease: timedelta) -> bool:
    """Extend the lease; returns whether a cancel was requested. A lost lease raises NotFound."""
    async with sessions() as session, session.begin():
        done = await session.execute(
            update(Run)
            .where(Run.id == run_id, Run.worker_id == worker_id, Run.status == RunStatus.RUNNING.value)
            .values(lease_expires_at=utcnow() + lease)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("the run's lease is lost")
        return bool(await session.scalar(select(Run.cancel_requested).where(Run.id == run_id)))


async def finish_run(
    sessions: Sessions,
    *,
    run_id: str,
    status: RunStatus,
    error: str | None,
    summary: dict[str, Any],
    only_from: Sequence[RunStatus] = (RunStatus.QUEUED, RunStatus.RUNNING),
    lease_expired_by: datetime | None = None,
    built_by: str | None = None,
    commit: str | None = None,
) -> bool:
    """Close a run unless it is already closed (or, with `lease_expired_by`, its lease was renewed
    since); True if this call closed it. `built_by` relabels the run and its project with what
    really built the app: the model, or "built offline: <model> failed (<reason>)". `commit`: the
    version the run's evidence is for (a change: the version it ended as)."""
    condition = [Run.id == run_id, Run.status.in_([s.value for s in only_from])]
    if lease_expired_by is not None:
        condition.append(Run.lease_expires_at < lease_expired_by)
    label = {"model": built_by[:200]} if built_by else {}
    ended = {"commit": commit} if commit else {}
    async with sessions() as session, session.begin():
        done = await session.execute(
            update(Run)
            .where(*condition)
            .values(
                status=status.value,
                error=error[:4000] if error else None,
                summary=summary,
                finished_at=utcnow(),
                lease_expires_at=None,
                **label,
                **ended,
            )
        )
        closed: bool = done.rowcount == 1  # type: ignore[attr-defined]
        if closed and label:
            project_id = select(Run.project_id).where(Run.id == run_id).scalar_subquery()
            await session.execute(update(Project).where(Project.id == project_id).values(**label))
        return closed


async def expired_runs(sessions: Sessions, *, now: datetime) -> list[Run]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Run).where(Run.status == RunStatus.RUNNING.value, Run.lease_expires_at < now)
            )
        )


async def cancelled_queued_runs(sessions: Sessions) -> list[Run]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Run).where(Run.status == RunStatus.QUEUED.value, Run.cancel_requested.is_(True))
            )
        )


async def count_by_status(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(select(Run.status, func.count()).group_by(Run.status))
        return {status: int(n) for status, n in rows}


# Events -----------------------------------------------------------------------------------------


async def append_events(sessions: Sessions, *, events: Sequence[dict[str, Any]]) -> None:
    """Store events (dicts with run_id, seq, type, step, data, created_at) in one transaction.

    Idempotent: an event already stored is skipped, so a write retried after its connection broke
    (committed, but the answer lost) neither fails nor doubles the log."""
    if not events:
        return
    async with sessions() as session, session.begin():
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        await session.execute(
            insert(RunEvent).values(list(events)).on_conflict_do_nothing(index_elements=["run_id", "seq"])
        )


async def read_events(
    sessions: Sessions, *, run_id: str, after: int = 0, limit: int = 1000
) -> list[RunEvent]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(RunEvent)
                .where(RunEvent.run_id == run_id, RunEvent.seq > after)
                .order_by(RunEvent.seq)
                .limit(limit)
            )
        )


async def last_seq(sessions: Sessions, *, run_id: str) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.max(RunEvent.seq)).where(RunEvent.run_id == run_id)) or 0)
