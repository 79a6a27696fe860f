"""Live run events across one process (MemoryBus) or many (RedisBus, in redis_bus.py).

The bus carries event payloads to subscribers that are streaming a run. It is a fast path, not the
record: events are stored before they are published, and a subscriber that misses one (a gap in
`id`, or its queue overflowed) reads the rest from the database. It also rings the job doorbell so
idle workers lease a new run at once instead of at their next poll.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

QUEUE_SIZE = 1000
Payload = dict[str, Any]


class Subscription:
    """Payloads for one subscriber; `overflowed` says some were dropped (read them from the DB).

    A deque and one future while waiting, not an asyncio.Queue (four deques and an Event): 500 open
    streams hold 500 of these.
    """

    __slots__ = ("_items", "_waiter", "closed", "overflowed")

    def __init__(self) -> None:
        self._items: deque[Payload] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.overflowed = False
        self.closed = False

    def put(self, payload: Payload) -> None:
        if len(self._items) >= QUEUE_SIZE:
            self.overflowed = True
            return
        self._items.append(payload)
        self._wake()

    def close(self) -> None:
        """No more payloads are wanted (the reader hung up): a waiting `get` returns None now."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self, timeout: float) -> Payload | None:
        """The next payload, or None after `timeout` seconds without one or once closed."""
        if not self._items and not self.closed:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(timeout, _settle, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        if self.closed or not self._items:
            return None
        return self._items.popleft()


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class EventBus(Protocol):
    @property
    def live(self) -> bool:
        """False while payloads may not arrive (Redis down): streams poll the database instead."""
        ...

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

    @property
    def live(self) -> bool:
        return True

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
