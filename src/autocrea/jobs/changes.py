"""Changing a project from its chat: plan the request, hold the credits, queue a change run; undo.

Which engine makes the change: the model the request names (checked as a generation's is: a model
the user has no key for is refused before any hold), else the model that built the project when
the user can still use it, else the offline Blueprint. A project built offline, or by a model whose
key is gone, is changed offline unless the request names a model.

Offline, the plan comes first (pure, ~50 ms): a request the offline engine cannot map, one that
clashes with the user's own edits, or a project without a spec is refused before anything is held.
With a model only a project without a spec is refused: the model edits the files themselves, so a
request the planner cannot map, or hand edits in its way, are the model's to handle (the planner is
asked only if the model fails, by the run itself). Only then is the change's price held
(AUTOCREA_CHANGE_COST, the same with or without a model) and its run queued; the worker verifies it
(pipeline/revision.py) and settles the hold, or releases it when the new version cannot be verified.

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
from autocrea.errors import AutocreaError, Conflict, InvalidInput
from autocrea.jobs.bus import EventBus
from autocrea.jobs.launch import ModelCheck
from autocrea.pipeline.change import ChangeConflict, ChangePlan, plan_change, spec_at_head
from autocrea.providers.select import parse_model
from autocrea.storage import changes as store
from autocrea.storage.git import Author, ProjectRepo
from autocrea.storage.merge import three_way
from autocrea.storage.runs import Sessions, active_run, get_project, run_for_hold
from autocrea.storage.tables import Project, Run, Undo, new_id

BLUEPRINT = "blueprint"
NO_SPEC = "this project has no files to change yet, so it cannot be changed offline"


@dataclass(frozen=True)
class Planned:
    base: str  # the HEAD the request was planned on
    plan: ChangePlan | None  # None: a model makes the change (the planner is not asked)


def planned_summary(plan: ChangePlan | None) -> dict[str, Any]:
    """What a queued change run shows before it runs: the changes and the files they touch (nothing
    for a model's change: what it does is known once it has answered)."""
    if plan is None:
        return {"changes": [], "files": []}
    return {
        "changes": list(plan.described),
        "files": [
            {"path": d.path, "status": d.status, "added": d.added, "removed": d.removed} for d in plan.deltas
        ],
    }


def _plan(path: Path, request: str, *, offline: bool) -> Planned:
    if not (path / ".git").exists():
        raise InvalidInput(NO_SPEC, details={"reason": "no_spec"})
    repo = ProjectRepo.open(path)
    base = repo.head()
    if base is None:
        raise InvalidInput(NO_SPEC, details={"reason": "no_spec"})
    if not offline:
        spec_at_head(repo)  # a model changes the code, but the tester needs the spec's pages
        return Planned(base=base, plan=None)
    return Planned(base=base, plan=plan_change(repo, request))


async def change_model(requested: str | None, *, project: Project, check_model: ModelCheck) -> str:
    """The engine of a change: `requested` (refused, as for a generation, when the user cannot use
    it), else the project's builder when it is a model the user can still use, else the Blueprint.
    `project.model` is what built the project ("built offline: ..." for a model that failed)."""
    if requested is not None and requested.strip():
        await check_model(requested.strip())
        return requested.strip()
    try:
        parse_model(project.model)
        await check_model(project.model)
    except AutocreaError:  # built offline, or a model whose key (or name) is gone: the Blueprint
        return BLUEPRINT
    return project.model


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
    model: str | None,
    cost: int,
    idempotency_key: str | None,
    check_model: ModelCheck,
    fallback: bool = True,
) -> tuple[Run, bool]:
    """Queue a change run; returns (run, created). A replayed key returns the first run.
    `model` None: see `change_model`. `fallback`: when the model fails, the Blueprint makes the
    change if it can (at the same price) instead of the run failing."""
    project = await get_project(sessions, user_id=user_id, project_id=project_id)  # others: 404
    text = clean_prompt(request)
    engine = await change_model(model, project=project, check_model=check_model)

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
    planned = await asyncio.to_thread(
        _plan, projects_root / project_id, text, offline=parse_model(engine).engine == BLUEPRINT
    )
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
            model=engine,
            fallback=fallback,
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
