"""Changing a project from its chat: plan the request, hold the credits, queue a change run; undo.

The plan comes first (pure, ~50 ms): a request the offline engine cannot map, one that clashes with
the user's own edits, or a project without a spec is refused before anything is held. Only then is
the change's price held and its run queued; the worker verifies it (pipeline/revision.py) and
settles the hold, or releases it when the new version cannot be verified.

Undo puts the project back to the version before its newest change, as a new commit (nothing is
lost from the history). When files were edited after that change, the change alone is reverted
(a three-way merge, the later edits kept); a clash is refused with the files named.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autocrea.billing import credits
from autocrea.domain.credits import HoldStatus
from autocrea.domain.prompt import clean_prompt
from autocrea.errors import Conflict, InvalidInput
from autocrea.jobs.bus import EventBus
from autocrea.pipeline.change import ChangeConflict, ChangePlan, plan_change
from autocrea.storage import changes as store
from autocrea.storage.git import Author, ProjectRepo
from autocrea.storage.merge import three_way
from autocrea.storage.runs import Sessions, active_run, get_project, run_for_hold
from autocrea.storage.tables import Run, Undo, new_id

NO_SPEC = "this project has no files to change yet, so it cannot be changed offline"


@dataclass(frozen=True)
class Planned:
    base: str  # the HEAD the request was planned on
    plan: ChangePlan


def planned_summary(plan: ChangePlan) -> dict[str, Any]:
    """What a queued change run shows before it runs: the changes and the files they touch."""
    return {
        "changes": list(plan.described),
        "files": [
            {"path": d.path, "status": d.status, "added": d.added, "removed": d.removed} for d in plan.deltas
        ],
    }


def _plan(path: Path, request: str) -> Planned:
    if not (path / ".git").exists():
        raise InvalidInput(NO_SPEC, details={"reason": "no_spec"})
    repo = ProjectRepo.open(path)
    base = repo.head()
    if base is None:
        raise InvalidInput(NO_SPEC, details={"reason": "no_spec"})
    return Planned(base=base, plan=plan_change(repo, request))


def check_change_model(model: str) -> None:
    if model.strip().lower() != "blueprint":
        raise InvalidInput(
            "Changes with a model are not available yet: the offline Blueprint engine makes them "
            "(model 'blueprint').",
            details={"field": "model", "reason": "not_available", "model": model[:100]},
        )


async def _replayed(sessions: Sessions, *, user_id: str, project_id: str, key: str) -> Run | None:
    """The run an earlier request with this Idempotency-Key queued, if any."""
    hold_id = await credits.hold_for_key(sessions, user_id=user_id, idempotency_key=key)
    if hold_id is None:
        return None
    found = await run_for_hold(sessions, user_id=user_id, hold_id=hold_id)
    if found is not None and found[1].project_id == project_id and found[1].kind == store.CHANGE:
        return found[1]
    raise Conflict(
        "This Idempotency-Key was used for another request; send a new key to start this change.",
        details={"idempotency_key": key[:150]},
    )


async def start_change(
    sessions: Sessions,
    bus: EventBus,
    *,
    projects_root: Path,
    user_id: str,
    project_id: str,
    request: str,
    model: str,
    cost: int,
    idempotency_key: str | None,
) -> tuple[Run, bool]:
    """Queue a change run; returns (run, created). A replayed key returns the first run."""
    await get_project(sessions, user_id=user_id, project_id=project_id)  # others: 404
    text = clean_prompt(request)
    check_change_model(model)

    async def replayed() -> Run | None:
        if idempotency_key is None:
            return None
        return await _replayed(sessions, user_id=user_id, project_id=project_id, key=idempotency_key)

    if (first := await replayed()) is not None:
        return first, False
    if await active_run(sessions, project_id=project_id) is not None:
        # The run in progress may be this very request's, queued a moment ago by a concurrent replay.
        if (first := await replayed()) is not None:
            return first, False
        raise Conflict(store.BUSY, details={"project_id": project_id})
    # CPU and disk work, off the event loop; every refusal here comes before any hold.
    planned = await asyncio.to_thread(_plan, projects_root / project_id, text)
    key = idempotency_key or uuid.uuid4().hex
    run_id = new_id()
    hold_id = await credits.place_hold(
        sessions, user_id=user_id, amount=cost, idempotency_key=key, reason=f"change {run_id}"
    )
    if await credits.hold_status(sessions, hold_id=hold_id) is not HoldStatus.OPEN:
        raise Conflict(
            "This Idempotency-Key was used for an earlier request; send a new key to start another.",
            details={"idempotency_key": key[:150]},
        )
    try:
        run = await store.create_change_run(
            sessions,
            user_id=user_id,
            project_id=project_id,
            request=text,
            hold_id=hold_id,
            run_id=run_id,
            base_commit=planned.base,
            planned=planned_summary(planned.plan),
        )
    except BaseException:
        # A concurrent replay of the same key may have queued the run first (runs.hold_id is unique).
        existing = await run_for_hold(sessions, user_id=user_id, hold_id=hold_id)
        if existing is not None and existing[1].id != run_id and existing[1].kind == store.CHANGE:
            return existing[1], False
        await credits.release(sessions, hold_id=hold_id)
        raise
    await bus.ring()
    return run, True


def _revert(repo: ProjectRepo, *, change: str, before: str, author: Author, message: str) -> str:
    """A new commit without `change`: the tree of `before` when nothing came after the change;
    otherwise the change reverted on top of the later commits (which are kept)."""
    head = repo.head()
    if head == change:
        return repo.restore(before, author=author, message=message)
    assert head is not None  # the change is in the history, so there is a HEAD
    ours = repo.tree(head)
    merged = three_way(repo.tree(change), ours, repo.tree(before))
    if not merged.clean:
        raise ChangeConflict(
            "Undoing this change clashes with edits made after it: "
            + ", ".join(merged.conflicts[:10])
            + ". Nothing was changed; restore a version from the History tab instead.",
            details={"reason": "conflict", "files": list(merged.conflicts[:50])},
        )
    writes = {path: data for path, data in merged.files.items() if ours.get(path) != data}
    deletes = [path for path in ours if path not in merged.files]
    return repo.commit_files(writes, message=message, author=author, delete=deletes, expected_head=head)


async def undo_change(
    sessions: Sessions, *, projects_root: Path, user_id: str, project_id: str, author: Author
) -> tuple[Undo, Run]:
    """Undo the project's newest change that was not undone yet; returns (the undo, that change)."""
    await get_project(sessions, user_id=user_id, project_id=project_id)
    if await active_run(sessions, project_id=project_id) is not None:
        raise Conflict(store.BUSY, details={"project_id": project_id})
    change = await store.last_undoable(sessions, user_id=user_id, project_id=project_id)
    if change is None or change.commit is None:
        raise Conflict("There is no change to undo.", details={"reason": "nothing_to_undo"})
    commit = change.commit
    repo = await asyncio.to_thread(ProjectRepo.open, projects_root / project_id)
    before = await asyncio.to_thread(repo.resolve, f"{commit}~1")
    undo = await store.reserve_undo(
        sessions, user_id=user_id, project_id=project_id, run_id=change.id, restored=before
    )
    try:
        said = "; ".join(str(c) for c in (change.summary or {}).get("changes") or []) or change.prompt
        message = f"Undo {commit[:7]}: {said}"[:300]
        sha = await asyncio.to_thread(
            _revert, repo, change=commit, before=before, author=author, message=message
        )
    except BaseException:
        await store.drop_undo(sessions, undo_id=undo.id)
        raise
    await store.complete_undo(sessions, undo_id=undo.id, commit=sha)
    undo.commit = sha
    return undo, change
