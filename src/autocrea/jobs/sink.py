"""Where a run's events go: stored in order, in batches, then published on the bus.

Roles emit from the event loop and from worker threads; `EventStream` numbers events under a lock
and calls the sink there, so the sink only hands them to the loop, in order, and never blocks.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from autocrea.domain.events import TERMINAL_EVENTS, Event
from autocrea.jobs.bus import EventBus
from autocrea.storage.faults import patiently
from autocrea.storage.runs import Sessions, append_events

_DONE = object()
MAX_BATCH = 200
log = logging.getLogger(__name__)


def stored_at(event: Event) -> datetime:
    """The event's time as the database keeps it (to the microsecond)."""
    return datetime.fromtimestamp(event.ts, UTC)


def payload(event: Event) -> dict[str, Any]:
    """The event as streamed; `ts` as stored, so a live event and its replay are identical."""
    return {**event.model_dump(mode="json"), "ts": stored_at(event).timestamp()}


class EventSink:
    def __init__(self, *, sessions: Sessions, bus: EventBus) -> None:
        self._sessions = sessions
        self._bus = bus
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())
        self._terminal: Event | None = None
        self.last_id = 0

    def __call__(self, event: Event) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._queue.put_nowait(event)
        else:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    async def _write(self) -> None:
        finished = False
        while not finished:
            batch: list[Event] = []
            item = await self._queue.get()
            while True:
                if item is _DONE:
                    finished = True
                    break
                assert isinstance(item, Event)
                if item.type in TERMINAL_EVENTS:
                    self._terminal = item  # written by finish(), once the run's status and credits are final
                else:
                    batch.append(item)
                if len(batch) >= MAX_BATCH or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._store(batch)

    async def _store(self, batch: list[Event]) -> None:
        rows = [
            {
                "run_id": e.run_id,
                "seq": e.id,
                "type": e.type,
                "step": e.step,
                "data": e.data,
                "created_at": stored_at(e),
            }
            for e in batch
        ]
        run_id = rows[0]["run_id"]
        # Later events wait behind this batch, so the log stays contiguous; the run keeps working.
        await patiently(
            lambda: append_events(self._sessions, events=rows), what=f"storing events of run {run_id}"
        )
        self.last_id = batch[-1].id
        await self._bus.publish(batch[0].run_id, [payload(e) for e in batch])

    async def close(self) -> Event | None:
        """Store and publish every event emitted so far but the terminal one, which is returned."""
        self._queue.put_nowait(_DONE)
        await self._writer
        return self._terminal

    async def finish(self, terminal: Event) -> None:
        """Store and publish the terminal event: whoever sees it can trust the run's status and credits."""
        await self._store([terminal])
