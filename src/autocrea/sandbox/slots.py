"""Sandbox slots: a host-wide cap on concurrent sandboxes, and a uid of its own for each.

A slot is an exclusive `flock` on `<lock_dir>/slot-<n>.lock`, so every server and worker process
on the machine that shares the lock directory shares the cap. Waiters in one process are served
first come, first served; a slot another process frees is noticed by polling.

When the server runs as root each slot has a dedicated unprivileged uid (`uid_base + n`): the
kernel's per-uid process count (RLIMIT_NPROC) then counts one sandbox, not all of them, and every
process of that uid can be killed when the sandbox ends without touching anyone else's.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from autocrea.errors import SandboxError

_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Slot:
    index: int
    uid: int | None  # None: the sandbox keeps the server's uid (the server is not root)


class Slots:
    def __init__(self, *, count: int, lock_dir: Path, uid_base: int | None) -> None:
        if count < 1:
            raise ValueError("at least one sandbox slot is needed")
        self.count = count
        self._dir = lock_dir
        self._uid_base = uid_base
        self._held: dict[int, int] = {}  # slot index -> fd of its lock file
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    @property
    def busy(self) -> int:
        """Slots this process holds right now."""
        return len(self._held)

    def _try_take(self) -> Slot | None:
        for index in range(self.count):
            if index in self._held:
                continue
            fd = os.open(self._dir / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self._held[index] = fd
            uid = None if self._uid_base is None else self._uid_base + index
            return Slot(index, uid)
        return None

    def _release(self, slot: Slot) -> None:
        fd = self._held.pop(slot.index, None)
        if fd is not None:
            os.close(fd)  # closing the last descriptor drops the flock
        if self._waiters and not self._waiters[0].done():
            self._waiters[0].set_result(None)

    @contextlib.asynccontextmanager
    async def slot(self, *, timeout: float | None = None) -> AsyncIterator[Slot]:
        """Hold a free slot for the duration of the block, waiting in line for one if needed."""
        taken = await self.acquire(timeout=timeout)
        try:
            yield taken
        finally:
            self._release(taken)

    async def acquire(self, *, timeout: float | None = None) -> Slot:
        """A free slot; give it back with `release`. SandboxError after `timeout` seconds."""
        if not self._waiters:
            taken = self._try_take()
            if taken is not None:
                return taken
        me: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(me)
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        try:
            while True:
                if self._waiters[0] is me:
                    taken = self._try_take()
                    if taken is not None:
                        return taken
                wait = _POLL_SECONDS if deadline is None else min(_POLL_SECONDS, deadline - loop.time())
                if wait <= 0:
                    raise SandboxError(
                        f"all {self.count} sandbox slots stayed busy for {timeout:.0f} s; try again shortly",
                        details={"slots": self.count},
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(me), timeout=wait)
                if me.done():  # woken: wait on a fresh future next time, keeping our place
                    fresh: asyncio.Future[None] = loop.create_future()
                    self._waiters[self._waiters.index(me)] = fresh
                    me = fresh
        finally:
            self._waiters.remove(me)
            if self._waiters and not self._waiters[0].done():
                self._waiters[0].set_result(None)  # the next in line tries now

    def release(self, slot: Slot) -> None:
        self._release(slot)
