"""OpenAI, and every OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp server, TGI /v1)."""

from __future__ import annotations

import functools
import json
import ssl
import time
from collections.abc import Callable, Sequence

import certifi
import openai
from openai.types.chat import ChatCompletionMessageParam

from autocrea.errors import ProviderError
from autocrea.providers.catalog import ModelCapabilities
from autocrea.providers.classify import LABELS, Target, failure, raise_classified
from autocrea.providers.protocol import (
    SHAPE_ERRORS,
    ChatMessage,
    ChatRequest,
    Clock,
    Completion,
    StreamMeter,
    read_chat_event,
    sse_data,
)

# Local servers need no key, but the SDK insists on one; this placeholder is not a secret.
NO_KEY = "no-key"


def to_openai_messages(messages: Sequence[ChatMessage]) -> list[ChatCompletionMessageParam]:
    out: list[ChatCompletionMessageParam] = []
    for m in messages:
        if m.role == "system":
            out.append({"role": "system", "content": m.content})
        elif m.role == "user":
            out.append({"role": "user", "content": m.content})
        else:
            out.append({"role": "assistant", "content": m.content})
    return out


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle costs ~50 ms of CPU per client."""
    return ssl.create_default_context(cafile=certifi.where())


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        capabilities: ModelCapabilities,
        api_key: str | None,
        base_url: str | None,
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
        if not api_key and not base_url:
            raise failure("missing_key", target=self.target)
        self._clock = clock
        # max_retries=0: resilience.py retries, with our table and jitter.
        self._client = openai.AsyncOpenAI(
            api_key=api_key or NO_KEY,
            base_url=base_url or LABELS["openai"].default_url,
            max_retries=0,
            timeout=openai.Timeout(timeout, connect=min(10.0, timeout)),
            http_client=openai.DefaultAsyncHttpxClient(verify=shared_tls_context()),
        )

    def __repr__(self) -> str:
        return f"OpenAIProvider(model={self.model!r}, base_url={self.target.base_url!r})"

    async def complete(self, request: ChatRequest, *, on_text: Callable[[str], None]) -> Completion:
        meter = StreamMeter(self._clock, on_text)
        finish: str | None = None
        prompt_tokens: int | None = None
        completion_tokens: int | None = None
        try:
            # The raw event stream, parsed here: the SDK builds a typed object per token, which costs
            # ~0.5 ms of CPU each and dominates a worker running many streams at once.
            async with self._client.chat.completions.with_streaming_response.create(
                model=self.model,
                messages=to_openai_messages(request.messages),
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                stream=True,
                stream_options={"include_usage": True},
            ) as response:
                async for line in response.iter_lines():
                    data = sse_data(line)
                    if data is None:
                        continue
                    if data == "[DONE]":
                        break
                    try:
                        text, reason, counts = read_chat_event(json.loads(data))
                    except SHAPE_ERRORS:
                        raise failure("malformed", target=self.target) from None
                    if counts is not None:
                        prompt_tokens, completion_tokens = counts
                    meter.add(text)
                    finish = reason or finish
        except ProviderError:
            raise
        except Exception as exc:
            raise_classified(exc, target=self.target, mid_stream=bool(meter.parts))
        if finish is None:  # the stream ended without saying why: it was cut
            raise failure("cut_off", target=self.target)
        return meter.completion(
            provider=self.name,
            model=self.model,
            prompt=request.messages,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            truncated=finish == "length",
        )

    async def aclose(self) -> None:
        await self._client.close()
