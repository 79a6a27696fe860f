"""What a fake model server saw: one record per request, in arrival order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ApiName = Literal["openai", "anthropic", "tgi", "hf-chat"]


@dataclass(frozen=True)
class RecordedRequest:
    api: ApiName  # /v1/chat/completions is "openai" whoever calls it (HF's client too): see `path`
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]  # the parsed JSON body ({} when there was none or it was not an object)
    role: str | None  # from the `AUTOCREA role: <name>` marker
    received_at: float  # time.monotonic() on arrival
