"""Anthropic's Messages API: `POST /v1/messages`, plain JSON or SSE with named events.

The stream is message_start (with usage.input_tokens), content_block_start, ping, one
content_block_delta (text_delta) per token, content_block_stop, message_delta (stop_reason,
usage.output_tokens) and message_stop. Errors are `{"type": "error", "error": {"type", "message"}}`.
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
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class Messages:
    api: ApiName = "anthropic"

    def invalid(self, request: Mapping[str, Any]) -> tuple[int, str] | None:
        for field in ("model", "max_tokens", "messages"):
            if field not in request:
                return 400, f"{field}: Field required"
        return None

    def role(self, request: Mapping[str, Any]) -> str | None:
        return role_in_system(text_of(request.get("system")))

    def prompt(self, request: Mapping[str, Any]) -> str:
        messages = request.get("messages")
        texts = [text_of(request.get("system"))]
        if isinstance(messages, list):
            texts += [text_of(m.get("content")) for m in messages if isinstance(m, dict)]
        return "\n".join(texts)

    def limit(self, request: Mapping[str, Any]) -> int | None:
        return int_field(request, "max_tokens")

    def streams(self, request: Mapping[str, Any]) -> bool:
        return request.get("stream") is True

    def body(self, request: Mapping[str, Any], completion: Completion) -> Body:
        payload = {
            **_message(completion),
            "content": [{"type": "text", "text": completion.text}],
            "stop_reason": _stop_reason(completion),
            "usage": _usage(completion, len(completion.tokens)),
        }
        return Body(payload, completion.text, completion.tokens)

    def stream(self, request: Mapping[str, Any], completion: Completion) -> Stream:
        def frame(event: str, data: dict[str, Any], *, at: int | None = None, final: bool = False) -> Frame:
            return Frame(json.dumps({"type": event, **data}), event=event, at=at, final=final)

        start = {**_message(completion), "content": [], "stop_reason": None, "usage": _usage(completion, 1)}
        frames = [
            frame("message_start", {"message": start}),
            frame("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
            frame("ping", {}),
        ]
        frames += [
            frame("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": token}}, at=i)
            for i, token in enumerate(completion.tokens)
        ]
        delta = {
            "delta": {"stop_reason": _stop_reason(completion), "stop_sequence": None},
            "usage": {"output_tokens": len(completion.tokens)},
        }
        frames += [
            frame("content_block_stop", {"index": 0}, final=True),
            frame("message_delta", delta, final=True),
            frame("message_stop", {}, final=True),
        ]
        return Stream(tuple(frames))

    def error(self, status: int, message: str) -> Any:
        fallback = "api_error" if status >= 500 else "invalid_request_error"
        return {"type": "error", "error": {"type": _ERROR_TYPES.get(status, fallback), "message": message}}


def models() -> dict[str, Any]:
    """`GET /v1/models` as Anthropic answers it (the request carries `anthropic-version`)."""
    model = {
        "type": "model",
        "id": "autocrea-fake",
        "display_name": "AUTOCREA fake",
        "created_at": "2025-01-01T00:00:00Z",
    }
    return {"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]}


def _message(completion: Completion) -> dict[str, Any]:
    return {
        "id": f"msg_fake{completion.id}",
        "type": "message",
        "role": "assistant",
        "model": completion.model,
        "stop_sequence": None,
    }


def _stop_reason(completion: Completion) -> str:
    return "end_turn" if completion.finished else "max_tokens"


def _usage(completion: Completion, output_tokens: int) -> dict[str, int]:
    return {
        "input_tokens": completion.prompt_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
