"""Tiny apps the sandbox tests serve."""

from __future__ import annotations

# An ASGI app with no dependencies: uvicorn serves it from the runtime; it answers "hello".
HELLO = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})
"""
