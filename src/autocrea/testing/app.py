"""The ASGI app behind `FakeModelServer`: routes, keys, recording, scripted replies and faults."""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

from autocrea.testing import anthropic_api, asgi, openai_api
from autocrea.testing.completion import Endpoint, complete
from autocrea.testing.delivery import send_body, send_stream
from autocrea.testing.latency import Emission, Latency, Pacer
from autocrea.testing.request import ApiName, RecordedRequest
from autocrea.testing.script import Fault, ModelScript
from autocrea.testing.tgi_api import TextGeneration

ROUTES: dict[str, Endpoint] = {
    "/v1/chat/completions": openai_api.ChatCompletions(),
    "/v1/messages": anthropic_api.Messages(),
    "/": TextGeneration("list"),
    "/generate": TextGeneration("object"),
    "/generate_stream": TextGeneration("stream"),
}

_UNAUTHORISED = {
    "openai": "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
    "anthropic": "invalid x-api-key",
    "tgi": "Invalid credentials in Authorization header",
    "hf-chat": "Invalid credentials in Authorization header",
}


class Settings(Protocol):
    """Read on every request, so a running server can be re-scripted between requests."""

    script: ModelScript
    latency: Latency
    api_key: str | None
    requests: list[RecordedRequest]
    emissions: list[Emission]


class ModelApp:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.in_flight = 0  # requests not yet answered in full; read by FakeModelServer.reset

    async def __call__(self, scope: asgi.Scope, receive: asgi.Receive, send: asgi.Send) -> None:
        if scope["type"] != "http":
            return
        self.in_flight += 1
        try:
            await self._answer(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _answer(self, scope: asgi.Scope, receive: asgi.Receive, send: asgi.Send) -> None:
        arrival = time.monotonic()
        path: str = scope["path"]
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        raw = await asgi.read_body(receive)
        if path == "/v1/models":
            await self._models(scope["method"], headers, send, arrival)
            return
        endpoint = ROUTES.get(path)
        if endpoint is None:
            error = openai_api.ChatCompletions().error(404, f"Unknown request URL: {scope['method']} {path}.")
            await asgi.answer_json(send, 404, error)
            return
        request = _parse(raw)
        role = endpoint.role(request) if request is not None else None
        self._settings.requests.append(
            RecordedRequest(endpoint.api, path, headers, request or {}, role, arrival)
        )
        refusal = self._refusal(endpoint, scope["method"], headers, request)
        if refusal is not None:
            await asgi.answer_json(send, refusal[0], endpoint.error(*refusal))
            return
        assert request is not None  # _refusal rejects a missing body
        draw = self._settings.script.take(role)
        if draw is None:
            message = f"AUTOCREA fake server: no reply scripted for role {role!r} and no default reply"
            await asgi.answer_json(send, 400, endpoint.error(400, message))
            return
        if draw.fault is not None and draw.fault.kind == "status":
            await _answer_fault(send, endpoint, draw.fault)
            return
        await self._deliver(endpoint, request, draw.text, draw.fault, path, arrival, receive, send)

    async def _deliver(
        self,
        endpoint: Endpoint,
        request: dict[str, Any],
        text: str,
        fault: Fault | None,
        path: str,
        arrival: float,
        receive: asgi.Receive,
        send: asgi.Send,
    ) -> None:
        completion = complete(endpoint, request, text)
        departure = asgi.Departure(receive)
        delay = fault.delay if fault is not None and fault.kind == "slow_first_token" else 0.0
        pacer = Pacer(arrival=arrival, latency=self._settings.latency, delay=delay, sleep=departure.sleep)
        intact = False
        try:
            if endpoint.streams(request):
                stream = endpoint.stream(request, completion)
                intact = await send_stream(send, stream, pacer=pacer, departure=departure, fault=fault)
            else:
                body = endpoint.body(request, completion)
                intact = await send_body(send, body, pacer=pacer, departure=departure, fault=fault)
        finally:
            departure.close()
            self._settings.emissions.append(pacer.emission(path, complete=intact))

    def _refusal(
        self, endpoint: Endpoint, method: str, headers: dict[str, str], request: dict[str, Any] | None
    ) -> tuple[int, str] | None:
        if method != "POST":
            return 405, f"Method {method} is not allowed here; use POST."
        if not self._authorised(endpoint.api, headers):
            return 401, _UNAUTHORISED[endpoint.api]
        if request is None:
            return 400, "The request body must be a JSON object."
        return endpoint.invalid(request)

    def _authorised(self, api: ApiName, headers: dict[str, str]) -> bool:
        key = self._settings.api_key
        if key is None:
            return True
        bearer = headers.get("authorization") == f"Bearer {key}"
        return bearer or (api == "anthropic" and headers.get("x-api-key") == key)

    async def _models(self, method: str, headers: dict[str, str], send: asgi.Send, arrival: float) -> None:
        anthropic = "anthropic-version" in headers
        api: ApiName = "anthropic" if anthropic else "openai"
        endpoint: Endpoint = anthropic_api.Messages() if anthropic else openai_api.ChatCompletions()
        self._settings.requests.append(RecordedRequest(api, "/v1/models", headers, {}, None, arrival))
        if method != "GET":
            await asgi.answer_json(
                send, 405, endpoint.error(405, f"Method {method} is not allowed; use GET.")
            )
        elif not self._authorised(api, headers):
            await asgi.answer_json(send, 401, endpoint.error(401, _UNAUTHORISED[api]))
        else:
            await asgi.answer_json(send, 200, anthropic_api.models() if anthropic else openai_api.models())


async def _answer_fault(send: asgi.Send, endpoint: Endpoint, fault: Fault) -> None:
    headers = {} if fault.retry_after is None else {"retry-after": f"{fault.retry_after:g}"}
    message = f"AUTOCREA fake server: scripted {fault.status} fault"
    await asgi.answer_json(send, fault.status, endpoint.error(fault.status, message), headers=headers)


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
