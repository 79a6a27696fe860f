"""The few ASGI moves the fake model servers make: read a body, answer, stream, drop the line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream; charset=utf-8"


class ConnectionCut(Exception):
    """Raised out of the app to make the server drop a connection mid-response, on purpose."""


class _QuietCuts(logging.Filter):
    """Keeps uvicorn from logging our deliberate cuts as application errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionCut))


_QUIET_CUTS = _QuietCuts()


def quiet_deliberate_cuts() -> None:
    """Install the filter (idempotent: a logger holds a filter once)."""
    logging.getLogger("uvicorn.error").addFilter(_QUIET_CUTS)


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def start(
    send: Send,
    status: int,
    *,
    content_type: str,
    headers: Mapping[str, str] | None = None,
    length: int | None = None,
) -> None:
    fields = {"content-type": content_type, **(headers or {})}
    if length is not None:
        fields["content-length"] = str(length)
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in fields.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})


async def chunk(send: Send, data: bytes, *, more: bool = True) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": more})


async def answer_json(
    send: Send, status: int, payload: Any, *, headers: Mapping[str, str] | None = None
) -> None:
    """A complete JSON response."""
    data = json.dumps(payload).encode()
    await start(send, status, content_type=JSON_TYPE, headers=headers, length=len(data))
    await chunk(send, data, more=False)


class Departure:
    """Notices a client hanging up, so paced waits end early instead of outliving it."""

    def __init__(self, receive: Receive) -> None:
        self._gone = asyncio.Event()
        self._task = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self._gone.set()

    @property
    def gone(self) -> bool:
        return self._gone.is_set()

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds`, or less if the client leaves first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._gone.wait(), seconds)

    def close(self) -> None:
        self._task.cancel()
