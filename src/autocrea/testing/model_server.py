"""A local model server the real SDKs talk to over HTTP: OpenAI, Anthropic and HF/TGI in one.

It runs uvicorn on 127.0.0.1 (a free port) in a background thread with its own event loop, so
synchronous and asynchronous tests can use it alike:

    with FakeModelServer(ModelScript({"backend": Reply("...")})) as server:
        client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)

Routes: `POST /v1/chat/completions` (OpenAI, also TGI's OpenAI-compatible route), `GET /v1/models`
(Anthropic's shape when the request has `anthropic-version`), `POST /v1/messages` (Anthropic),
`POST /`, `/generate`, `/generate_stream` (HF Inference / TGI).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType

import uvicorn

from autocrea.testing.app import ModelApp
from autocrea.testing.asgi import quiet_deliberate_cuts
from autocrea.testing.latency import Emission, Latency
from autocrea.testing.request import RecordedRequest
from autocrea.testing.script import Fault, ModelScript, Reply

__all__ = ["Emission", "FakeModelServer", "Fault", "Latency", "ModelScript", "RecordedRequest", "Reply"]

_START_TIMEOUT = 10.0
_SETTLE_TIMEOUT = 10.0  # how long `reset` waits for replies still being sent
_NO_LATENCY = Latency()


class FakeModelServer:
    """`script`, `latency` and `api_key` are read per request: reassign them between requests to
    reuse one running server; `requests` and `emissions` may be cleared likewise."""

    def __init__(
        self, script: ModelScript, *, latency: Latency = _NO_LATENCY, api_key: str | None = None
    ) -> None:
        self.script = script
        self.latency = latency
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.emissions: list[Emission] = []  # per delivered reply: planned vs actual send offsets
        self._app = ModelApp(self)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("FakeModelServer is not running; call start() first")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def reset(
        self, script: ModelScript, *, latency: Latency = _NO_LATENCY, api_key: str | None = None
    ) -> None:
        """Re-script a running server for the next test and clear its logs. It first waits for
        replies still in flight: a reply's emission is logged after its last byte is sent, which
        can be after the client has read that byte and moved on."""
        deadline = time.monotonic() + _SETTLE_TIMEOUT
        while self._app.in_flight and time.monotonic() < deadline:
            time.sleep(0.002)
        self.script, self.latency, self.api_key = script, latency, api_key
        self.requests.clear()
        self.emissions.clear()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("FakeModelServer is already running")
        quiet_deliberate_cuts()
        config = uvicorn.Config(
            self._app,
            loop="asyncio",
            lifespan="off",
            log_config=None,  # leave the process's logging alone
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections (it checks
        # sock.proto); without it every keep-alive request stalls ~40 ms on delayed ACKs.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="fake-model-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("FakeModelServer did not start")
            time.sleep(0.002)

    def stop(self) -> None:
        """Stop serving: streams still running are cut after a short grace period."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> FakeModelServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeModelServer:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)
