"""The latency model of the fake model servers, and the pacer that keeps to it.

Token i (from 0) of a reply is sent at `arrival + ttft + delay + i / tokens_per_second`, where
`delay` is a slow-first-token fault's extra wait. Each send waits for its own absolute deadline,
never for a fixed gap after the previous send, so a late wake-up delays one token, not all that
follow (per-token sleeps drift). A non-streamed body is sent at its last token's deadline.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Latency:
    ttft: float = 0.0  # seconds to first token
    tokens_per_second: float = 0.0  # 0 = as fast as possible

    def __post_init__(self) -> None:
        for name, value in (("ttft", self.ttft), ("tokens_per_second", self.tokens_per_second)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"Latency.{name} must be a finite number >= 0, not {value}")

    def deadline(self, index: int, *, delay: float = 0.0) -> float:
        """Seconds after the request arrived at which token `index` (from 0) is due."""
        step = index / self.tokens_per_second if self.tokens_per_second > 0 else 0.0
        return self.ttft + delay + step


@dataclass(frozen=True)
class Emission:
    """One response's send log, in seconds after its request arrived (a debugging aid for tests).

    `planned[k]` is the deadline of the k-th paced send and `sent[k]` when it actually went out;
    a stream has one paced send per token, a plain body one. `complete` is False for a cut
    connection, a malformed reply or a client that went away (then `sent` may be one shorter)."""

    path: str
    planned: tuple[float, ...]
    sent: tuple[float, ...]
    complete: bool


class Pacer:
    """Waits for absolute deadlines measured from a request's arrival and logs each send."""

    def __init__(
        self,
        *,
        arrival: float,
        latency: Latency,
        delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._arrival = arrival
        self._latency = latency
        self._delay = delay
        self._clock = clock
        self._sleep = sleep
        self.planned: list[float] = []
        self.sent: list[float] = []

    async def wait(self, index: int) -> None:
        """Sleep until token `index` is due (not at all if it already is)."""
        deadline = self._latency.deadline(index, delay=self._delay)
        self.planned.append(deadline)
        remaining = self._arrival + deadline - self._clock()
        if remaining > 0:
            await self._sleep(remaining)

    def mark(self) -> None:
        """Log that the send waited for by the last `wait` went out now."""
        self.sent.append(self._clock() - self._arrival)

    def emission(self, path: str, *, complete: bool) -> Emission:
        return Emission(path, tuple(self.planned), tuple(self.sent), complete)
