"""Helpers for the provider tests: a deterministic clock, credentials for a fake server, a chain."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import SecretStr

from autocrea.providers.protocol import ChatMessage, Chunk, Completion
from autocrea.providers.resilience import ResilientModel, RetryPolicy
from autocrea.providers.select import Credentials, build_model, parse_fallbacks, parse_model

KEY = "test-key-1234"
TEXT = "def add(a, b):\n    return a + b\n"


@dataclass
class TickClock:
    """Each reading is one second after the last; sleeps are recorded and advance it, never wait."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        self.now += 1.0
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def closed_port_url() -> str:
    """An address where nothing listens: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def credentials(url: str, *, key: str = KEY, **overrides: object) -> Credentials:
    values: dict[str, object] = {
        "joxcoder_api_url": url,
        "joxcoder_api_key": SecretStr(key),
        "openai_api_key": SecretStr(key),
        "openai_base_url": url + "/v1",
        "anthropic_api_key": SecretStr(key),
        "anthropic_base_url": url,
        **overrides,
    }
    return Credentials(**values)  # type: ignore[arg-type]


def model(
    spec: str,
    creds: Credentials,
    clock: TickClock,
    *,
    retries: int = 2,
    fallbacks: str = "",
) -> ResilientModel:
    return build_model(
        parse_model(spec),
        fallbacks=parse_fallbacks(fallbacks),
        credentials=creds,
        policy=RetryPolicy(max_retries=retries, base_delay=0.5, max_delay=4.0, max_total_seconds=600.0),
        timeout_seconds=10.0,
        sleep=clock.sleep,
        clock=clock,
        rand=lambda: 1.0,  # the top of each jitter window, so waits are predictable
    )


async def ask(
    chain: ResilientModel,
    *,
    role: str = "backend",
    max_tokens: int = 512,
    content: str = "Build the add function.",
    chunks: list[Chunk] | None = None,
) -> Completion:
    messages: Sequence[ChatMessage] = [
        ChatMessage("system", "You write Python."),
        ChatMessage("user", content),
    ]
    try:
        return await chain.complete(
            messages,
            role=role,
            max_tokens=max_tokens,
            temperature=0.2,
            on_chunk=None if chunks is None else chunks.append,
        )
    finally:
        await chain.aclose()
