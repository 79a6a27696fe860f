"""The job worker: leases queued runs from the database and runs up to N at once.

Runs are leased in the database, so any number of workers (in the server process or started with
`autocrea worker`) share one queue. Each worker also reaps (jobs/reaper.py) between leases. On stop,
the worker's own runs are failed and refunded rather than left "running".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from autocrea.domain.run import RunStatus
from autocrea.jobs.executor import WorkerEnv, execute
from autocrea.jobs.reaper import Reaper, reap_every
from autocrea.storage.runs import lease_next

log = logging.getLogger("autocrea.jobs")


class Worker:
    def __init__(self, env: WorkerEnv, *, concurrency: int, poll_seconds: float = 2.0) -> None:
        self.env = env
        self.reaper = Reaper(env)
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
                if loop.time() - last_reap >= reap_every(self.env):
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
        return await self.reaper.reap()

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
