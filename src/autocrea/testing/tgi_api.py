"""Hugging Face text generation: TGI's `/generate` and `/generate_stream`, and the `/` route.

Requests are `{"inputs": str, "parameters": {...}, "stream": bool}`. `/generate` answers
`{"generated_text"}`, `/` the classic Inference API list `[{"generated_text"}]` (or the stream when
`stream` is true, as TGI does), `/generate_stream` TGI's SSE: `data:{"index", "token": {"id", "text",
"logprob", "special"}, "generated_text": null, "details": null}` per token, the last event carrying
the full `generated_text` and `details`. Errors are `{"error": str, "error_type": str}`.
TGI's OpenAI-compatible `/v1/chat/completions` is served by `openai_api`.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any, Literal

from autocrea.testing.completion import Completion, int_field
from autocrea.testing.delivery import Body, Frame, Stream
from autocrea.testing.request import ApiName
from autocrea.testing.text import role_anywhere

_ERROR_TYPES = {
    400: "validation",
    413: "validation",
    422: "validation",
    424: "generation",
    429: "overloaded",
    500: "generation",
    503: "overloaded",
    529: "overloaded",
}

Shape = Literal["list", "object", "stream"]


class TextGeneration:
    api: ApiName = "tgi"

    def __init__(self, shape: Shape) -> None:
        self._shape = shape

    def invalid(self, request: Mapping[str, Any]) -> tuple[int, str] | None:
        if not isinstance(request.get("inputs"), str):
            return 422, "Failed to deserialize the JSON body into the target type: missing field `inputs`"
        return None

    def role(self, request: Mapping[str, Any]) -> str | None:
        return role_anywhere(self.prompt(request))

    def prompt(self, request: Mapping[str, Any]) -> str:
        inputs = request.get("inputs")
        return inputs if isinstance(inputs, str) else ""

    def limit(self, request: Mapping[str, Any]) -> int | None:
        return int_field(_parameters(request), "max_new_tokens")

    def streams(self, request: Mapping[str, Any]) -> bool:
        return self._shape == "stream" or (self._shape == "list" and request.get("stream") is True)

    def body(self, request: Mapping[str, Any], completion: Completion) -> Body:
        parameters = _parameters(request)
        answer: dict[str, Any] = {"generated_text": _generated(request, completion)}
        if parameters.get("details") is True:
            answer["details"] = {**_details(completion), "prefill": [], "tokens": []}
        payload = [answer] if self._shape == "list" else answer
        return Body(payload, completion.text, completion.tokens)

    def stream(self, request: Mapping[str, Any], completion: Completion) -> Stream:
        tokens = completion.tokens or ("",)
        frames = []
        for i, text in enumerate(tokens):
            last = i == len(tokens) - 1
            event = {
                "index": i + 1,
                "token": {"id": _token_id(text), "text": text, "logprob": -0.25, "special": not text},
                "generated_text": _generated(request, completion) if last else None,
                "details": _details(completion) if last else None,
                "top_tokens": None,
            }
            frames.append(Frame(json.dumps(event), at=i, final=last))
        return Stream(tuple(frames), data_prefix="data:")

    def error(self, status: int, message: str) -> Any:
        kind = _ERROR_TYPES.get(status)
        return {"error": message} if kind is None else {"error": message, "error_type": kind}


def _parameters(request: Mapping[str, Any]) -> Mapping[str, Any]:
    parameters = request.get("parameters")
    return parameters if isinstance(parameters, dict) else {}


def _generated(request: Mapping[str, Any], completion: Completion) -> str:
    full = _parameters(request).get("return_full_text") is True
    inputs = request.get("inputs")
    return (inputs if full and isinstance(inputs, str) else "") + completion.text


def _details(completion: Completion) -> dict[str, Any]:
    return {
        "finish_reason": "eos_token" if completion.finished else "length",
        "generated_tokens": len(completion.tokens),
        "seed": None,
    }


def _token_id(text: str) -> int:
    return zlib.crc32(text.encode()) % 32000 if text else 2
