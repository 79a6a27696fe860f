"""Retries, the fallback chain and output bounds around single-attempt providers.

Retries use full jitter (a uniform wait up to an exponentially growing cap), wait at least what a
server's `retry-after` asks, and stop at a number of attempts or a total time, whichever comes first.
Only retryable rows of the error table are retried; when a provider gives up, the next configured
one is tried; when none is left the caller gets one typed error.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from autocrea.errors import ProviderError
from autocrea.providers.catalog import ModelCapabilities
from autocrea.providers.classify import MIN_SECRET_CHARS, Target, failure
from autocrea.providers.protocol import (
    ChatMessage,
    ChatRequest,
    Chunk,
    Clock,
    Completion,
    OnChunk,
    Provider,
    with_role_line,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Random = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total_seconds: float = 300.0  # per provider, waits included
    attempt_timeout: float | None = None  # wall-clock deadline of one attempt


def backoff_delay(retry: int, *, policy: RetryPolicy, retry_after: float | None, rand: Random) -> float:
    """Seconds before retry number `retry` (1-based)."""
    jitter = rand() * min(policy.max_delay, policy.base_delay * 2.0 ** (retry - 1))
    return jitter if retry_after is None else max(jitter, retry_after)


def max_chars_for(max_tokens: int) -> int:
    # A token is rarely over 16 characters; a server that ignores max_tokens is cut off here.
    return max(4096, max_tokens * 16)


# C0 controls but tab/newline/CR, DEL, and bidi overrides/isolates (they hide code from reviewers).
_HOSTILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def check_output(text: str, *, target: Target, max_chars: int) -> None:
    """Reject an answer that is empty, over the bound, or carries binary/control characters."""
    if not text.strip():
        raise failure("empty_output", target=target)
    if len(text) > max_chars:
        raise failure("output_too_large", target=target, limit=max_chars)
    if _HOSTILE.search(text):
        raise failure("hostile_output", target=target)


def _target(provider: Provider, secrets: tuple[str, ...]) -> Target:
    return replace(provider.target, secrets=tuple(dict.fromkeys((*provider.target.secrets, *secrets))))


class ResilientModel:
    """A chain of providers (the chosen one, then configured fallbacks) behind one `complete`."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        policy: RetryPolicy,
        secrets: Sequence[str] = (),
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rand: Random = random.random,
    ) -> None:
        if not providers:
            raise ValueError("a model chain needs at least one provider")
        self.providers = tuple(providers)
        self.policy = policy
        # Short values are placeholders ("ollama", "no-key"), not keys: refusing prompts that
        # mention them would block ordinary text.
        self._secrets = tuple(s for s in secrets if len(s) >= MIN_SECRET_CHARS)
        self._sleep, self._clock, self._rand = sleep, clock, rand

    @property
    def name(self) -> str:
        return self.providers[0].name

    @property
    def model(self) -> str:
        return self.providers[0].model

    @property
    def capabilities(self) -> ModelCapabilities:
        return self.providers[0].capabilities

    def __repr__(self) -> str:
        chain = " -> ".join(f"{p.name}:{p.model}" for p in self.providers)
        return f"ResilientModel({chain})"

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        role: str,
        max_tokens: int,
        temperature: float,
        on_chunk: OnChunk | None = None,
    ) -> Completion:
        """The answer of the first provider of the chain that gives a usable one."""
        if max_tokens <= 0 or not 0 <= temperature <= 2:
            raise ValueError("max_tokens must be positive and temperature within 0..2")
        request = ChatRequest(with_role_line(messages, role), role, max_tokens, temperature)
        self._refuse_secrets(request)
        failures: list[ProviderError] = []
        attempts = [0]  # shared across the chain so Chunk.attempt always grows
        for provider in self.providers:
            try:
                return await self._with_retries(provider, request, attempts, on_chunk)
            except ProviderError as err:
                failures.append(err)
                if provider is not self.providers[-1]:
                    log.warning(
                        "model %s:%s failed (%s); trying the next one",
                        provider.name,
                        provider.model,
                        err.failure,
                    )
        if len(failures) == 1:
            raise failures[0]
        summary = "; ".join(err.message for err in failures)
        error = failure("all_failed", target=_target(self.providers[0], self._secrets), summary=summary)
        error.details["failures"] = [
            {"provider": err.provider, "failure": err.failure, "message": err.message} for err in failures
        ]
        raise error

    async def aclose(self) -> None:
        for provider in self.providers:
            await provider.aclose()

    def _refuse_secrets(self, request: ChatRequest) -> None:
        for message in request.messages:
            if any(secret in message.content for secret in self._secrets):
                raise failure("secret_in_prompt", target=_target(self.providers[0], self._secrets))

    async def _with_retries(
        self, provider: Provider, request: ChatRequest, attempts: list[int], on_chunk: OnChunk | None
    ) -> Completion:
        start = self._clock()
        retry = 0
        while True:
            attempts[0] += 1
            try:
                return await self._attempt(provider, request, attempts[0], on_chunk)
            except ProviderError as err:
                retry += 1
                if not err.retryable or retry > self.policy.max_retries:
                    raise
                delay = backoff_delay(retry, policy=self.policy, retry_after=err.retry_after, rand=self._rand)
                if self._clock() - start + delay > self.policy.max_total_seconds:
                    raise
                log.info(
                    "model %s:%s: %s; retry %d in %.1fs",
                    provider.name,
                    provider.model,
                    err.failure,
                    retry,
                    delay,
                )
                await self._sleep(delay)

    async def _attempt(
        self, provider: Provider, request: ChatRequest, attempt: int, on_chunk: OnChunk | None
    ) -> Completion:
        target = _target(provider, self._secrets)
        max_chars = max_chars_for(request.max_tokens)
        size = 0

        def on_text(text: str) -> None:
            nonlocal size
            size += len(text)
            if size > max_chars:  # stop reading a runaway stream at once
                raise failure("output_too_large", target=target, limit=max_chars)
            if on_chunk is not None:
                on_chunk(Chunk(text=text, provider=provider.name, attempt=attempt))

        try:
            async with asyncio.timeout(self.policy.attempt_timeout):
                completion = await provider.complete(request, on_text=on_text)
        except TimeoutError:
            raise failure("timeout", target=target) from None
        check_output(completion.text, target=target, max_chars=max_chars)
        return completion
