"""The one interface every model adapter implements, and the values it passes around."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from autocrea.providers.catalog import ModelCapabilities
from autocrea.providers.classify import Target

Clock = Callable[[], float]

ROLE_LINE = "AUTOCREA role: {role}"


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Usage:
    """What one answer cost. `estimated` when the server did not report token counts."""

    prompt_tokens: int
    completion_tokens: int
    model: str
    provider: str
    seconds: float
    ttft: float | None
    estimated: bool = False


@dataclass(frozen=True)
class Chunk:
    """A piece of streamed text. `attempt` grows when a retry or fallback restarts the answer,
    so a live view can drop what the failed attempt showed."""

    text: str
    provider: str
    attempt: int


OnChunk = Callable[[Chunk], object]  # return value ignored


@dataclass(frozen=True)
class Completion:
    """A whole answer. `truncated` when the model stopped at max_tokens (the text is cut short)."""

    text: str
    usage: Usage
    truncated: bool = False


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    role: str
    max_tokens: int
    temperature: float


class Provider(Protocol):
    """One model behind one API. Adapters make a single attempt: retries, fallbacks and output
    bounds live in resilience.py. Errors are `ProviderError`s classified by classify.py."""

    name: str
    model: str
    capabilities: ModelCapabilities
    target: Target  # what its errors name: provider, model, address, whose key

    async def complete(self, request: ChatRequest, *, on_text: Callable[[str], None]) -> Completion:
        """Stream the answer, calling `on_text` per piece, and return it whole with its usage.
        `on_text` may raise to stop the stream (output bounds do)."""
        ...

    async def aclose(self) -> None: ...


def with_role_line(messages: Sequence[ChatMessage], role: str) -> tuple[ChatMessage, ...]:
    """Make the system message start with `AUTOCREA role: <role>` (servers and logs route by it)."""
    line = ROLE_LINE.format(role=role)
    msgs = tuple(messages)
    if msgs and msgs[0].role == "system":
        if msgs[0].content.startswith(line + "\n") or msgs[0].content == line:
            return msgs
        return (replace(msgs[0], content=f"{line}\n{msgs[0].content}"), *msgs[1:])
    return (ChatMessage("system", line), *msgs)


def estimate_tokens(text: str) -> int:
    """A rough count (≈4 characters a token) for servers that report no usage."""
    return max(1, (len(text) + 3) // 4) if text else 0


class StreamMeter:
    """Collects streamed pieces and times them (total seconds, time to first token)."""

    def __init__(self, clock: Clock, on_text: Callable[[str], None]) -> None:
        self._clock = clock
        self._on_text = on_text
        self.start = clock()
        self.ttft: float | None = None
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        if not text:
            return
        if self.ttft is None:
            self.ttft = self._clock() - self.start
        self.parts.append(text)
        self._on_text(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def usage(
        self,
        *,
        provider: str,
        model: str,
        prompt: Sequence[ChatMessage],
        prompt_tokens: int | None,
        completion_tokens: int | None,
    ) -> Usage:
        """Usage with the server's counts, or estimates (flagged) where it sent none."""
        estimated = prompt_tokens is None or completion_tokens is None
        return Usage(
            prompt_tokens=prompt_tokens
            if prompt_tokens is not None
            else estimate_tokens("".join(m.content for m in prompt)),
            completion_tokens=completion_tokens
            if completion_tokens is not None
            else estimate_tokens(self.text),
            model=model,
            provider=provider,
            seconds=self._clock() - self.start,
            ttft=self.ttft,
            estimated=estimated,
        )

    def completion(
        self,
        *,
        provider: str,
        model: str,
        prompt: Sequence[ChatMessage],
        prompt_tokens: int | None,
        completion_tokens: int | None,
        truncated: bool,
    ) -> Completion:
        """The whole answer with its usage: what every adapter returns at the end of a stream."""
        usage = self.usage(
            provider=provider,
            model=model,
            prompt=prompt,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
        return Completion(text=self.text, usage=usage, truncated=truncated)


SHAPE_ERRORS = (AttributeError, TypeError, ValueError, IndexError)


def read_chat_chunk(chunk: Any) -> tuple[str, str | None, tuple[int, int] | None]:
    """Text, finish reason and (prompt, completion) usage of an OpenAI-style stream chunk.
    SDKs build chunks without validating them, so a server's odd shapes raise SHAPE_ERRORS here."""
    usage = chunk.usage
    counts = (int(usage.prompt_tokens), int(usage.completion_tokens)) if usage is not None else None
    if not chunk.choices:
        return "", None, counts
    choice = chunk.choices[0]
    text = choice.delta.content if choice.delta is not None else None
    if text is not None and not isinstance(text, str):
        raise TypeError("chunk content is not text")
    reason = choice.finish_reason
    return text or "", str(reason) if reason is not None else None, counts


def sse_data(line: str) -> str | None:
    """The payload of an SSE `data:` line; None for comments, event names and blank lines."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


def read_chat_event(event: Any) -> tuple[str, str | None, tuple[int, int] | None]:
    """Text, finish reason and (prompt, completion) usage of one chat.completion.chunk, as JSON.

    A server's odd shapes raise SHAPE_ERRORS; an `error` event (OpenAI sends them mid-stream) is
    raised as the server error it describes.
    """
    if not isinstance(event, dict):
        raise TypeError("stream event is not an object")
    if "error" in event:
        raise ValueError(f"the server sent an error event: {str(event['error'])[:200]}")
    usage = event.get("usage")
    counts = (int(usage["prompt_tokens"]), int(usage["completion_tokens"])) if usage else None
    choices = event.get("choices") or []
    if not choices:
        return "", None, counts
    choice = choices[0]
    text = (choice.get("delta") or {}).get("content")
    if text is not None and not isinstance(text, str):
        raise TypeError("chunk content is not text")
    reason = choice.get("finish_reason")
    return text or "", str(reason) if reason is not None else None, counts
