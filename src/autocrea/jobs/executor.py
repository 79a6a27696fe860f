"""Run one leased run: the pipeline, a heartbeat that renews the lease, credits at the end.

A generation runs the whole pipeline; a change run (kind "change") runs `revise`: one new verified
version of the project, or the project exactly as it was; a verify run (kind "verify") proves the
project's current version again, free (pipeline/verification.py). Every run records the version its
evidence is for (`runs.commit`; a change only when it ended verified). Success settles the run's
credit hold (at the offline price, the rest returned, when the chosen model failed and the Blueprint
built the app); failure, a cancel or a stop releases it. Whatever happens, the run ends with a
terminal event and a terminal status, so no stream waits forever. After a verified change,
`after_change` runs (the server restarts the project's preview there, if one is running).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from autocrea.billing import credits
from autocrea.domain.events import EventStream
from autocrea.domain.run import RunStatus
from autocrea.errors import AutocreaError, NotFound
from autocrea.jobs.bus import EventBus
from autocrea.jobs.sink import EventSink
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.revision import revise
from autocrea.pipeline.run_model import DEFAULT_ANSWER_SECONDS
from autocrea.pipeline.verification import verify
from autocrea.providers.resilience import ResilientModel
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.faults import patiently
from autocrea.storage.git import ProjectRepo
from autocrea.storage.runs import Sessions, finish_run, get_run, renew_lease
from autocrea.storage.tables import Run

log = logging.getLogger("autocrea.jobs")
ModelFactory = Callable[[Run], Awaitable[ResilientModel | None]]
AfterChange = Callable[[Run], Awaitable[None]]
CHANGE = "change"
VERIFY = "verify"


@dataclass(frozen=True)
class WorkerEnv:
    """What every run of a worker shares."""

    sessions: Sessions
    bus: EventBus
    projects_root: Path
    sandbox: Sandbox
    runtimes: RuntimeCache
    model_for: ModelFactory
    worker_id: str
    lease: timedelta
    # What a run the Blueprint built costs when its hold was placed for a model (None: the same).
    offline_cost: int | None = None
    answer_seconds: float = DEFAULT_ANSWER_SECONDS  # a role's wait for a usable model answer
    after_change: AfterChange | None = None  # after a verified change run is closed


class Stop(Exception):
    """Why a run's task was cancelled from outside the pipeline."""


def project_repo(root: Path, project_id: str) -> ProjectRepo:
    path = root / project_id
    return ProjectRepo.open(path) if (path / ".git").exists() else ProjectRepo.init(path)


async def _charge(env: WorkerEnv, run: Run, *, ok: bool, offline: bool) -> dict[str, int]:
    """What the run's hold comes to: all of it for a verified app built as chosen; the offline price
    when the Blueprint built it because the chosen model failed (the rest returned); 0 otherwise."""
    if run.hold_id is None:
        return {}
    try:
        held = await patiently(
            lambda: credits.hold_amount(env.sessions, hold_id=run.hold_id or ""),
            what=f"reading the credit hold of run {run.id}",
        )
    except AutocreaError:
        log.exception("could not read the credit hold of run %s", run.id)
        return {}
    # A change costs the same however it was made (AUTOCREA_CHANGE_COST): only a generation has an
    # offline price of its own.
    cheaper = offline and env.offline_cost and run.kind != CHANGE
    charged = 0 if not ok else min(held, env.offline_cost) if cheaper and env.offline_cost else held
    return {"held": held, "charged": charged, "returned": held - charged}


def _change_facts(repo: ProjectRepo, run: Run, outcome: Outcome) -> dict[str, Any]:
    """What a change run shows in the project's conversation: the changes (as made offline, else as
    planned when it was asked for; a model's change lists none: its files say what it did), and,
    once verified, its commit and the files that commit changed."""
    facts: dict[str, Any] = {
        "changes": list(outcome.changes or (run.summary or {}).get("changes") or []),
        "files": list((run.summary or {}).get("files") or []),
    }
    if outcome.ok and outcome.evidence.commits:
        commit = outcome.evidence.commits[-1]
        diff = repo.diff(repo.resolve(f"{commit}~1"), commit)
        facts["commit"] = commit
        facts["files"] = [
            {"path": f.path, "status": f.status, "added": f.additions, "removed": f.deletions}
            for f in diff.files
        ]
    return facts


