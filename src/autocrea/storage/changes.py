"""A project's conversation in the database: its change runs and the changes undone from its chat.

A change run is a row of `runs` with kind "change" (jobs lease it like a generation); one run at a
time per project is the partial unique index `uq_runs_project_id_active`, so two requests racing
past the API's check cannot both queue a run. Ownership is part of every query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from autocrea.domain.run import RunStatus
from autocrea.errors import Conflict
from autocrea.storage.runs import Sessions
from autocrea.storage.tables import Run, Undo, new_id, utcnow

CHANGE = "change"
BUSY = "This project is already running a generation or a change; wait until it ends."


async def create_change_run(
    sessions: Sessions,
    *,
    user_id: str,
    project_id: str,
    request: str,
    hold_id: str,
    run_id: str,
    base_commit: str,
    planned: dict[str, Any],
    model: str = "blueprint",
    fallback: bool = True,
) -> Run:
    """Queue a change run; Conflict when the project already has a queued or running run (or the
    hold already has its run: the caller looks that replay up first)."""
    run = Run(
        id=run_id,
        project_id=project_id,
        user_id=user_id,
        status=RunStatus.QUEUED.value,
        model=model,
        prompt=request,
        hold_id=hold_id,
        fallback=fallback,
        summary=planned,
        created_at=utcnow(),
        cancel_requested=False,
        kind=CHANGE,
        base_commit=base_commit,
    )
    try:
        async with sessions() as session, session.begin():
            session.add(run)
    except IntegrityError as exc:
        raise Conflict(BUSY, details={"project_id": project_id}) from exc
    return run


async def project_runs(sessions: Sessions, *, user_id: str, project_id: str) -> list[Run]:
    """Every run of the project, oldest first (the conversation's order)."""
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Run)
                .where(Run.project_id == project_id, Run.user_id == user_id)
                .order_by(Run.created_at, Run.id)
            )
        )


async def undos(sessions: Sessions, *, user_id: str, project_id: str) -> list[Undo]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Undo)
                .where(Undo.project_id == project_id, Undo.user_id == user_id, Undo.commit != "")
                .order_by(Undo.created_at, Undo.id)
            )
        )


async def last_undoable(sessions: Sessions, *, user_id: str, project_id: str) -> Run | None:
    """The newest verified change of the project that was not undone yet."""
    undone = select(Undo.run_id).where(Undo.project_id == project_id)
    async with sessions() as session:
        return await session.scalar(
            select(Run)
            .where(
                Run.project_id == project_id,
                Run.user_id == user_id,
                Run.kind == CHANGE,
                Run.status == RunStatus.SUCCEEDED.value,
                Run.commit.is_not(None),
                Run.id.not_in(undone),
            )
            .order_by(Run.created_at.desc(), Run.id.desc())
            .limit(1)
        )


async def reserve_undo(
    sessions: Sessions, *, user_id: str, project_id: str, run_id: str, restored: str
) -> Undo:
    """Claim the undo of change `run_id` before touching the repository: of two undos racing, only
    one gets the row (the other is a Conflict). `complete_undo` names the commit it made."""
    undo = Undo(
        id=new_id(),
        project_id=project_id,
        user_id=user_id,
        run_id=run_id,
        commit="",
        restored=restored,
        created_at=utcnow(),
    )
    try:
        async with sessions() as session, session.begin():
            session.add(undo)
    except IntegrityError as exc:
        raise Conflict("This change was already undone.", details={"run_id": run_id}) from exc
    return undo


async def complete_undo(sessions: Sessions, *, undo_id: str, commit: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(Undo).where(Undo.id == undo_id).values(commit=commit))


async def drop_undo(sessions: Sessions, *, undo_id: str) -> None:
    """Forget a claimed undo whose commit could not be made (nothing was undone)."""
    async with sessions() as session, session.begin():
        await session.execute(delete(Undo).where(Undo.id == undo_id))
