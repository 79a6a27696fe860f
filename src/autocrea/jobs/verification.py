"""Verifying a project again after hand edits: queue a verify run of its HEAD; read its state.

A verify is free (it makes no version and uses no model; the route rate-limits it instead) and one
run at a time per project applies to it as to any run. The worker runs it (pipeline/verification.py)
and records its evidence for the version it proved.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from autocrea.errors import Conflict, InvalidInput
from autocrea.jobs.bus import EventBus
from autocrea.storage.changes import BUSY
from autocrea.storage.git import ProjectRepo
from autocrea.storage.runs import Sessions, active_run, get_project, list_runs
from autocrea.storage.tables import Run
from autocrea.storage.verification import Verification, create_verify_run, state_of


def _repo(path: Path) -> ProjectRepo | None:
    return ProjectRepo.open(path) if (path / ".git").exists() else None


def _head(path: Path) -> str | None:
    repo = _repo(path)
    return repo.head() if repo is not None else None


async def start_verify(
    sessions: Sessions,
    bus: EventBus,
    *,
    projects_root: Path,
    user_id: str,
    project_id: str,
    base: str | None = None,
) -> Run:
    """Queue a verify run of the project's HEAD; Conflict while it runs anything, or when HEAD is not
    `base` (the version the asker sees) any more."""
    await get_project(sessions, user_id=user_id, project_id=project_id)  # others: 404
    if await active_run(sessions, project_id=project_id) is not None:
        raise Conflict(BUSY, details={"project_id": project_id})
    head = await asyncio.to_thread(_head, projects_root / project_id)
    if head is None:
        raise InvalidInput("This project has no files to verify yet.", details={"reason": "no_files"})
    if base is not None and not head.startswith(base.lower()):
        raise Conflict(
            "The project changed since you opened it; reload to verify the newest version.",
            details={"head": head},
        )
    run = await create_verify_run(sessions, user_id=user_id, project_id=project_id, head=head)
    await bus.ring()
    return run


async def verification(
    sessions: Sessions, *, projects_root: Path, user_id: str, project_id: str
) -> Verification:
    """Whether the project's evidence is for its current version (storage/verification.py)."""
    await get_project(sessions, user_id=user_id, project_id=project_id)
    runs = await list_runs(sessions, user_id=user_id, project_id=project_id)
    path = projects_root / project_id
    return await asyncio.to_thread(lambda: state_of(_repo(path), runs))
