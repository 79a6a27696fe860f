"""Closing runs nobody is executing: a running run whose lease expired lost its worker (killed,
crashed, its machine gone), so it is failed, its credits are returned and its stream ends; a queued
run cancelled before any worker took it is closed as cancelled.

Every process reaps, web and worker alike, so a run is closed even when its only worker died and
no other worker runs (with the default 20 s lease and a look every 5 s: within 25 s). Two
processes reaping the same run is harmless: `finish_run` closes it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from autocrea.billing import credits
from autocrea.domain.events import Event, EventType
from autocrea.domain.run import RunStatus
from autocrea.errors import AutocreaError
from autocrea.jobs.executor import CHANGE, WorkerEnv
from autocrea.jobs.sink import payload
from autocrea.storage.git import ProjectRepo
from autocrea.storage.runs import append_events, cancelled_queued_runs, expired_runs, finish_run, last_seq
from autocrea.storage.tables import Run, utcnow

log = logging.getLogger("autocrea.jobs")


async def close_abandoned(
    env: WorkerEnv, run: Run, *, status: RunStatus, error: str, was: RunStatus, now: datetime | None = None
) -> bool:
    """Close a run no worker is executing: status, terminal event, credits back. True if closed here.

    Only from the state `was` (and, for a running run, only while its lease is still expired at
    `now`): a worker that leased or renewed it in the meantime keeps it, and writes its events alone.
    """
    closed = await finish_run(
        env.sessions,
        run_id=run.id,
        status=status,
        error=error,
        summary={},
        only_from=(was,),
        lease_expired_by=now if was is RunStatus.RUNNING else None,
    )
    if not closed:
        return False
    if run.kind == CHANGE and run.base_commit and was is RunStatus.RUNNING:
        # Its worker died midway: the project goes back to where the change started (no other run
        # of the project can have begun, one at a time; edits wait for the run to end).
        try:
            await asyncio.to_thread(_back_to, env, run.project_id, run.base_commit)
        except AutocreaError:
            log.exception("could not move the project of change run %s back", run.id)
    seq = await last_seq(env.sessions, run_id=run.id) + 1
    kind: EventType = "run.cancelled" if status is RunStatus.CANCELLED else "run.failed"
    data = {"error": error} if status is RunStatus.CANCELLED else {"error": error, "unmet": [], "summary": {}}
    now = utcnow()
    event = Event(id=seq, run_id=run.id, type=kind, ts=now.timestamp(), data=data)
    await append_events(
        env.sessions,
        events=[{"run_id": run.id, "seq": seq, "type": kind, "step": None, "data": data, "created_at": now}],
    )
    await env.bus.publish(run.id, [payload(event)])
    if run.hold_id is not None:
        with contextlib.suppress(AutocreaError):
            await credits.release(env.sessions, hold_id=run.hold_id)
    return True


def _back_to(env: WorkerEnv, project_id: str, base: str) -> None:
    path = env.projects_root / project_id
    if not (path / ".git").exists():
        return
    repo = ProjectRepo.open(path)
    head = repo.head()
    if head is not None and head != base:
        repo.reset(base, expected_head=head)


def reap_every(env: WorkerEnv) -> float:
    """How often to look: a quarter of the lease, at most 5 s (a dead worker's run is closed within
    a lease and a look)."""
    return min(env.lease.total_seconds() / 4, 5.0)


class Reaper:
    def __init__(self, env: WorkerEnv) -> None:
        self.env = env
        self._task: asyncio.Task[None] | None = None

    async def reap(self) -> int:
        """Fail runs whose worker stopped renewing their lease; close queued runs cancelled early."""
        closed = 0
        now = utcnow()
        for run in await expired_runs(self.env.sessions, now=now):
            if await close_abandoned(
                self.env,
                run,
                status=RunStatus.FAILED,
                error="the worker running this generation stopped; your credits were returned",
                was=RunStatus.RUNNING,
                now=now,
            ):
                closed += 1
        for run in await cancelled_queued_runs(self.env.sessions):
            if await close_abandoned(
                self.env,
                run,
                status=RunStatus.CANCELLED,
                error="cancelled before it started",
                was=RunStatus.QUEUED,
            ):
                closed += 1
        return closed

    def start(self) -> None:
        """Reap in the background until `stop` (a process without a worker of its own)."""
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                await self.reap()
            except Exception:  # the database may be briefly unreachable; look again later
                log.warning("reaping failed", exc_info=True)
            await asyncio.sleep(reap_every(self.env))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
