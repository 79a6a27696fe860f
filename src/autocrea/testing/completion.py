"""One generated answer, and the protocol each fake API endpoint follows to put it on the wire."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from autocrea.testing.delivery import Body, Stream
from autocrea.testing.request import ApiName
from autocrea.testing.text import prompt_tokens, tokenise

_ids = itertools.count(1)


@dataclass(frozen=True)
class Completion:
    id: int  # unique within the process; each API formats its own id from it
    model: str
    created: int  # unix seconds
    tokens: tuple[str, ...]
    finished: bool  # False when the request's token limit cut the reply short
    prompt_tokens: int

    @property
    def text(self) -> str:
        return "".join(self.tokens)


class Endpoint(Protocol):
    """How one API reads a request and writes a completion or an error."""

    api: ApiName

    def invalid(self, request: Mapping[str, Any]) -> tuple[int, str] | None:
        """The status and message a real server would refuse this request with, if any."""
        ...

    def role(self, request: Mapping[str, Any]) -> str | None: ...

    def prompt(self, request: Mapping[str, Any]) -> str:
        """All prompt text, to estimate its size."""
        ...

    def limit(self, request: Mapping[str, Any]) -> int | None:
        """The request's cap on generated tokens, if it sets one."""
        ...

    def streams(self, request: Mapping[str, Any]) -> bool: ...

    def body(self, request: Mapping[str, Any], completion: Completion) -> Body: ...

    def stream(self, request: Mapping[str, Any], completion: Completion) -> Stream: ...

    def error(self, status: int, message: str) -> Any:
        """The API's own error body for `status`."""
        ...


def complete(endpoint: Endpoint, request: Mapping[str, Any], text: str) -> Completion:
    """The completion of `text` for this request: tokenised, cut at the request's limit."""
    tokens = tokenise(text)
    limit = endpoint.limit(request)
    finished = limit is None or len(tokens) <= limit
    model = request.get("model")
    return Completion(
        id=next(_ids),
        model=model if isinstance(model, str) and model else "autocrea-fake",
        created=int(time.time()),
        tokens=tuple(tokens if finished or limit is None else tokens[:limit]),
        finished=finished,
        prompt_tokens=prompt_tokens(endpoint.prompt(request)),
    )


def int_field(request: Mapping[str, Any], *names: str) -> int | None:
    """The first of `names` holding a non-negative integer (booleans excluded)."""
    for name in names:
        value = request.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None
