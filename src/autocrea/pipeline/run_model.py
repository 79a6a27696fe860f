"""The run's model as its roles use it: a deadline per answer, and dropped at its first unusable one.

Three ways a model request can end besides a usable answer:

- **the configuration is wrong** (a rejected key, a spend limit, nothing at the address, no such
  model: `classify.CONFIGURATION`). Nothing else can succeed, so the run fails at once with the
  provider's message, which names the setting to fix; every other role's request is stopped too.
- **the answer cannot be used** (not in the format after the allowed re-asks, empty, cut off,
  unreadable, a server that keeps failing) or **no usable answer came within `answer_seconds`**
  (retries and re-asks included). The model is *dropped for the whole run*: requests of other roles
  still in flight are stopped and no role asks it again; the Blueprint does the rest, and the run
  says "built offline: <model> failed (<reason>)". With `fallback` off the run fails instead.

Why for the whole run and not per role: the roles share one model, one endpoint and one prompt
style, so a model that cannot keep the format (or answers too slowly) for one role does the same
for the next — measured on a small llama.cpp model, every role failed alike. Dropping it per role
would add a deadline per phase (architect, builders, each repair round) to what a bad model costs;
dropped per run, it costs at most one `answer_seconds` before the run falls back. And once the run
is built offline and charged the offline price, more model work would be neither paid nor honest
to label.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

from autocrea.errors import AutocreaError, ModelFailed, ProviderError
from autocrea.pipeline.logline import LogLine
from autocrea.providers.catalog import ModelCapabilities
from autocrea.providers.classify import configuration_failure
from autocrea.providers.protocol import ChatMessage, Clock, Completion, OnChunk, Usage
from autocrea.providers.resilience import ResilientModel

DEFAULT_ANSWER_SECONDS = 60.0

DropReason = Literal["format", "empty", "slow", "broken", "unavailable", "rejected", "broke_app"]

# Each reason in words, for the run's label and logs (the UI words them itself: js.why.*).
REASONS: dict[DropReason, str] = {
    "format": "its answers were not in the required format",
    "empty": "its answers were empty",
    "slow": "no usable answer in time",
    "broken": "its answers broke off or could not be read",
    "unavailable": "its server kept failing",
    "rejected": "its server refused the requests",
    "broke_app": "its changes broke the app",
}

_BY_FAILURE: dict[str, DropReason] = {
    "empty_output": "empty",
    "timeout": "slow",
    "cut_off": "broken",
    "malformed": "broken",
    "hostile_output": "broken",
    "output_too_large": "broken",
    "disconnected": "broken",
    "rate_limited": "unavailable",
    "overloaded": "unavailable",
    "server_error": "unavailable",
    "all_failed": "unavailable",
    "bad_request": "rejected",
    "too_large": "rejected",
    "secret_in_prompt": "rejected",
}


def _spec(provider: str, model: str) -> str:
    """`openai:gpt-4o-mini`, or `joxcoder` alone: how a run names its model (ModelChoice's form)."""
    return provider if provider == model else f"{provider}:{model}"


def _retrieved(task: asyncio.Task[Completion]) -> None:
    """Mark a request's outcome as seen (one stopped mid-way may end in an error nobody awaits)."""
    if not task.cancelled():
        task.exception()


def reason_for(err: ProviderError) -> DropReason:
    return _BY_FAILURE.get(err.failure, "unavailable")


@dataclass(frozen=True)
class Drop:
    """Why the model was dropped: the role whose answer it was, the reason, and the details."""

    role: str
    reason: DropReason
    detail: str


def offline_label(model: str, drop: Drop) -> str:
    """What a run built by the Blueprint after `model` failed is called (the project's model too)."""
    return f"built offline: {model} failed ({REASONS[drop.reason]})"


class ModelDropped(Exception):
    """The run's model is gone (dropped now or earlier): do this part offline."""

    def __init__(self, drop: Drop) -> None:
        super().__init__(drop.detail)
        self.drop = drop


class RunModel:
    """One run's use of its model chain. Safe to share between the run's concurrent roles."""

    def __init__(
        self,
        model: ResilientModel,
        *,
        label: str | None = None,
        answer_seconds: float = DEFAULT_ANSWER_SECONDS,
        fallback: bool = True,
        clock: Clock = time.monotonic,
        on_usage: Callable[[str, Usage], None] | None = None,
    ) -> None:
        if answer_seconds <= 0:
            raise ValueError("answer_seconds must be positive")
        self.model = model
        self.label = label or _spec(model.name, model.model)
        self.answer_seconds = answer_seconds
        self.fallback = fallback
        self.dropped: Drop | None = None
        self.failure: AutocreaError | None = None  # what ends the run: configuration, or no fallback
        self.used_by: list[str] = []  # roles that got a usable answer from the model
        self.answered_by: list[str] = []  # provider:model of every usable answer (a chain may differ)
        self._clock = clock
        # Told of every answer as it comes, usable or not: what a run paid for is counted even when
        # the role then fails (a re-asked spec, a model dropped with no fallback).
        self._on_usage = on_usage
        self._gone = asyncio.Event()
        self._told = False

    @property
    def capabilities(self) -> ModelCapabilities:
        return self.model.capabilities

    def deadline(self) -> float:
        """When a request (or a role's series of re-asks) started now must have its usable answer."""
        return self._clock() + self.answer_seconds

    def check(self) -> None:
        """Raise what stops any further request: the run's failure, or ModelDropped."""
        if self.failure is not None or self.dropped is not None:
            self._stop()

    def _stop(self) -> NoReturn:
        if self.failure is not None:
            raise copy.copy(self.failure)  # each role raises its own instance
        assert self.dropped is not None  # _stop is called once one of the two is set
        raise ModelDropped(self.dropped)

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        role: str,
        max_tokens: int,
        temperature: float,
        on_chunk: OnChunk | None = None,
        until: float | None = None,
    ) -> Completion:
        """The answer, by `until` (default: `answer_seconds` from now). A provider error or the
        deadline drops the model (ModelDropped) or, for a configuration error, fails the run."""
        self.check()
        until = self.deadline() if until is None else until
        answer = asyncio.create_task(
            self.model.complete(
                messages, role=role, max_tokens=max_tokens, temperature=temperature, on_chunk=on_chunk
            )
        )
        answer.add_done_callback(_retrieved)
        gone = asyncio.create_task(self._gone.wait())
        try:
            await asyncio.wait(
                {answer, gone}, timeout=max(0.0, until - self._clock()), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            gone.cancel()
            if not answer.done():
                answer.cancel()  # hangs up on the server; a cancel of this task still propagates
                await asyncio.wait({answer})
        if answer.done() and not answer.cancelled():
            error = answer.exception()
            if error is None:
                completion = answer.result()
                if self._on_usage is not None:
                    self._on_usage(role, completion.usage)
                self.answered_by.append(_spec(completion.usage.provider, completion.usage.model))
                return completion
            if isinstance(error, ProviderError):
                self._failed(role, error)
            raise error
        self.check()  # another role dropped it, or the run failed, while this one waited
        self.drop(role, "slow", f"no usable answer within {self.answer_seconds:.0f} s")

    def _failed(self, role: str, error: ProviderError) -> NoReturn:
        if configuration_failure(error) is not None:
            if self.failure is None:
                self.failure = error
                self._gone.set()
            raise error
        self.drop(role, reason_for(error), error.message)

    def drop(self, role: str, reason: DropReason, detail: str) -> NoReturn:
        """Drop the model for the rest of the run (the first drop's reason stays), then raise."""
        if self.dropped is None and self.failure is None:
            self.dropped = Drop(role, reason, detail[:500])
            if not self.fallback:
                self.failure = ModelFailed(
                    f"{self.label} failed: {REASONS[reason]} ({detail[:300]}); this run was set not to "
                    "fall back to the Blueprint, so it stopped",
                    details={"model": self.label, "role": role, "reason": reason},
                )
            self._gone.set()
        self._stop()

    def tell(self, gone: ModelDropped, *, log: LogLine, instead: str) -> None:
        """Log why this step goes on without the model: the drop itself in the first step to see it,
        a short note in every other. `instead` says what the step does now ("designing offline")."""
        drop = gone.drop
        if not self._told:
            self._told = True
            log(
                f"{self.label} failed ({REASONS[drop.reason]}: {drop.detail}); it is dropped for the rest "
                f"of the run and the Blueprint does the work: {instead}",
                key="model_dropped",
                params={"model": self.label, "why": drop.reason, "detail": drop.detail},
            )
        else:
            log(
                f"{self.label} was dropped earlier in this run ({REASONS[drop.reason]}): {instead}",
                key="model_gone",
                params={"model": self.label, "why": drop.reason},
            )

    def used(self, role: str) -> None:
        """`role` used a usable answer of the model."""
        if role not in self.used_by:
            self.used_by.append(role)

    def report(self) -> dict[str, Any]:
        """What the run's summary says about its model."""
        answered = list(dict.fromkeys(self.answered_by))
        built_by = "blueprint" if self.dropped is not None else ", ".join(answered) or self.label
        return {
            "chosen": self.label,
            "built_by": built_by,
            "label": offline_label(self.label, self.dropped) if self.dropped is not None else built_by,
            "fell_back": self.dropped is not None,
            "failed": None
            if self.dropped is None
            else {"role": self.dropped.role, "reason": self.dropped.reason, "detail": self.dropped.detail},
            "used_by": list(self.used_by),
            "fallback": self.fallback,
        }

    async def aclose(self) -> None:
        await self.model.aclose()


def blueprint_report() -> dict[str, Any]:
    """The summary's model part for a run with no model."""
    return {
        "chosen": "blueprint",
        "built_by": "blueprint",
        "label": "blueprint",
        "fell_back": False,
        "failed": None,
        "used_by": [],
        "fallback": True,
    }
