"""Typed run events. Every step of a generation is visible as a stream of these."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

EventType = Literal[
    "run.started",
    "step.started",
    "step.log",
    "step.token",
    "file.written",
    "test.result",
    "step.finished",
    "run.finished",
    "run.failed",
    "run.cancelled",
]
TERMINAL_EVENTS: frozenset[str] = frozenset({"run.finished", "run.failed", "run.cancelled"})


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    run_id: str
    type: EventType
    ts: float
    step: str | None = None
    data: dict[str, Any] = {}


Emit = Callable[[Event], None]


class EventStream:
    """Stamps events with increasing ids and timestamps and hands them to `emit`.

    Roles run concurrently (threads and tasks), so numbering is under a lock: ids are gap-free and
    strictly increasing in the order `emit` sees them.
    """

    def __init__(self, *, run_id: str, emit: Emit, clock: Callable[[], float] = time.time) -> None:
        self._run_id = run_id
        self._emit = emit
        self._clock = clock
        self._next_id = 1
        self._lock = threading.Lock()

    def __call__(self, type_: EventType, step: str | None = None, **data: Any) -> Event:
        with self._lock:
            event = Event(
                id=self._next_id, run_id=self._run_id, type=type_, ts=self._clock(), step=step, data=data
            )
            self._next_id += 1
            self._emit(event)
        return event
