"""What a fake model server answers: scripted replies per role, with faults.

A reply's faults are served before the reply itself, in order, each for `times` consecutive
requests of that role; only then is the reply delivered intact and the role's sequence moves on
(the last reply of a sequence repeats, without its faults). So `Reply("x", (Fault("status",
status=429),))` answers 429 once and "x" on the retry.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal["status", "slow_first_token", "truncate", "malformed", "prose"]

PROSE = (
    "Sure! Here is how you could build it. First, set up a small web project with a module for "
    "your data models, then add a route for each page and a template for the shared layout. "
    "You can run it locally with a development server and add a few tests as you go. "
    "Let me know if you would like me to walk you through any of these steps in more detail!"
)


@dataclass(frozen=True)
class Fault:
    """One way a request goes wrong.

    - `status`: answer `status` with the provider's error body (+ `retry-after` when set).
    - `slow_first_token`: wait `delay` extra seconds before the first token (the schedule shifts).
    - `truncate`: send `after_tokens` tokens, then drop the connection without the final event.
    - `malformed`: the stream event carrying token `after_tokens` (or the closing event) has
      broken JSON; a non-streamed body is cut in half.
    - `prose`: the reply text becomes chatty prose with no file blocks (`PROSE`).
    """

    kind: FaultKind
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    after_tokens: int = 0
    times: int = 1

    def __post_init__(self) -> None:
        if self.kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {get_args(FaultKind)}")
        if self.kind == "status" and not 400 <= self.status <= 599:
            raise ValueError(f"a status fault needs a 4xx/5xx status, not {self.status}")
        if self.retry_after is not None and not (math.isfinite(self.retry_after) and self.retry_after >= 0):
            raise ValueError(f"retry_after must be a finite number of seconds >= 0, not {self.retry_after}")
        if not (math.isfinite(self.delay) and self.delay >= 0):
            raise ValueError(f"delay must be a finite number of seconds >= 0, not {self.delay}")
        if self.after_tokens < 0 or self.times < 0:
            raise ValueError("after_tokens and times must be >= 0")


@dataclass(frozen=True)
class Reply:
    """A completion's text (see `autocrea.testing.text` for how it is tokenised) and its faults."""

    text: str
    faults: tuple[Fault, ...] = ()

    def fault(self, served: int) -> Fault | None:
        """The fault for the `served`-th request (from 0) drawing this reply; None once all are spent."""
        for fault in self.faults:
            if served < fault.times:
                return fault
            served -= fault.times
        return None


@dataclass(frozen=True)
class Draw:
    """What one request gets: the scripted reply and the fault applied to it, if any."""

    reply: Reply
    fault: Fault | None

    @property
    def text(self) -> str:
        return PROSE if self.fault is not None and self.fault.kind == "prose" else self.reply.text


class _Track:
    """One role's position in its sequence of replies."""

    def __init__(self, replies: tuple[Reply, ...]) -> None:
        self._replies = replies
        self._index = 0
        self._faulted = 0

    def draw(self) -> Draw:
        reply = self._replies[self._index]
        fault = reply.fault(self._faulted)
        if fault is not None:
            self._faulted += 1
        elif self._index < len(self._replies) - 1:
            self._index += 1
            self._faulted = 0
        return Draw(reply, fault)


class ModelScript:
    """Replies per role. A request's role is read from the first line of its system prompt,
    `AUTOCREA role: <name>` (OpenAI/HF chat: the system message; Anthropic: the `system` param;
    TGI text-generation: anywhere in `inputs`). Unknown role -> the `default` reply.
    A Sequence of replies is consumed in order per role (the last one repeats)."""

    def __init__(
        self,
        replies: Mapping[str, Reply | Sequence[Reply]] | None = None,
        *,
        default: Reply | None = None,
    ) -> None:
        self._tracks = {role: _Track(_as_replies(role, given)) for role, given in (replies or {}).items()}
        self._default = _Track((default,)) if default is not None else None
        self._lock = threading.Lock()

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self._tracks)

    def take(self, role: str | None) -> Draw | None:
        """The next reply for `role` (the default for an unknown role); None when there is none."""
        track = self._tracks.get(role, self._default) if role is not None else self._default
        if track is None:
            return None
        with self._lock:
            return track.draw()


def _as_replies(role: str, given: Reply | Sequence[Reply]) -> tuple[Reply, ...]:
    replies = (given,) if isinstance(given, Reply) else tuple(given)
    if not replies or not all(isinstance(reply, Reply) for reply in replies):
        raise ValueError(f"role {role!r} needs a Reply or a non-empty sequence of Reply")
    return replies
