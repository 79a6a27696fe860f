"""OpenAI chat completions as OpenAI, vLLM and TGI's OpenAI-compatible route speak them.

`POST /v1/chat/completions`: a `chat.completion` JSON body, or with `stream: true` SSE
`data: {chat.completion.chunk}` lines ending in `data: [DONE]`; `stream_options.include_usage`
adds the usage chunk (empty `choices`) before [DONE]. `GET /v1/models` lists one model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from autocrea.testing.completion import Completion, int_field
from autocrea.testing.delivery import Body, Frame, Stream
from autocrea.testing.request import ApiName
from autocrea.testing.text import role_in_system, text_of

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


class ChatCompletions:
    api: ApiName = "openai"

    def invalid(self, request: Mapping[str, Any]) -> tuple[int, str] | None:
        if not isinstance(request.get("messages"), list) or not request["messages"]:
            return 400, "Missing required parameter: 'messages'."
        if not isinstance(request.get("model"), str):
            return 400, "you must provide a model parameter"
        return None

    def role(self, request: Mapping[str, Any]) -> str | None:
        for message in _messages(request):
            if message.get("role") in ("system", "developer"):
                return role_in_system(text_of(message.get("content")))
        return None

    def prompt(self, request: Mapping[str, Any]) -> str:
        return "\n".join(text_of(message.get("content")) for message in _messages(request))

    def limit(self, request: Mapping[str, Any]) -> int | None:
        return int_field(request, "max_completion_tokens", "max_tokens")

    def streams(self, request: Mapping[str, Any]) -> bool:
        return request.get("stream") is True

    def body(self, request: Mapping[str, Any], completion: Completion) -> Body:
        payload = {
            **_envelope(completion, "chat.completion"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": completion.text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": _finish(completion),
                }
            ],
            "usage": _usage(completion),
        }
        return Body(payload, completion.text, completion.tokens)

    def stream(self, request: Mapping[str, Any], completion: Completion) -> Stream:
        options = request.get("stream_options")
        with_usage = isinstance(options, dict) and options.get("include_usage") is True
        extra = {"usage": None} if with_usage else {}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return json.dumps(
                {**_envelope(completion, "chat.completion.chunk"), "choices": [choice], **extra}
            )

        frames = [Frame(chunk({"role": "assistant", "content": ""}))]
        frames += [Frame(chunk({"content": token}), at=i) for i, token in enumerate(completion.tokens)]
        frames.append(Frame(chunk({}, _finish(completion)), final=True))
        if with_usage:
            usage = {
                **_envelope(completion, "chat.completion.chunk"),
                "choices": [],
                "usage": _usage(completion),
            }
            frames.append(Frame(json.dumps(usage), final=True))
        frames.append(Frame("[DONE]", final=True))
        return Stream(tuple(frames))

    def error(self, status: int, message: str) -> Any:
        kind, code = _ERROR_TYPES.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", None)
        )
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def models() -> dict[str, Any]:
    """`GET /v1/models`."""
    return {
        "object": "list",
        "data": [{"id": "autocrea-fake", "object": "model", "created": 0, "owned_by": "autocrea"}],
    }


def _messages(request: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = request.get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _envelope(completion: Completion, kind: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-fake{completion.id}",
        "object": kind,
        "created": completion.created,
        "model": completion.model,
        "system_fingerprint": None,
    }


def _finish(completion: Completion) -> str:
    return "stop" if completion.finished else "length"


def _usage(completion: Completion) -> dict[str, int]:
    generated = len(completion.tokens)
    return {
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": generated,
        "total_tokens": completion.prompt_tokens + generated,
    }
