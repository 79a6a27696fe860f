"""A lean Server-Sent Events response: one coroutine writes the stream, one waits for the hang-up.

FastAPI's own EventSourceResponse runs a producer task, a keep-alive task and memory streams per
response; with it an idle run stream held ~64 KiB of Python objects, here ~29 KiB (the generator, a
small watcher task and the bus subscription), so 500 open streams stay cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, Callable
from typing import Any

from fastapi.sse import format_sse_event
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering


def event_bytes(payload: dict[str, Any], *, event: str, id: str, retry: int) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return format_sse_event(data_str=data, event=event, id=id, retry=retry)


def comment_bytes(text: str) -> bytes:
    return format_sse_event(comment=text)


class EventStream(StreamingResponse):
    media_type = "text/event-stream"

    def __init__(
        self,
        chunks: AsyncGenerator[bytes, None],
        *,
        on_hang_up: Callable[[], None],
    ) -> None:
        """`on_hang_up` is called when the client goes away, so the producer stops waiting."""
        super().__init__(chunks, headers=HEADERS)  # a stream: no Content-Length
        self.chunks = chunks
        self.on_hang_up = on_hang_up

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watcher = asyncio.ensure_future(self._watch(receive))
        try:
            await self.stream_response(send)  # Starlette's: start, every chunk, the end
        except OSError:
            return  # the client hung up (ASGI 2.4 servers raise on send)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await self.chunks.aclose()  # the subscription and the open-streams gauge end here

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            continue
        self.on_hang_up()
