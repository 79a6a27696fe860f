"""Sending a reply on the latency schedule, with its fault: streams (SSE) and plain JSON bodies.

A stream is a list of frames. Frames before the first token go out at once, each token's frame
at its deadline, the closing frames right after the last token. `truncate` stops before the frame
of token `after_tokens` or the first closing frame, whichever comes first, and drops the
connection; `malformed` sends that same frame with its JSON cut in half, then carries on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from autocrea.testing import asgi
from autocrea.testing.latency import Pacer
from autocrea.testing.script import Fault


@dataclass(frozen=True)
class Frame:
    payload: str  # the SSE data: JSON text, or a sentinel such as "[DONE]"
    event: str | None = None  # the SSE event name (Anthropic names every event)
    at: int | None = None  # the token whose deadline this frame waits for
    final: bool = False  # a closing frame: never sent by a truncated stream


@dataclass(frozen=True)
class Stream:
    frames: tuple[Frame, ...]
    data_prefix: str = "data: "  # TGI writes "data:" with no space

    def encode(self, frame: Frame, *, malformed: bool = False) -> bytes:
        payload = frame.payload[: len(frame.payload) // 2] if malformed else frame.payload
        event = f"event: {frame.event}\n" if frame.event else ""
        return f"{event}{self.data_prefix}{payload}\n\n".encode()


@dataclass(frozen=True)
class Body:
    payload: Any  # the JSON response
    text: str  # the reply text inside it (to cut a truncated body after N tokens)
    tokens: tuple[str, ...]


def fault_point(stream: Stream, after_tokens: int) -> int:
    """The index of the frame a truncate/malformed fault acts on."""
    for index, frame in enumerate(stream.frames):
        if frame.final or (frame.at is not None and frame.at >= after_tokens):
            return index
    return len(stream.frames) - 1


async def send_stream(
    send: asgi.Send, stream: Stream, *, pacer: Pacer, departure: asgi.Departure, fault: Fault | None
) -> bool:
    """Stream the frames; True when the whole stream was delivered intact."""
    point = fault_point(stream, fault.after_tokens) if fault is not None else -1
    cut = point if fault is not None and fault.kind == "truncate" else -1
    broken = point if fault is not None and fault.kind == "malformed" else -1
    await asgi.start(send, 200, content_type=asgi.SSE_TYPE, headers={"cache-control": "no-cache"})
    for index, frame in enumerate(stream.frames):
        if index == cut:
            raise asgi.ConnectionCut("stream truncated on purpose")
        if frame.at is not None:
            await pacer.wait(frame.at)
            if departure.gone:
                return False
        await asgi.chunk(send, stream.encode(frame, malformed=index == broken))
        if frame.at is not None:
            pacer.mark()
    await asgi.chunk(send, b"", more=False)
    return broken < 0


async def send_body(
    send: asgi.Send, body: Body, *, pacer: Pacer, departure: asgi.Departure, fault: Fault | None
) -> bool:
    """Send the JSON body at the last token's deadline; True when it went out intact."""
    await pacer.wait(max(len(body.tokens) - 1, 0))
    if departure.gone:
        return False
    data = json.dumps(body.payload).encode()
    kind = fault.kind if fault is not None else None
    if kind == "malformed":
        data = data[: len(data) // 2]
    await asgi.start(send, 200, content_type=asgi.JSON_TYPE, length=len(data))
    if kind == "truncate" and fault is not None:
        await asgi.chunk(send, data[: _cut(data, body, fault.after_tokens)])
        pacer.mark()
        raise asgi.ConnectionCut(f"body truncated after {fault.after_tokens} tokens")
    await asgi.chunk(send, data, more=False)
    pacer.mark()
    return kind != "malformed"


def _cut(data: bytes, body: Body, after_tokens: int) -> int:
    """Where the body's bytes end once its text holds only the first `after_tokens` tokens."""
    whole = json.dumps(body.text)[:-1].encode()
    start = data.find(whole) if body.text else -1
    if start < 0:
        return len(data) // 2
    prefix = json.dumps("".join(body.tokens[:after_tokens]))[:-1].encode()
    return start + len(prefix)
