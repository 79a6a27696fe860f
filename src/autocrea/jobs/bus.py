"""Live run events across one process (MemoryBus) or many (RedisBus, in redis_bus.py).

The bus carries event payloads to subscribers that are streaming a run. It is a fast path, not the
record: events are stored before they are published, and a subscriber that misses one (a gap in
`id`, or its queue overflowed) reads the rest from the database. It also rings the job doorbell so
idle workers lease a new run at once instead of at their next poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

QUEUE_SIZE = 1000
Payload = dict[str, Any]


class Subscription:
    """Payloads for one subscriber; `overflowed` says some were dropped (read them from the DB)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Payload] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def put(self, payload: Payload) -> None:
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.overflowed = True

    async def get(self, timeout: float) -> Payload | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class EventBus(Protocol):
    async def publish(self, run_id: str, payloads: list[Payload]) -> None: ...

    def subscribe(self, run_id: str) -> Any:  # an async context manager yielding a Subscription
        ...

    async def ring(self) -> None:
        """Tell workers a run was queued."""
        ...

    async def wait_for_ring(self, timeout: float) -> None: ...

    async def aclose(self) -> None: ...


class Fanout:
    """Local subscribers per run, shared by both buses."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}

    def deliver(self, run_id: str, payloads: list[Payload]) -> None:
        for sub in self._subscribers.get(run_id, ()):
            for payload in payloads:
                sub.put(payload)

    def add(self, run_id: str) -> tuple[Subscription, bool]:
        subs = self._subscribers.setdefault(run_id, set())
        sub = Subscription()
        subs.add(sub)
        return sub, len(subs) == 1

    def remove(self, run_id: str, sub: Subscription) -> bool:
        """Drop a subscriber; True when it was the run's last one."""
        subs = self._subscribers.get(run_id)
        if subs is None:
            return False
        subs.discard(sub)
        if not subs:
            del self._subscribers[run_id]
            return True
        return False

    def count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())


class Doorbell:
    """Wakes one waiting worker loop; rings while nobody waits are remembered once."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return
        self._event.clear()


class MemoryBus:
    """One process: the embedded default."""

    def __init__(self) -> None:
        self.fanout = Fanout()
        self._doorbell = Doorbell()

    async def publish(self, run_id: str, payloads: list[Payload]) -> None:
        self.fanout.deliver(run_id, payloads)

    @asynccontextmanager
    async def subscribe(self, run_id: str) -> AsyncIterator[Subscription]:
        sub, _ = self.fanout.add(run_id)
        try:
            yield sub
        finally:
            self.fanout.remove(run_id, sub)

    async def ring(self) -> None:
        self._doorbell.ring()

    async def wait_for_ring(self, timeout: float) -> None:
        await self._doorbell.wait(timeout)

    async def aclose(self) -> None:
        return None
