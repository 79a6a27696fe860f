"""Per-request plumbing as one ASGI middleware: request id, body size limit, metrics, a JSON log line.

Bodies, headers and cookies are never logged; a log line has the method, the route template (not
the raw path, which may hold ids), the status, the duration, the request id and the user id.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SECRET_KEYS = re.compile(r"pass|token|secret|key|authorization|cookie|csrf", re.IGNORECASE)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "autocrea_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "autocrea_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.runs = Gauge("autocrea_runs", "Runs by status", ["status"], registry=self.registry)
        self.credits_spent = Gauge(
            "autocrea_credits_spent", "Credits spent on finished generations", registry=self.registry
        )
        self.sse_streams = Gauge("autocrea_sse_streams", "Open event streams", registry=self.registry)
        self.credit_mismatches = Gauge(
            "autocrea_credit_mismatches",
            "Accounts whose ledger does not add up (balance = grants - spends - holds); 0 expected",
            registry=self.registry,
        )
        self.ratelimit_fallbacks = Gauge(
            "autocrea_ratelimit_fallbacks",
            "Rate-limit checks this process answered from memory because Redis failed (since start)",
            registry=self.registry,
        )


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: no value under a secret-looking key is ever written."""
    for key in list(event):
        if _SECRET_KEYS.search(key):
            event[key] = "[redacted]"
    return event


def configure_logging(level: str) -> None:
    """JSON lines for our logs and uvicorn's, through structlog."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our own access line has the request id


class RequestPlumbing:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.log = structlog.get_logger("autocrea.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        length = headers.get(b"content-length", b"")
        if length and (not length.isdigit() or int(length) > self.max_body):
            await _reject(send, request_id, self.max_body)
            self._record(scope, 413, started, request_id)
            return
        body_messages: list[Message] = []
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            # Read the body first (bounded), so an over-long chunked body is a clean 413 before any
            # route starts; the app then reads the buffered messages.
            received = 0
            while True:
                message = await receive()
                body_messages.append(message)
                received += len(message.get("body", b""))
                if received > self.max_body:
                    await _reject(send, request_id, self.max_body)
                    self._record(scope, 413, started, request_id)
                    return
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break

        async def replay_receive() -> Message:
            if body_messages:
                return body_messages.pop(0)
            return await receive()

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, replay_receive, tracking_send)
        finally:
            self._record(scope, status, started, request_id)

    def _record(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        seconds = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        self.metrics.requests.labels(scope["method"], route, str(status)).inc()
        self.metrics.latency.labels(route).observe(seconds)
        state = scope.get("state", {})
        self.log.info(
            "request",
            method=scope["method"],
            route=route,
            status=status,
            ms=round(seconds * 1000, 2),
            request_id=request_id,
            user_id=state.get("user_id"),
        )


async def _reject(send: Send, request_id: str, limit: int) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "too_large",
                "message": f"The request body is larger than {limit:,} bytes.",
                "details": {"limit": limit},
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
