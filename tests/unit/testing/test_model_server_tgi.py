"""The fake HF Inference / TGI server, driven by the real `huggingface_hub` client over HTTP.

`AsyncInferenceClient(model=URL)` POSTs `text_generation` to the URL itself (`POST /`, with
`"stream": true` for streams) and `chat_completion` to `URL/v1/chat/completions`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest
import pytest_asyncio
from huggingface_hub import AsyncInferenceClient, ChatCompletionInputStreamOptions
from huggingface_hub.errors import GenerationError, HfHubHTTPError, OverloadedError

from autocrea.testing import PROSE, FakeModelServer, Fault, ModelScript, Reply
from autocrea.testing.text import tokenise

KEY = "hf_test"
TEXT = "def main():\n    return 42\n"
TOKENS = len(tokenise(TEXT))
PROMPT = "<s>[INST] AUTOCREA role: backend\nWrite main. [/INST]"
SYSTEM = {"role": "system", "content": "AUTOCREA role: backend\nYou write code."}


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
async def client(running: FakeModelServer) -> AsyncIterator[AsyncInferenceClient]:
    async with AsyncInferenceClient(model=running.url, token=KEY) as hf:
        yield hf


async def test_text_generation_round_trips_plain_and_with_details(
    server: FakeModelServer, client: Any
) -> None:
    assert await client.text_generation(PROMPT) == TEXT
    detailed = await client.text_generation(PROMPT, details=True)
    assert detailed.generated_text == TEXT and detailed.details.generated_tokens == TOKENS
    assert detailed.details.finish_reason == "eos_token"
    seen = server.requests[0]
    assert (seen.api, seen.path, seen.role) == ("tgi", "/", "backend")
    assert seen.headers["authorization"] == f"Bearer {KEY}" and seen.body["inputs"] == PROMPT


async def test_text_generation_streams_tokens_and_the_last_event_carries_the_text(client: Any) -> None:
    assert [t async for t in await client.text_generation(PROMPT, stream=True)] == tokenise(TEXT)
    events = [e async for e in await client.text_generation(PROMPT, stream=True, details=True)]
    assert [e.generated_text for e in events[:-1]] == [None] * (TOKENS - 1)
    assert events[-1].generated_text == TEXT and events[-1].details.generated_tokens == TOKENS


async def test_max_new_tokens_cuts_the_reply_with_length(client: AsyncInferenceClient) -> None:
    detailed = await client.text_generation(PROMPT, max_new_tokens=2, details=True)
    assert detailed.generated_text == "def main" and detailed.details.finish_reason == "length"  # type: ignore[union-attr]


async def test_chat_completion_round_trips_plain_and_streamed_with_usage(
    server: FakeModelServer, client: AsyncInferenceClient
) -> None:
    reply = await client.chat_completion(messages=[SYSTEM, {"role": "user", "content": "Go."}])
    assert reply.choices[0].message.content == TEXT and reply.usage.completion_tokens == TOKENS
    stream = await client.chat_completion(
        messages=[SYSTEM], stream=True, stream_options=ChatCompletionInputStreamOptions(include_usage=True)
    )
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == TOKENS
    assert [(r.api, r.path, r.role) for r in server.requests] == [
        ("openai", "/v1/chat/completions", "backend")
    ] * 2


async def test_tgi_routes_generate_and_generate_stream(server: FakeModelServer) -> None:
    request = {"inputs": PROMPT, "parameters": {"details": True, "return_full_text": True}}
    async with httpx2.AsyncClient(base_url=server.url, headers={"authorization": f"Bearer {KEY}"}) as raw:
        generated = (await raw.post("/generate", json=request)).json()
        streamed = (await raw.post("/generate_stream", json=request)).text
    assert (
        generated["generated_text"] == PROMPT + TEXT and generated["details"]["finish_reason"] == "eos_token"
    )
    events = [line for line in streamed.split("\n\n") if line]
    assert len(events) == TOKENS and all(e.startswith('data:{"index": ') for e in events)


async def test_a_wrong_token_gets_401(server: FakeModelServer) -> None:
    async with AsyncInferenceClient(model=server.url, token="hf_wrong") as bad:
        with pytest.raises(HfHubHTTPError) as caught:
            await bad.text_generation(PROMPT)
    assert caught.value.response.status_code == 401


async def test_status_faults_map_to_text_generation_errors(server: FakeModelServer, client: Any) -> None:
    faults = (
        Fault("status", status=429, retry_after=3),
        Fault("status", status=529),
        Fault("status", status=500),
    )
    server.script = ModelScript(default=Reply(TEXT, faults))
    with pytest.raises(OverloadedError) as limited:
        await client.text_generation(PROMPT)
    assert limited.value.__cause__.response.headers["retry-after"] == "3"  # type: ignore[union-attr]
    with pytest.raises(OverloadedError):
        await client.text_generation(PROMPT, stream=True)
    with pytest.raises(GenerationError):
        await client.text_generation(PROMPT)
    assert await client.text_generation(PROMPT) == TEXT


async def test_truncate_malformed_and_prose(server: FakeModelServer, client: Any) -> None:
    faults = (Fault("truncate", after_tokens=2, times=2), Fault("malformed"), Fault("prose"))
    server.script = ModelScript(default=Reply(TEXT, faults))
    received: list[str] = []
    with pytest.raises(httpx2.RemoteProtocolError):
        async for token in await client.text_generation(PROMPT, stream=True):
            received.append(token)
    assert received == tokenise(TEXT)[:2]
    with pytest.raises(httpx2.RemoteProtocolError):
        await client.text_generation(PROMPT)
    with pytest.raises(ValueError, match="line 1"):
        await client.text_generation(PROMPT)
    assert await client.text_generation(PROMPT) == PROSE


async def test_the_role_marker_may_sit_anywhere_in_raw_inputs(server: FakeModelServer, client: Any) -> None:
    server.script = ModelScript({"tester": Reply("tests")}, default=Reply("d"))
    assert await client.text_generation("Context first.\nAUTOCREA role: tester\nWrite tests.") == "tests"
    assert await client.text_generation("no marker") == "d"


async def test_an_inputs_less_body_is_a_validation_error(server: FakeModelServer) -> None:
    async with httpx2.AsyncClient(base_url=server.url, headers={"authorization": f"Bearer {KEY}"}) as raw:
        answer = await raw.post("/generate", json={"parameters": {}})
    assert answer.status_code == 422 and answer.json()["error_type"] == "validation"
