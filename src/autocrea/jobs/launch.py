"""Starting and cancelling generations: validate, hold the credits, queue the run, ring the workers.

Nothing is spent here: the hold is settled only when the run finishes with a verified app.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from autocrea.billing import credits
from autocrea.blueprint.architect import design
from autocrea.domain.account import clean_name
from autocrea.domain.credits import HoldStatus
from autocrea.domain.naming import slug as slugify
from autocrea.domain.prompt import clean_prompt
from autocrea.domain.run import RunStatus
from autocrea.errors import Conflict, InvalidInput
from autocrea.jobs.bus import EventBus
from autocrea.jobs.executor import WorkerEnv
from autocrea.jobs.reaper import close_abandoned
from autocrea.storage.runs import Sessions, create_project_run, get_run, request_cancel, run_for_hold
from autocrea.storage.tables import Project, Run, new_id

MAX_NAME = 120
ModelCheck = Callable[
    [str], Awaitable[None]
]  # raises InvalidInput/ProviderNotConfigured for an unusable model


def price_for(model: str, *, model_cost: int, offline_cost: int) -> int:
    """Credits held for a run: the offline price for the Blueprint, the model price for a model (the
    hold is settled at the offline price if the model fails and the Blueprint builds the app)."""
    return offline_cost if model.strip().lower() == "blueprint" else model_cost


async def start_generation(
    sessions: Sessions,
    bus: EventBus,
    *,
    user_id: str,
    prompt: str,
    name: str,
    model: str,
    cost: int,
    idempotency_key: str | None,
    check_model: ModelCheck,
    fallback: bool = True,
) -> tuple[Project, Run, bool]:
    """Queue a generation; returns (project, run, created). A replayed key returns the first run.
    `fallback`: when the chosen model fails, the Blueprint builds the app (at the offline price)
    instead of the run failing."""
    text = clean_prompt(prompt)
    title = clean_name(name, field="project name", limit=MAX_NAME)
    await check_model(model)
    if model == "blueprint":
        # A description the offline engine cannot read is refused before any hold. CPU work: off the loop.
        blueprint = await asyncio.to_thread(design, text)
        title = title or blueprint.spec.name
        slug = blueprint.spec.slug
    else:
        title = title or text.splitlines()[0][:MAX_NAME]
        slug = slugify(title) or "app"
    key = idempotency_key or uuid.uuid4().hex
    run_id = new_id()
    hold_id = await credits.place_hold(
        sessions, user_id=user_id, amount=cost, idempotency_key=key, reason=f"generation {run_id}"
    )
    existing = await run_for_hold(sessions, user_id=user_id, hold_id=hold_id)
    if existing is not None:
        return existing[0], existing[1], False
    if await credits.hold_status(sessions, hold_id=hold_id) is not HoldStatus.OPEN:
        # The key's run ended and its project was deleted: a new run on that closed hold would be free.
        raise Conflict(
            "This Idempotency-Key was used for an earlier generation; send a new key to start another.",
            details={"idempotency_key": key[:150]},
        )
    try:
        project, run = await create_project_run(
            sessions,
            user_id=user_id,
            name=title,
            slug=slug,
            prompt=text,
            model=model,
            hold_id=hold_id,
            run_id=run_id,
            fallback=fallback,
        )
    except BaseException:
        # A concurrent replay of the same key may have created the run first (runs.hold_id is unique).
        existing = await run_for_hold(sessions, user_id=user_id, hold_id=hold_id)
        if existing is not None:
            return existing[0], existing[1], False
        await credits.release(sessions, hold_id=hold_id)
        raise
    await bus.ring()
    return project, run, True


async def cancel_run(env: WorkerEnv, *, user_id: str, run_id: str) -> Run:
    """Ask for a cancel: a queued run is closed at once; a running one stops at its next heartbeat."""
    run = await request_cancel(env.sessions, user_id=user_id, run_id=run_id)
    if run.status not in (RunStatus.QUEUED.value, RunStatus.RUNNING.value):
        raise Conflict(f"This run already ended ({run.status}).", details={"status": run.status})
    if run.status == RunStatus.QUEUED.value:
        # Only if no worker leased it meanwhile; a running run sees the cancel at its next heartbeat.
        await close_abandoned(
            env, run, status=RunStatus.CANCELLED, error="cancelled before it started", was=RunStatus.QUEUED
        )
    return await get_run(env.sessions, run_id=run_id, user_id=user_id)


def check_idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > 150 or not key.isprintable():
        raise InvalidInput("The Idempotency-Key header must be 1 to 150 printable characters.")
    return key