def _leave_as_it_was(repo: ProjectRepo, base: str) -> None:
    """A change run that did not end verified leaves no commit behind (revise rolls back a failed
    run itself; a cancelled or stopped one is rolled back here)."""
    head = repo.head()
    if head is not None and head != base:
        repo.reset(base, expected_head=head)


async def _close_hold(env: WorkerEnv, run: Run, ok: bool, *, charged: int | None, note: str) -> None:
    if run.hold_id is None:
        return
    try:
        hold_id = run.hold_id  # settle and release are idempotent: safe to try again
        if ok:
            await patiently(
                lambda: credits.settle(env.sessions, hold_id=hold_id, amount=charged or None, note=note),
                what=f"settling the credit hold of run {run.id}",
            )
        else:
            await patiently(
                lambda: credits.release(env.sessions, hold_id=hold_id),
                what=f"releasing the credit hold of run {run.id}",
            )
    except AutocreaError:
        log.exception("could not close the credit hold of run %s", run.id)


async def execute(run: Run, env: WorkerEnv, *, stopping: asyncio.Event) -> RunStatus:
    """Run the pipeline for a leased run and close it; returns the final status."""
    sink = EventSink(sessions=env.sessions, bus=env.bus)
    stream = EventStream(run_id=run.id, emit=sink)
    reason: dict[str, str] = {}
    llm: ResilientModel | None = None
    change = run.kind == CHANGE
    repo: ProjectRepo | None = None
    proved: dict[str, str] = {}  # a generation's or verify's evidence: the version it is for
    base: str | None = None  # a change run's starting HEAD

    async def pipeline() -> tuple[bool, str | None, dict[str, Any]]:
        nonlocal llm, repo, base
        llm = await env.model_for(run)
        repo = await asyncio.to_thread(project_repo, env.projects_root, run.project_id)
        if change:
            base = await asyncio.to_thread(repo.head)
        ctx = RunContext(
            run_id=run.id,
            prompt=run.prompt,
            model=run.model,
            events=stream,
            repo=repo,
            sandbox=env.sandbox,
            runtimes=env.runtimes,
            llm=llm,
            answer_seconds=env.answer_seconds,
            fallback=run.fallback,
        )
        outcome = await (revise(ctx) if change else verify(ctx) if run.kind == VERIFY else generate(ctx))
        if not change and (head := await asyncio.to_thread(repo.head)) is not None:
            proved["commit"] = head
        summary: dict[str, Any] = {
            **outcome.evidence.summary(),
            "seconds": round(outcome.seconds, 3),
            "model": outcome.model,
        }
        if change:
            summary.update(await asyncio.to_thread(_change_facts, repo, run, outcome))
        if outcome.spec is not None:
            summary["entities"] = [e.name for e in outcome.spec.entities]
            summary["title"] = outcome.spec.name
        if outcome.error_code is not None:  # what a page needs to word the failure itself
            summary["failure"] = {"code": outcome.error_code, "details": outcome.error_details}
        return outcome.ok, outcome.error or "; ".join(outcome.unmet) or None, summary

    task = asyncio.create_task(pipeline())

    async def heartbeat() -> None:
        # At most a second between beats: a cancel is noticed quickly; the lease has plenty of slack.
        beat = max(min(env.lease.total_seconds() / 3, 1.0), 0.05)
        while not task.done():
            waiter = asyncio.create_task(stopping.wait())
            await asyncio.wait({task, waiter}, timeout=beat, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if task.done():
                return
            if stopping.is_set():
                reason["stop"] = "the server stopped during the run; your credits were returned"
                task.cancel()
                return
            try:
                cancel = await renew_lease(
                    env.sessions, run_id=run.id, worker_id=env.worker_id, lease=env.lease
                )
            except NotFound:
                reason["lost"] = "the run's lease expired"
                task.cancel()
                return
            except Exception:  # a database hiccup: try again at the next beat, the lease has slack
                log.warning("lease renewal of run %s failed", run.id, exc_info=True)
                continue
            if cancel:
                reason["cancel"] = "cancelled by the user; your credits were returned"
                task.cancel()
                return

    beats = asyncio.create_task(heartbeat())
    status, error = RunStatus.FAILED, ""
    summary: dict[str, Any] = {}
    try:
        ok, message, summary = await task
        status = RunStatus.SUCCEEDED if ok else RunStatus.FAILED
        error = "" if ok else (message or "the app did not meet the definition of done")
    except asyncio.CancelledError:
        if not reason:
            raise  # our own task was cancelled: propagate
        if "cancel" in reason:
            status, error = RunStatus.CANCELLED, reason["cancel"]
            stream("run.cancelled", error=error)
        elif "stop" in reason:
            error = reason["stop"]
            stream("run.failed", error=error, unmet=[], summary={})
        else:
            error = reason["lost"]  # the reaper already wrote the terminal event
    except AutocreaError as exc:  # e.g. the model could not be built: a missing key
        error = exc.message
        summary = {"failure": {"code": exc.code, "details": exc.details}}
        stream("run.failed", error=error, code=exc.code, details=exc.details, unmet=[], summary={})
    except Exception as exc:
        log.exception("run %s crashed", run.id)
        error = f"internal error: {type(exc).__name__}"
        stream("run.failed", error=error, code="internal_error", unmet=[], summary={})
    finally:
        beats.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beats
        if llm is not None:
            with contextlib.suppress(Exception):
                await llm.aclose()
    terminal = None
    try:
        terminal = await sink.close()
    except Exception:  # events are best kept, but the run must still be closed and its hold settled
        log.exception("could not store the last events of run %s", run.id)
    if "lost" in reason:
        return RunStatus.FAILED  # the reaper closed it and released the hold
    ok = status is RunStatus.SUCCEEDED
    if change and not ok and repo is not None and base is not None:
        try:
            await asyncio.to_thread(_leave_as_it_was, repo, base)
        except AutocreaError:
            log.exception("could not move the project of change run %s back to %s", run.id, base[:7])
    # A run that stopped early still says what it was for (a model's change has no planned changes:
    # its files say what it did).
    if change and not summary.get("changes") and not summary.get("files"):
        planned = run.summary or {}
        summary = {**summary, "changes": planned.get("changes", []), "files": planned.get("files", [])}
    model = summary.get("model") or {}
    offline = bool(model.get("fell_back"))
    bill = await _charge(env, run, ok=ok, offline=offline)
    if bill:
        summary = {**summary, "credits": bill}
    # Only a verified app has a builder to name; a failed run keeps the model it asked for. A change
    # or a verify keeps the project's builder: it names the version it made or proved.
    built_by = str(model["label"]) if ok and model.get("label") and run.kind == "generation" else None
    commit = str(summary["commit"]) if ok and change and summary.get("commit") else proved.get("commit")
    tries = 0

    async def close() -> bool:
        nonlocal tries
        tries += 1
        closed = await finish_run(
            env.sessions,
            run_id=run.id,
            status=status,
            error=error or None,
            summary=summary,
            built_by=built_by,
            commit=commit,
        )
        if closed or tries == 1:
            return closed
        # A try whose answer was lost (the database went away) may have closed it: then the run
        # holds exactly what this one wrote.
        now = await get_run(env.sessions, run_id=run.id)
        return now.status == status.value and now.summary == summary and now.error == (error or None)

    # Written again until the database answers: a run must not stay "running" with its credits held.
    closed = await patiently(close, what=f"closing run {run.id}")
    if closed:
        note = str(model.get("label", "")) if ok and offline else ""
        await _close_hold(env, run, ok, charged=bill.get("charged"), note=note)
        if terminal is not None:
            try:
                await sink.finish(terminal)
            except Exception:  # streams end anyway: they see the final status at their next heartbeat
                log.exception("could not store the terminal event of run %s", run.id)
        if ok and change and env.after_change is not None:
            try:
                await env.after_change(run)
            except Exception:  # the version is made and paid; a preview that did not restart is not a failure
                log.exception("after change run %s", run.id)
    return status
