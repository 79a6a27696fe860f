"""A run's newest event id and status, shared by every idle event stream of the run in this process.

Idle streams re-check the database at each heartbeat (the bus is the fast path, not the record).
With hundreds of streams on one run, asking once per run per interval, and letting concurrent
callers share that one answer, keeps the database pool free for real requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from autocrea.storage import runs as store

PRUNE_AFTER = 100  # entries; stale ones are dropped when the table grows past this


class RunProbe:
    def __init__(
        self, sessions: store.Sessions, *, max_age: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sessions = sessions
        self._max_age = max_age
        self._clock = clock
        self._seen: dict[str, tuple[float, int, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _fresh(self, run_id: str) -> tuple[int, str] | None:
        found = self._seen.get(run_id)
        if found is None or self._clock() - found[0] > self._max_age:
            return None
        return found[1], found[2]

    async def state(self, run_id: str) -> tuple[int, str]:
        """(newest stored event id, status) of the run, at most `max_age` seconds old."""
        fresh = self._fresh(run_id)
        if fresh is not None:
            return fresh
        async with self._locks.setdefault(run_id, asyncio.Lock()):
            fresh = self._fresh(run_id)  # another stream may have asked meanwhile
            if fresh is not None:
                return fresh
            last = await store.last_seq(self._sessions, run_id=run_id)
            status = (await store.get_run(self._sessions, run_id=run_id)).status
            self._seen[run_id] = (self._clock(), last, status)
        if len(self._seen) > PRUNE_AFTER:
            limit = self._clock() - self._max_age
            for key in [k for k, (at, _, _) in self._seen.items() if at < limit]:
                del self._seen[key]
                self._locks.pop(key, None)
        return last, status
