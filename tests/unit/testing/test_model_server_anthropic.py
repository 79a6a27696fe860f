"""The fake Anthropic Messages API, driven by the real `anthropic` SDK over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import httpx2
import pytest
import pytest_asyncio

from autocrea.testing import PROSE, FakeModelServer, Fault, ModelScript, Reply
from autocrea.testing.text import tokenise

KEY = "sk-ant-test"
TEXT = "Here are the files:\nFILE app/main.py\nprint('hi')\n"
TOKENS = len(tokenise(TEXT))


def message(role: str = "backend", **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-fake",
        "max_tokens": 1000,
        "system": f"AUTOCREA role: {role}\nYou write code.",
        "messages": [{"role": "user", "content": "Build it."}],
        **extra,
    }


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def running() -> Iterator[FakeModelServer]:
    with FakeModelServer(ModelScript(), api_key=KEY) as server:
        yield server


@pytest.fixture(autouse=True)
def server(running: FakeModelServer) -> FakeModelServer:
    running.reset(ModelScript({"backend": Reply(TEXT)}, default=Reply("default")), api_key=KEY)
    return running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(running: FakeModelServer) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(base_url=running.url, api_key=KEY, max_retries=0) as sdk:
        yield sdk


async def events(client: anthropic.AsyncAnthropic, **request: Any) -> list[Any]:
    stream = await client.messages.create(**request, stream=True)
    return [event async for event in stream]


async def test_a_plain_message_round_trips_with_usage(server: FakeModelServer, client: Any) -> None:
    reply = await client.messages.create(**message())
    assert reply.type == "message" and reply.role == "assistant" and reply.model == "claude-fake"
    assert [block.text for block in reply.content] == [TEXT] and reply.stop_reason == "end_turn"
    prompt = len("AUTOCREA role: backend\nYou write code.\nBuild it.")
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (-(-prompt // 4), TOKENS)
    [seen] = server.requests
    assert (seen.api, seen.path, seen.role) == ("anthropic", "/v1/messages", "backend")
    assert seen.headers["authorization"] == f"Bearer {KEY}"  # anthropic 2.x; x-api-key also accepted
    assert "anthropic-version" in seen.headers


async def test_a_stream_sends_the_named_events_in_order(client: anthropic.AsyncAnthropic) -> None:
    seen = await events(client, **message())
    kinds = [event.type for event in seen]
    assert kinds == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * TOKENS,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]  # the SDK drops `ping`
    assert seen[0].message.usage.input_tokens > 0
    assert "".join(e.delta.text for e in seen if e.type == "content_block_delta") == TEXT
    assert seen[-2].delta.stop_reason == "end_turn" and seen[-2].usage.output_tokens == TOKENS


async def test_the_stream_helper_accumulates_the_final_message(client: anthropic.AsyncAnthropic) -> None:
    async with client.messages.stream(**message()) as stream:
        text = "".join([chunk async for chunk in stream.text_stream])
        final = await stream.get_final_message()
    assert text == TEXT and final.content[0].text == TEXT  # type: ignore[union-attr]
    assert final.usage.output_tokens == TOKENS and final.stop_reason == "end_turn"


async def test_max_tokens_stops_with_max_tokens(client: anthropic.AsyncAnthropic) -> None:
    reply = await client.messages.create(**message(max_tokens=2))
    assert reply.stop_reason == "max_tokens" and reply.usage.output_tokens == 2
    assert reply.content[0].text == "Here are"


async def test_the_role_comes_from_system_blocks_too(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript({"security": Reply("audit")}, default=Reply("d"))
    blocks = [{"type": "text", "text": "AUTOCREA role: security\nAudit it."}]
    reply = await client.messages.create(**{**message(), "system": blocks})
    assert reply.content[0].text == "audit" and server.requests[-1].role == "security"


async def test_a_wrong_key_gets_401_authentication_error(server: FakeModelServer) -> None:
    async with anthropic.AsyncAnthropic(base_url=server.url, api_key="nope", max_retries=0) as bad:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            await bad.messages.create(**message())
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    }


async def test_529_is_overloaded_and_429_carries_retry_after(server: FakeModelServer, client: Any) -> None:
    faults = (Fault("status", status=529), Fault("status", status=429, retry_after=0.5))
    server.script = ModelScript(default=Reply(TEXT, faults))
    with pytest.raises(anthropic.OverloadedError) as overloaded:
        await events(client, **message())
    assert overloaded.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]
    with pytest.raises(anthropic.RateLimitError) as limited:
        await client.messages.create(**message())
    assert limited.value.response.headers["retry-after"] == "0.5"
    assert (await client.messages.create(**message())).content[0].text == TEXT


async def test_a_truncated_stream_stops_before_message_stop(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript(default=Reply(TEXT, (Fault("truncate", after_tokens=2),)))
    seen: list[Any] = []
    # The SDK lets the transport error through while the stream is read; on a loaded machine the
    # cut can already be there when it opens the stream, and it says so as a connection error.
    with pytest.raises((httpx2.RemoteProtocolError, anthropic.APIConnectionError)):
        stream = await client.messages.create(**message(), stream=True)
        async for event in stream:
            seen.append(event)
    types = [e.type for e in seen]
    assert "message_stop" not in types  # never a finished message
    assert types == ["message_start", "content_block_start", *["content_block_delta"] * 2][: len(types)]


async def test_malformed_and_prose_faults(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript(default=Reply(TEXT, (Fault("malformed"), Fault("prose"))))
    with pytest.raises(ValueError, match="line 1"):
        await events(client, **message())
    assert (await client.messages.create(**message())).content[0].text == PROSE


async def test_models_are_listed_in_anthropic_shape(client: anthropic.AsyncAnthropic) -> None:
    page = await client.models.list()
    assert [model.id for model in page.data] == ["autocrea-fake"]


async def test_x_api_key_works_and_a_request_without_max_tokens_is_refused(server: FakeModelServer) -> None:
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    async with httpx2.AsyncClient(base_url=server.url, headers=headers) as raw:
        answer = await raw.post("/v1/messages", json={"model": "m", "messages": []})
        wrong = await raw.post("/v1/messages", json={}, headers={"x-api-key": "nope"})
    assert wrong.status_code == 401 and answer.status_code == 400
    assert answer.json()["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }
