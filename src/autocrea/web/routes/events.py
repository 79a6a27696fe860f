"""Live run events as Server-Sent Events, replayed from `Last-Event-ID`, ending with the terminal event.

Subscribe first, then replay from the database, then follow the bus: an event published between
the two steps is in both and is sent once (ids only go up). A gap in the bus (a lost message, an
overflowing queue) is filled from the database, so reconnects neither lose nor duplicate events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from autocrea.domain.events import TERMINAL_EVENTS
from autocrea.domain.run import TERMINAL
from autocrea.storage import runs as store
from autocrea.storage.tables import Run, RunEvent
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id

router = APIRouter(prefix="/api", tags=["runs"])
RETRY_MS = 2000
DONE = frozenset(s.value for s in TERMINAL)


def _row_payload(row: RunEvent) -> dict[str, Any]:
    return {
        "id": row.seq,
        "run_id": row.run_id,
        "type": row.type,
        "ts": row.created_at.timestamp(),
        "step": row.step,
        "data": row.data,
    }


def _sse(payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=payload, event=payload["type"], id=str(payload["id"]), retry=RETRY_MS)


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


@router.get("/runs/{run_id}/events", response_class=EventSourceResponse)
async def run_events(
    run: Annotated[Run, Depends(owned_run)],
    request: Request,
    svc: Svc,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    after: Annotated[int | None, Query(ge=0, le=10**9)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """`text/event-stream` of the run's events; reconnect with `Last-Event-ID` (or `?after=`)."""
    run_id = run.id
    sent = _last_id(last_event_id, after)
    heartbeat = svc.settings.sse_heartbeat_seconds
    open_streams = request.app.state.metrics.sse_streams
    open_streams.inc()
    try:
        async for item in _stream(svc, request, run_id, sent, heartbeat):
            yield item
    finally:
        open_streams.dec()


async def _stream(
    svc: Svc, request: Request, run_id: str, sent: int, heartbeat: float
) -> AsyncIterator[ServerSentEvent]:
    async with svc.bus.subscribe(run_id) as sub:
        while True:
            rows = await store.read_events(svc.sessions, run_id=run_id, after=sent)
            for row in rows:
                sent = row.seq
                yield _sse(_row_payload(row))
                if row.type in TERMINAL_EVENTS:
                    return
            if len(rows) < 1000:
                break
        ended_silently = False
        while True:
            sub.overflowed = False
            payload = await sub.get(heartbeat)
            if payload is None:
                if await request.is_disconnected():
                    return
                # Idle: a comment keeps proxies from closing the stream; then re-check the record, in
                # case the run ended while this process could not hear the bus.
                yield ServerSentEvent(comment="heartbeat")
                newest, status = await svc.probe.state(run_id)
                payload_rows = (
                    await store.read_events(svc.sessions, run_id=run_id, after=sent) if newest > sent else []
                )
                if not payload_rows and status in DONE:
                    # The status is written before the terminal event: give the event one more
                    # heartbeat to arrive (bus or database) before ending without it (its worker
                    # died mid-write). Ending at once lost `run.cancelled` on 176 of 500 streams.
                    if ended_silently:
                        return
                    ended_silently = True
            elif payload["id"] <= sent:
                continue
            elif payload["id"] == sent + 1 and not sub.overflowed:
                sent = payload["id"]
                yield _sse(payload)
                if payload["type"] in TERMINAL_EVENTS:
                    return
                continue
            else:
                payload_rows = await store.read_events(svc.sessions, run_id=run_id, after=sent)
            for row in payload_rows:
                sent = row.seq
                yield _sse(_row_payload(row))
                if row.type in TERMINAL_EVENTS:
                    return
