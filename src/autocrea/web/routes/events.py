"""Live run events as Server-Sent Events, replayed from `Last-Event-ID`, ending with the terminal event.

Subscribe first, then replay from the database, then follow the bus: an event published between
the two steps is in both and is sent once (ids only go up). A gap in the bus (a lost message, an
overflowing queue) is filled from the database, so reconnects neither lose nor duplicate events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request

from autocrea.domain.events import TERMINAL_EVENTS
from autocrea.domain.run import TERMINAL
from autocrea.jobs.bus import Subscription
from autocrea.storage import runs as store
from autocrea.storage.faults import unavailable
from autocrea.storage.tables import Run, RunEvent
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id
from autocrea.web.sse import EventStream, comment_bytes, event_bytes

router = APIRouter(prefix="/api", tags=["runs"])
RETRY_MS = 2000
READ_BATCH = 1000
DONE = frozenset(s.value for s in TERMINAL)
HEARTBEAT = comment_bytes("heartbeat")
# While the database restarts, a stream waits with heartbeats (re-reading every OUTAGE_PAUSE s)
# rather than breaking the client's connection; after OUTAGE_PATIENCE s it ends cleanly instead.
OUTAGE_PAUSE, OUTAGE_PATIENCE = 1.0, 60.0
BUS_DOWN_POLL = 1.0  # while the bus (Redis) is down, how often a stream reads new events from the DB
T = TypeVar("T")
log = logging.getLogger("autocrea.web")
# What each `data:` line holds; the stream's items are documented the way FastAPI documents SSE.
EVENT_ITEM = {
    "type": "object",
    "properties": {
        "data": {"type": "string", "contentMediaType": "application/json"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


def _row_payload(row: RunEvent) -> dict[str, Any]:
    return {
        "id": row.seq,
        "run_id": row.run_id,
        "type": row.type,
        "ts": row.created_at.timestamp(),
        "step": row.step,
        "data": row.data,
    }


def _event(payload: dict[str, Any]) -> bytes:
    return event_bytes(payload, event=payload["type"], id=str(payload["id"]), retry=RETRY_MS)


def _last_id(header: str | None, query: int | None) -> int:
    if query is not None:
        return query
    try:
        return max(0, int((header or "0").strip() or 0))
    except ValueError:
        return 0


async def owned_run(run_id: Id, principal: Auth, svc: Svc) -> Run:
    # A dependency, not the stream's first line: a stream's errors come after its 200 has been sent.
    return await store.get_run(svc.sessions, run_id=run_id, user_id=principal.user.id)


class _Listener:
    """Links the client's hang-up (seen by the response) to the subscription (owned by the stream)."""

    def __init__(self) -> None:
        self.sub: Subscription | None = None
        self.hung_up = False

    def attach(self, sub: Subscription) -> None:
        self.sub = sub
        if self.hung_up:
            sub.close()

    def hang_up(self) -> None:
        self.hung_up = True
        if self.sub is not None:
            self.sub.close()


@router.get(
    "/runs/{run_id}/events",
    response_class=EventStream,
    status_code=200,
    responses={200: {"content": {"text/event-stream": {"itemSchema": EVENT_ITEM}}}},
)
async def run_events(
    run: Annotated[Run, Depends(owned_run)],
    request: Request,
    svc: Svc,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    after: Annotated[int | None, Query(ge=0, le=10**9)] = None,
) -> EventStream:
    """`text/event-stream` of the run's events; reconnect with `Last-Event-ID` (or `?after=`)."""
    return event_stream(svc, request, run.id, last_event_id=last_event_id, after=after)


def event_stream(
    svc: Svc, request: Request, run_id: str, *, last_event_id: str | None, after: int | None
) -> EventStream:
    """A run's events as SSE after the client's last one (the owner's stream, and a shared run's)."""
    listener = _Listener()
    events = _stream(svc, request, run_id, _last_id(last_event_id, after), listener)
    return EventStream(events, on_hang_up=listener.hang_up)


async def _unless_unreachable(read: Awaitable[T]) -> T | None:
    """The read's result, or None while the database cannot be reached (other errors raise)."""
    try:
        return await read
    except Exception as exc:
        if not unavailable(exc):
            raise
        log.warning("event stream: database unavailable (%s)", type(exc).__name__)
        return None


async def _stream(
    svc: Svc, request: Request, run_id: str, sent: int, listener: _Listener
) -> AsyncGenerator[bytes, None]:
    heartbeat = svc.settings.sse_heartbeat_seconds
    open_streams = request.app.state.metrics.sse_streams
    open_streams.inc()
    try:
        async with svc.bus.subscribe(run_id) as sub:
            listener.attach(sub)
            behind = True  # the database holds events this stream has not sent: read them there
            outage: float | None = None  # when the database stopped answering this stream
            beat = time.monotonic()  # the last heartbeat sent
            ended_silently = False
            while True:
                if behind:
                    rows = await _unless_unreachable(
                        store.read_events(svc.sessions, run_id=run_id, after=sent, limit=READ_BATCH)
                    )
                    if rows is None:  # the database is away (a restart): keep the stream, wait, re-read
                        outage = outage or time.monotonic()
                        if time.monotonic() - outage > OUTAGE_PATIENCE:
                            return  # the client reconnects with Last-Event-ID and replays the rest
                        yield HEARTBEAT
                        await asyncio.sleep(OUTAGE_PAUSE)
                        continue
                    outage = None
                    for row in rows:
                        sent = row.seq
                        yield _event(_row_payload(row))
                        if row.type in TERMINAL_EVENTS:
                            return
                    behind = len(rows) == READ_BATCH
                    if behind:
                        continue
                sub.overflowed = False
                live = svc.bus.live
                payload = await sub.get(heartbeat if live else min(heartbeat, BUS_DOWN_POLL))
                if sub.closed:
                    return
                if payload is None and not live and time.monotonic() - beat < heartbeat:
                    behind = True  # the bus is down (Redis): poll the database for new events
                    continue
                if payload is None:
                    beat = time.monotonic()
                    # Idle: a comment keeps proxies from closing the stream; then re-check the record,
                    # in case the run ended while this process could not hear the bus.
                    yield HEARTBEAT
                    state = await _unless_unreachable(svc.probe.state(run_id))
                    if state is None:
                        behind = True  # read from the database, which waits out the outage
                        continue
                    newest, status = state
                    behind = newest > sent
                    if not behind and status in DONE:
                        # The status is written before the terminal event: give the event one more
                        # heartbeat to arrive (bus or database) before ending without it (its worker
                        # died mid-write). Ending at once lost `run.cancelled` on 176 of 500 streams.
                        if ended_silently:
                            return
                        ended_silently = True
                elif payload["id"] == sent + 1 and not sub.overflowed:
                    sent = payload["id"]
                    yield _event(payload)
                    if payload["type"] in TERMINAL_EVENTS:
                        return
                elif payload["id"] > sent:
                    behind = True  # a gap (a lost message or an overflow): fill it from the database
    finally:
        open_streams.dec()
