"""JoxCoder on a Hugging Face Inference Endpoint or TGI server, through `huggingface_hub`.

The endpoint's chat API (`/v1/chat/completions`) is used when it has one; an endpoint that answers
404/405 there gets the seed's classic text-generation payload (`inputs` + `parameters`, answer in
`[0].generated_text`) from then on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from huggingface_hub import AsyncInferenceClient, ChatCompletionInputMessage, ChatCompletionInputStreamOptions

from autocrea.errors import ProviderError
from autocrea.providers.catalog import ModelCapabilities
from autocrea.providers.classify import Target, failure, raise_classified
from autocrea.providers.protocol import (
    SHAPE_ERRORS,
    ChatMessage,
    ChatRequest,
    Clock,
    Completion,
    StreamMeter,
    read_chat_chunk,
)

Mode = Literal["auto", "chat", "generate"]


def to_prompt(messages: Sequence[ChatMessage]) -> str:
    """One prompt in the seed's shape: the system text, then `User request:` (and earlier answers)."""
    parts = []
    for m in messages:
        if m.role == "system":
            parts.append(m.content)
        elif m.role == "user":
            parts.append(f"User request:\n{m.content}")
        else:
            parts.append(f"Answer:\n{m.content}")
    return "\n\n".join(parts)


class JoxCoderProvider:
    name = "joxcoder"

    def __init__(
        self,
        *,
        model: str = "joxcoder",
        capabilities: ModelCapabilities,
        api_url: str | None,
        api_key: str | None,
        timeout: float,
        mode: Mode = "auto",
        clock: Clock = time.monotonic,
        own_key: bool = False,
    ) -> None:
        self.model = model
        self.capabilities = capabilities
        self.target = Target(
            provider=self.name,
            model=model,
            base_url=api_url,
            secrets=(api_key,) if api_key else (),
            own_key=own_key,
        )
        if not api_url:
            raise failure("missing_url", target=self.target)
        if not api_key:
            # Without a key huggingface_hub would send the machine's own HF token to this URL.
            raise failure("missing_key", target=self.target)
        self._url, self._key, self._timeout = api_url, api_key, timeout
        self.mode: Mode = mode
        self._clock = clock

    def __repr__(self) -> str:
        return f"JoxCoderProvider(model={self.model!r}, mode={self.mode!r})"

    async def complete(self, request: ChatRequest, *, on_text: Callable[[str], None]) -> Completion:
        meter = StreamMeter(self._clock, on_text)
        # A client per request: a stream left early stays open until its client closes.
        client = AsyncInferenceClient(
            model=self._url, token=self._key, timeout=self._timeout, provider="hf-inference"
        )
        try:
            async with client:
                if self.mode != "generate":
                    try:
                        return await self._chat(client, request, meter)
                    except ProviderError as err:
                        if self.mode == "chat" or err.failure != "not_found" or meter.parts:
                            raise
                        self.mode = "generate"  # no chat API here: remember, use the classic payload
                return await self._generate(client, request, meter)
        except ProviderError:
            raise
        except Exception as exc:
            raise_classified(exc, target=self.target, mid_stream=bool(meter.parts))

    async def _chat(
        self, client: AsyncInferenceClient, request: ChatRequest, meter: StreamMeter
    ) -> Completion:
        finish: str | None = None
        prompt_tokens: int | None = None
        completion_tokens: int | None = None
        try:
            messages: list[dict[Any, Any] | ChatCompletionInputMessage] = [
                {"role": m.role, "content": m.content} for m in request.messages
            ]
            stream = await client.chat_completion(
                messages=messages,
                model=self.model,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                stream=True,
                stream_options=ChatCompletionInputStreamOptions(include_usage=True),
            )
            async for chunk in stream:
                try:
                    text, reason, counts = read_chat_chunk(chunk)
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
        if finish is None:
            raise failure("cut_off", target=self.target)
        return meter.completion(
            provider=self.name,
            model=self.model,
            prompt=request.messages,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            truncated=finish == "length",
        )

    async def _generate(
        self, client: AsyncInferenceClient, request: ChatRequest, meter: StreamMeter
    ) -> Completion:
        sampling = request.temperature > 0  # TGI rejects temperature 0 with sampling on
        output = await client.text_generation(
            to_prompt(request.messages),
            details=True,
            max_new_tokens=request.max_tokens,
            temperature=request.temperature if sampling else None,
            top_p=0.95 if sampling else None,
            do_sample=sampling,
            return_full_text=False,
        )
        if isinstance(output, str):  # servers that are not TGI send no details
            text, details = output, None
        else:
            text, details = output.generated_text, output.details
        meter.add(text)
        truncated = details is not None and details.finish_reason == "length"
        return meter.completion(
            provider=self.name,
            model=self.model,
            prompt=request.messages,
            prompt_tokens=None,
            completion_tokens=details.generated_tokens if details else None,
            truncated=truncated,
        )

    async def aclose(self) -> None:
        """Nothing to close: each request has its own client."""
