"""A project's conversation: ask for a change (202, a change run), read the thread, undo.

A change is made by a model (the one asked for, else the project's builder if the user can still
use it) or offline. Every offline request is planned before anything is held: one the offline
engine cannot map is a 400 `change_not_understood`, one that clashes with the user's own edits a
409 `change_conflict` (the files in `details.files`), and neither costs anything; a model the user
has no key for is refused as for a generation (400 `provider_not_configured`), nothing held.
A change holds AUTOCREA_CHANGE_COST credits (with or without a model), runs like a generation (same
events at `events_url`) and ends as one new verified commit, or as nothing with the credits returned.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Header
from pydantic import BaseModel, ConfigDict, Field

from autocrea.billing import credits
from autocrea.domain.prompt import MAX_PROMPT_CHARS, clean_prompt
from autocrea.domain.run import ACTIVE
from autocrea.errors import AutocreaError, InvalidInput
from autocrea.jobs.changes import NO_SPEC, change_model, start_change, undo_change
from autocrea.jobs.launch import check_idempotency_key
from autocrea.jobs.models import check_model_for_user
from autocrea.pipeline.change import spec_at_head
from autocrea.pipeline.estimate import estimate_change
from autocrea.providers.catalog import load_catalog
from autocrea.providers.select import parse_model
from autocrea.storage import changes as store
from autocrea.storage.git import ProjectRepo
from autocrea.storage.runs import get_project
from autocrea.storage.tables import Run, Undo
from autocrea.storage.verification import VERIFY
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id
from autocrea.web.routes.billing import EstimateOut, estimate_out
from autocrea.web.routes.files import user_author
from autocrea.web.routes.projects import RunOut, run_out

router = APIRouter(prefix="/api/projects/{project_id}", tags=["changes"])
log = logging.getLogger("autocrea.web")
_ACTIVE = frozenset(s.value for s in ACTIVE)


class ChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # No max_length: the body limit bounds it, and a too-long request gets clean_prompt's clear 413.
    request: str = Field(
        description=f"what to change, in the app's words, e.g. 'añade un campo editorial a los libros'; "
        f"at most {MAX_PROMPT_CHARS:,} characters"
    )
    model: str | None = Field(
        default=None,
        max_length=250,
        description="blueprint, joxcoder, openai:<m>, anthropic:<m> (checked as for a generation); "
        "omitted: the model that built the project if you can still use it, else blueprint",
    )
    fallback: bool = Field(
        default=True,
        description="when the model fails (unusable or too slow answers), let the Blueprint make the "
        "change if it can map the request (same price); false: the run fails and is refunded",
    )


class FileDeltaOut(BaseModel):
    path: str
    status: str  # added | modified | deleted | renamed
    added: int
    removed: int


class EvidenceOut(BaseModel):
    tests_passed: int
    tests_failed: int
    pages_ok: int
    pages_probed: int
    findings: int
    findings_high: int
    seconds: float | None


class CreditsOut(BaseModel):
    held: int
    charged: int | None = Field(description="spent when the run ended verified; None while it runs")
    returned: int | None


class OfflineOut(BaseModel):
    model: str = Field(description="the model that was asked for")
    reason: str | None = Field(description="why it was dropped: format, slow, broken, unavailable, rejected")


class MessageOut(BaseModel):
    kind: Literal["generation", "change", "undo"]
    id: str = Field(description="the run's id; for an undo, the undo's own id")
    request: str = Field(description="the description or request as the user sent it (plain text)")
    status: str
    created_at: datetime
    finished_at: datetime | None
    changes: list[str] = Field(description="what the change does, in the app's language")
    files: list[FileDeltaOut]
    base_commit: str | None = Field(
        description="the version the change started from (an undo: the version it brought back)"
    )
    commit: str | None = Field(description="the version it ended as (an undo: the commit it made)")
    evidence: EvidenceOut | None
    credits: CreditsOut | None
    error: str | None
    error_code: str | None
    events_url: str | None
    made_by: str | None = Field(
        default=None,
        description="what made it: the model, 'blueprint', or 'built offline: <model> failed (<reason>)' "
        "when the model failed and the Blueprint did the work; while a run is queued, the model asked for",
    )
    offline: OfflineOut | None = Field(
        default=None,
        description="the model failed and the Blueprint did the work: which, and why (for words)",
    )
    undone_by: str | None = Field(default=None, description="a change: the undo that took it back")
    undoes: str | None = Field(default=None, description="an undo: the change run it took back")


class ThreadOut(BaseModel):
    project_id: str
    head: str | None
    change_cost: int
    active_run: RunOut | None = Field(description="the run in progress (a generation or a change)")
    can_undo: bool
    undo_target: str | None = Field(description="the change run Undo would take back")
    messages: list[MessageOut]


class StartedOut(BaseModel):
    run: RunOut
    message: MessageOut


def _evidence(summary: dict[str, Any]) -> EvidenceOut | None:
    if "tests_passed" not in summary:
        return None
    return EvidenceOut(
        tests_passed=int(summary.get("tests_passed") or 0),
        tests_failed=int(summary.get("tests_failed") or 0),
        pages_ok=int(summary.get("pages_ok") or 0),
        pages_probed=int(summary.get("pages_probed") or 0),
        findings=int(summary.get("findings") or 0),
        findings_high=int(summary.get("findings_high") or 0),
        seconds=summary.get("seconds"),
    )


def _files(summary: dict[str, Any]) -> list[FileDeltaOut]:
    out = []
    for item in summary.get("files") or []:
        if isinstance(item, dict):
            out.append(
                FileDeltaOut(
                    path=str(item.get("path", "")),
                    status=str(item.get("status", "modified")),
                    added=int(item.get("added") or 0),
                    removed=int(item.get("removed") or 0),
                )
            )
    return out


def run_message(run: Run, *, held: int | None, undone_by: str | None = None) -> MessageOut:
    summary = run.summary or {}
    bill = summary.get("credits") or {}
    change = run.kind == store.CHANGE
    if bill:
        money: CreditsOut | None = CreditsOut(
            held=int(bill.get("held") or 0), charged=bill.get("charged"), returned=bill.get("returned")
        )
    else:
        money = CreditsOut(held=held, charged=None, returned=None) if held is not None else None
    failure = summary.get("failure") or {}
    model = summary.get("model") or {}
    offline = None
    if model.get("fell_back"):
        reason = (model.get("failed") or {}).get("reason")
        offline = OfflineOut(
            model=str(model.get("chosen") or run.model), reason=str(reason) if reason else None
        )
    return MessageOut(
        kind="change" if change else "generation",
        id=run.id,
        request=run.prompt,
        status=run.status,
        created_at=run.created_at,
        finished_at=run.finished_at,
        changes=[str(c) for c in summary.get("changes") or []] if change else [],
        files=_files(summary) if change else [],
        base_commit=run.base_commit,
        commit=run.commit,
        evidence=_evidence(summary),
        credits=money,
        error=run.error,
        error_code=str(failure["code"]) if failure.get("code") else None,
        events_url=f"/api/runs/{run.id}/events",
        made_by=str(model.get("label") or run.model),
        offline=offline,
        undone_by=undone_by,
    )


def undo_message(undo: Undo, change: Run | None) -> MessageOut:
    return MessageOut(
        kind="undo",
        id=undo.id,
        request=change.prompt if change is not None else "",
        status="succeeded",
        created_at=undo.created_at,
        finished_at=undo.created_at,
        changes=[str(c) for c in (change.summary or {}).get("changes") or []] if change else [],
        files=[],
        base_commit=undo.restored,
        commit=undo.commit,
        evidence=None,
        credits=None,
        error=None,
        error_code=None,
        events_url=None,
        undoes=undo.run_id,
    )


async def _held(svc: Svc, run: Run) -> int | None:
    if run.hold_id is None:
        return None
    try:
        return await credits.hold_amount(svc.sessions, hold_id=run.hold_id)
    except AutocreaError:
        return None


async def _head(path: Path) -> str | None:
    if not (path / ".git").exists():
        return None
    repo = await asyncio.to_thread(ProjectRepo.open, path)
    return await asyncio.to_thread(repo.head)


@router.post("/changes", status_code=202, response_model=StartedOut)
async def ask_for_change(
    project_id: Id,
    body: ChangeIn,
    principal: Auth,
    svc: Svc,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> StartedOut:
    user_id = principal.user.id
    key = check_idempotency_key(idempotency_key)
    await svc.limiter.hit(
        svc.rates.generate,
        "change",
        user_id,
        message="You asked for too many changes in a short time; wait a moment and try again.",
    )

    async def check_model(spec: str) -> None:
        await check_model_for_user(
            spec, svc.models, sessions=svc.sessions, fernet=svc.fernet, user_id=user_id
        )

    run, _ = await start_change(
        svc.sessions,
        svc.bus,
        projects_root=svc.jobs.projects_root,
        user_id=user_id,
        project_id=project_id,
        request=body.request,
        model=body.model,
        cost=svc.settings.change_cost,
        idempotency_key=key,
        check_model=check_model,
        fallback=body.fallback,
    )
    return StartedOut(run=run_out(run), message=run_message(run, held=await _held(svc, run)))


class ChangeEstimateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request: str = Field(max_length=MAX_PROMPT_CHARS + 1000, description="the change, as it would be asked")
    model: str | None = Field(default=None, max_length=250, description="as POST .../changes takes it")


@router.post("/changes/estimate", response_model=EstimateOut)
async def estimate_change_cost(
    project_id: Id, body: ChangeEstimateIn, principal: Auth, svc: Svc
) -> EstimateOut:
    """What this change would cost before it is asked: its credits and, when a model would make it,
    the tokens and money at most (the engine chosen as for the change itself)."""
    user_id = principal.user.id
    project = await get_project(svc.sessions, user_id=user_id, project_id=project_id)
    request = clean_prompt(body.request)

    async def check_model(spec: str) -> None:
        await check_model_for_user(
            spec, svc.models, sessions=svc.sessions, fernet=svc.fernet, user_id=user_id
        )

    choice = parse_model(await change_model(body.model, project=project, check_model=check_model))
    balance = await credits.balance(svc.sessions, user_id=user_id)
    guess = None
    if choice.engine != "blueprint":
        path = svc.jobs.projects_root / project_id
        if not (path / ".git").exists():
            raise InvalidInput(NO_SPEC, details={"reason": "no_spec"})
        repo = await asyncio.to_thread(ProjectRepo.open, path)
        spec = await asyncio.to_thread(spec_at_head, repo)
        guess = await asyncio.to_thread(
            estimate_change, request, spec, provider=choice.engine, model=choice.model, catalog=load_catalog()
        )
    return estimate_out(credits=svc.settings.change_cost, available=balance.available, guess=guess)


@router.get("/changes", response_model=ThreadOut)
async def thread(project_id: Id, principal: Auth, svc: Svc) -> ThreadOut:
    user_id = principal.user.id
    await get_project(svc.sessions, user_id=user_id, project_id=project_id)
    runs = await store.project_runs(svc.sessions, user_id=user_id, project_id=project_id)
    undos = await store.undos(svc.sessions, user_id=user_id, project_id=project_id)
    by_id = {r.id: r for r in runs}
    undone = {u.run_id: u.id for u in undos}
    items: list[tuple[datetime, MessageOut]] = []
    for run in runs:
        if run.kind == VERIFY:  # a verification is no message: the Evidence tab shows it
            continue
        held = await _held(svc, run) if run.status in _ACTIVE else None
        items.append((run.created_at, run_message(run, held=held, undone_by=undone.get(run.id))))
    items += [(u.created_at, undo_message(u, by_id.get(u.run_id))) for u in undos]
    items.sort(key=lambda item: item[0])
    active = next((r for r in reversed(runs) if r.status in _ACTIVE), None)
    target = await store.last_undoable(svc.sessions, user_id=user_id, project_id=project_id)
    return ThreadOut(
        project_id=project_id,
        head=await _head(svc.jobs.projects_root / project_id),
        change_cost=svc.settings.change_cost,
        active_run=run_out(active) if active is not None else None,
        can_undo=target is not None and active is None,
        undo_target=target.id if target is not None else None,
        messages=[message for _, message in items],
    )


@router.post("/undo", response_model=MessageOut)
async def undo(project_id: Id, principal: Auth, svc: Svc, background: BackgroundTasks) -> MessageOut:
    """Free. A running preview restarts at the restored version once the answer is sent."""
    done, change = await undo_change(
        svc.sessions,
        projects_root=svc.jobs.projects_root,
        user_id=principal.user.id,
        project_id=project_id,
        author=user_author(principal.user),
    )
    background.add_task(_refresh_preview, svc, project_id=project_id, user_id=principal.user.id)
    return undo_message(done, change)


async def _refresh_preview(svc: Svc, *, project_id: str, user_id: str) -> None:
    try:
        await svc.previews.refresh(project_id=project_id, user_id=user_id)
    except Exception:  # the undo is made; a preview that did not restart shows the old version
        log.warning("the preview of project %s did not restart after an undo", project_id, exc_info=True)
