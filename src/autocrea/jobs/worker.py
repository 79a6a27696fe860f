"""The job worker: leases queued runs from the database and runs up to N at once.

Runs are leased in the database, so any number of workers (in the server process or started with
`autocrea worker`) share one queue. Each worker also reaps: a running run whose lease expired lost
its worker, so it is marked failed and its credits are released. On stop, the worker's own runs are
failed and refunded rather than left "running".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from autocrea.billing import credits
from autocrea.domain.events import Event, EventType
from autocrea.domain.run import RunStatus
from autocrea.errors import AutocreaError
from autocrea.jobs.executor import CHANGE, WorkerEnv, execute
from autocrea.jobs.sink import payload
from autocrea.storage.git import ProjectRepo
from autocrea.storage.runs import (
    append_events,
    cancelled_queued_runs,
    expired_runs,
    finish_run,
    last_seq,
    lease_next,
)
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


class Worker:
    def __init__(self, env: WorkerEnv, *, concurrency: int, poll_seconds: float = 2.0) -> None:
        self.env = env
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self._tasks: set[asyncio.Task[RunStatus]] = set()
        self._stopping = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> int:
        return len(self._tasks)

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        last_reap = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            try:
                if loop.time() - last_reap >= min(self.env.lease.total_seconds() / 2, 10.0):
                    last_reap = loop.time()
                    await self.reap()
                while len(self._tasks) < self.concurrency and not self._stopping.is_set():
                    run = await lease_next(
                        self.env.sessions, worker_id=self.env.worker_id, lease=self.env.lease
                    )
                    if run is None:
                        break
                    task = asyncio.create_task(execute(run, self.env, stopping=self._stopping))
                    self._tasks.add(task)
                    task.add_done_callback(self._done)
            except Exception:  # the database may be briefly unreachable; try again after a pause
                log.warning("worker loop error", exc_info=True)
            await self.env.bus.wait_for_ring(self.poll_seconds)

    def _done(self, task: asyncio.Task[RunStatus]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("run task failed", exc_info=task.exception())
        # A slot is free: look for the next queued run now rather than at the next poll.
        asyncio.get_running_loop().create_task(self.env.bus.ring())

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

    async def stop(self, *, grace_seconds: float = 10.0) -> None:
        """Stop leasing; running runs end as failed (credits returned) within the grace period."""
        self._stopping.set()
        await self.env.bus.ring()
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace_seconds)
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._tasks, return_exceptions=True)


def lease_for(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)
