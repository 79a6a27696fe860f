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

import time
from typing import Any

from autocrea.testing.app import ModelApp
from autocrea.testing.asgi import quiet_deliberate_cuts
from autocrea.testing.latency import Emission, Latency
from autocrea.testing.request import RecordedRequest
from autocrea.testing.script import Fault, ModelScript, Reply
from autocrea.testing.threaded import ThreadedServer

__all__ = ["Emission", "FakeModelServer", "Fault", "Latency", "ModelScript", "RecordedRequest", "Reply"]

_SETTLE_TIMEOUT = 10.0  # how long `reset` waits for replies still being sent
_NO_LATENCY = Latency()


class FakeModelServer(ThreadedServer):
    """`script`, `latency` and `api_key` are read per request: reassign them between requests to
    reuse one running server; `requests` and `emissions` may be cleared likewise."""

    thread_name = "fake-model-server"

    def __init__(
        self, script: ModelScript, *, latency: Latency = _NO_LATENCY, api_key: str | None = None
    ) -> None:
        self.script = script
        self.latency = latency
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.emissions: list[Emission] = []  # per delivered reply: planned vs actual send offsets
        self._app = ModelApp(self)
        super().__init__()

    def asgi_app(self) -> ModelApp:
        return self._app

    def uvicorn_options(self) -> dict[str, Any]:
        return {"loop": "asyncio", "timeout_graceful_shutdown": 2}  # streams still running are cut

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
        quiet_deliberate_cuts()
        super().start()
