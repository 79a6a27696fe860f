"""Anthropic's Messages API through the `anthropic` SDK."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import anthropic
from anthropic.types import AssistantMessageParam, UserMessageParam

from autocrea.errors import ProviderError
from autocrea.providers.catalog import ModelCapabilities
from autocrea.providers.classify import LABELS, Target, failure, raise_classified
from autocrea.providers.protocol import SHAPE_ERRORS, ChatMessage, ChatRequest, Clock, Completion, StreamMeter


def to_anthropic(
    messages: Sequence[ChatMessage],
) -> tuple[str, list[UserMessageParam | AssistantMessageParam]]:
    """The system text apart, and turns that alternate (the API rejects two in a row)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[tuple[str, str]] = []
    for m in messages:
        if m.role == "system":
            continue
        if turns and turns[-1][0] == m.role:
            turns[-1] = (m.role, f"{turns[-1][1]}\n\n{m.content}")
        else:
            turns.append((m.role, m.content))
    if not turns or turns[0][0] != "user":
        turns.insert(0, ("user", "Go on."))
    out: list[UserMessageParam | AssistantMessageParam] = [
        {"role": "user", "content": text} if role == "user" else {"role": "assistant", "content": text}
        for role, text in turns
    ]
    return system, out


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        *,
        model: str,
        capabilities: ModelCapabilities,
        api_key: str | None,
        base_url: str | None = None,
        timeout: float,
        clock: Clock = time.monotonic,
        own_key: bool = False,
    ) -> None:
        self.model = model
        self.capabilities = capabilities
        self.target = Target(
            provider=self.name,
            model=model,
            base_url=base_url,
            secrets=(api_key,) if api_key else (),
            own_key=own_key,
        )
        if not api_key:
            raise failure("missing_key", target=self.target)
        self._clock = clock
        # An explicit key keeps the SDK from reading credentials from the environment or profiles;
        # max_retries=0: resilience.py retries.
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url or LABELS["anthropic"].default_url,
            max_retries=0,
            timeout=anthropic.Timeout(timeout, connect=min(10.0, timeout)),
        )

    def __repr__(self) -> str:
        return f"AnthropicProvider(model={self.model!r})"

    async def complete(self, request: ChatRequest, *, on_text: Callable[[str], None]) -> Completion:
        meter = StreamMeter(self._clock, on_text)
        system, messages = to_anthropic(request.messages)
        stop: str | None = None
        done = False
        prompt_tokens: int | None = None
        completion_tokens: int | None = None
        try:
            stream = await self._client.messages.create(
                model=self.model,
                system=system,
                messages=messages,
                max_tokens=request.max_tokens,
                stream=True,  # no temperature: this SDK's Messages API no longer takes one
            )
            async with stream:
                async for event in stream:
                    piece = ""
                    try:  # events are built unvalidated: a server's odd shapes raise here
                        if event.type == "message_start":
                            prompt_tokens = int(event.message.usage.input_tokens)
                        elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                            piece = event.delta.text
                            if not isinstance(piece, str):
                                raise TypeError("delta text is not text")
                        elif event.type == "message_delta":
                            stop = event.delta.stop_reason or stop
                            completion_tokens = int(event.usage.output_tokens)
                        elif event.type == "message_stop":
                            done = True
                    except SHAPE_ERRORS:
                        raise failure("malformed", target=self.target) from None
                    meter.add(piece)
        except ProviderError:
            raise
        except Exception as exc:
            raise_classified(exc, target=self.target, mid_stream=bool(meter.parts))
        if not done:  # no message_stop: the stream was cut
            raise failure("cut_off", target=self.target)
        return meter.completion(
            provider=self.name,
            model=self.model,
            prompt=request.messages,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            truncated=stop == "max_tokens",
        )

    async def aclose(self) -> None:
        await self._client.close()
