"""The fake OpenAI chat completions API, driven by the real `openai` SDK over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import openai
import pytest
import pytest_asyncio

from autocrea.testing import PROSE, FakeModelServer, Fault, Latency, ModelScript, Reply
from autocrea.testing.text import tokenise

KEY = "sk-test"
TEXT = "Hello there, world!\ndef f(x):\n    return x"
TOKENS = len(tokenise(TEXT))


def system(role: str) -> dict[str, str]:
    return {"role": "system", "content": f"AUTOCREA role: {role}\nYou write code."}


def chat(role: str = "backend", **extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-fake",
        "messages": [system(role), {"role": "user", "content": "Build it."}],
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
async def client(running: FakeModelServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=running.url + "/v1", api_key=KEY, max_retries=0) as sdk:
        yield sdk


async def collect(client: openai.AsyncOpenAI, **request: Any) -> tuple[str, list[Any]]:
    stream = await client.chat.completions.create(**request, stream=True)
    chunks = [chunk async for chunk in stream]
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), chunks


async def test_a_plain_completion_round_trips_with_usage(server: FakeModelServer, client: Any) -> None:
    reply = await client.chat.completions.create(**chat())
    assert reply.object == "chat.completion" and reply.model == "gpt-fake"
    assert reply.choices[0].message.content == TEXT and reply.choices[0].finish_reason == "stop"
    prompt = len("AUTOCREA role: backend\nYou write code.\nBuild it.")
    assert reply.usage.prompt_tokens == -(-prompt // 4)
    assert reply.usage.completion_tokens == TOKENS
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + TOKENS
    [seen] = server.requests
    assert (seen.api, seen.path, seen.role) == ("openai", "/v1/chat/completions", "backend")
    assert seen.headers["authorization"] == f"Bearer {KEY}" and seen.body["model"] == "gpt-fake"


async def test_a_stream_sends_chunks_then_usage_then_done(client: openai.AsyncOpenAI) -> None:
    text, chunks = await collect(client, **chat(), stream_options={"include_usage": True})
    assert text == TEXT
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == TOKENS
    assert all(c.usage is None for c in chunks[:-1])


async def test_a_stream_without_include_usage_has_no_usage_chunk(client: openai.AsyncOpenAI) -> None:
    text, chunks = await collect(client, **chat())
    assert text == TEXT and all(c.choices and c.usage is None for c in chunks)


async def test_max_tokens_cuts_the_reply_with_finish_reason_length(client: Any) -> None:
    reply = await client.chat.completions.create(**chat(), max_tokens=3)
    assert reply.choices[0].message.content == "Hello ther"
    assert reply.choices[0].finish_reason == "length" and reply.usage.completion_tokens == 3
    text, chunks = await collect(client, **chat(), max_completion_tokens=2)
    assert text == "Hello" and chunks[-1].choices[0].finish_reason == "length"


async def test_replies_are_scripted_per_role(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript(
        {"architect": Reply("spec"), "backend": [Reply("code 1"), Reply("code 2")]}, default=Reply("d")
    )
    answers = []
    for role in ("backend", "architect", "backend", "backend", "tester"):
        reply = await client.chat.completions.create(**chat(role))
        answers.append(reply.choices[0].message.content)
    assert answers == ["code 1", "spec", "code 2", "code 2", "d"]
    assert [r.role for r in server.requests] == ["backend", "architect", "backend", "backend", "tester"]


async def test_a_wrong_key_gets_401_in_openai_shape(server: FakeModelServer) -> None:
    async with openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="sk-wrong", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as caught:
            await bad.chat.completions.create(**chat())
    assert caught.value.code == "invalid_api_key" and caught.value.type == "invalid_request_error"
    assert server.script.take("backend").text == TEXT  # type: ignore[union-attr]  # nothing consumed


async def test_429_carries_retry_after_and_the_retry_gets_the_reply(
    server: FakeModelServer, client: Any
) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=429, retry_after=2),))})
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(**chat())
    assert caught.value.response.headers["retry-after"] == "2"
    assert caught.value.code == "rate_limit_exceeded"
    reply = await client.chat.completions.create(**chat())
    assert reply.choices[0].message.content == TEXT


@pytest.mark.parametrize("status", [500, 529])
async def test_server_errors_map_to_internal_server_error(
    server: FakeModelServer, client: Any, status: int
) -> None:
    server.script = ModelScript(default=Reply(TEXT, (Fault("status", status=status),)))
    with pytest.raises(openai.InternalServerError) as caught:
        await collect(client, **chat())
    assert caught.value.status_code == status and caught.value.type == "server_error"


async def test_the_sdk_retries_on_its_own_when_allowed(server: FakeModelServer) -> None:
    server.script = ModelScript(
        default=Reply(TEXT, (Fault("status", status=500, retry_after=0.01, times=2),))
    )
    async with openai.AsyncOpenAI(base_url=server.url + "/v1", api_key=KEY, max_retries=2) as retrying:
        reply = await retrying.chat.completions.create(**chat())
    assert reply.choices[0].message.content == TEXT and len(server.requests) == 3


async def test_a_truncated_stream_delivers_n_tokens_then_breaks(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript(default=Reply(TEXT, (Fault("truncate", after_tokens=3),)))
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        stream = await client.chat.completions.create(**chat(), stream=True)
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "Hello ther"
    assert server.emissions[-1].complete is False and len(server.emissions[-1].sent) == 3


async def test_a_truncated_body_breaks_the_plain_call(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript(default=Reply(TEXT, (Fault("truncate", after_tokens=2),)))
    with pytest.raises(openai.APIConnectionError):
        await client.chat.completions.create(**chat())


async def test_malformed_json_reaches_the_caller_as_a_decode_error(
    server: FakeModelServer, client: Any
) -> None:
    server.script = ModelScript(default=Reply(TEXT, (Fault("malformed", after_tokens=1, times=2),)))
    with pytest.raises(ValueError, match="line 1"):
        await collect(client, **chat())
    with pytest.raises(ValueError, match="line 1"):
        await client.chat.completions.create(**chat())


async def test_prose_replaces_the_reply(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript(default=Reply(TEXT, (Fault("prose"),)))
    assert (await collect(client, **chat()))[0] == PROSE
    assert (await collect(client, **chat()))[0] == TEXT


async def test_tokens_follow_the_latency_schedule(server: FakeModelServer, client: Any) -> None:
    server.latency = Latency(ttft=0.03, tokens_per_second=400)
    server.script = ModelScript(default=Reply(TEXT, (Fault("slow_first_token", delay=0.02),)))
    for _ in range(2):
        assert (await collect(client, **chat()))[0] == TEXT
    slow, normal = server.emissions
    assert slow.planned == pytest.approx([0.05 + i / 400 for i in range(TOKENS)])
    assert normal.planned == pytest.approx([0.03 + i / 400 for i in range(TOKENS)])
    for emission in (slow, normal):  # never early; late by less than the whole schedule lasts
        lateness = [sent - due for due, sent in zip(emission.planned, emission.sent, strict=True)]
        assert emission.complete and min(lateness) >= -0.001 and max(lateness) < emission.planned[-1]


async def test_models_are_listed(client: openai.AsyncOpenAI) -> None:
    page = await client.models.list()
    assert [model.id for model in page.data] == ["autocrea-fake"]


async def test_bad_requests_get_400_and_unknown_paths_404(server: FakeModelServer) -> None:
    headers = {"authorization": f"Bearer {KEY}"}
    async with httpx2.AsyncClient(base_url=server.url, headers=headers) as raw:
        not_json = await raw.post("/v1/chat/completions", content=b"{nope")
        no_messages = await raw.post("/v1/chat/completions", json={"model": "m"})
        unknown = await raw.post("/v1/completions", json={})
        wrong_method = await raw.get("/v1/chat/completions")
    assert not_json.status_code == 400 and not_json.json()["error"]["type"] == "invalid_request_error"
    assert no_messages.status_code == 400 and "messages" in no_messages.json()["error"]["message"]
    assert unknown.status_code == 404 and wrong_method.status_code == 405


async def test_a_role_without_reply_or_default_is_a_clear_400(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript({"backend": Reply("b")})
    with pytest.raises(openai.BadRequestError, match="no reply scripted for role 'tester'"):
        await client.chat.completions.create(**chat("tester"))
