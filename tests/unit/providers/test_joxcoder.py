"""JoxCoder through `huggingface_hub.AsyncInferenceClient` against the local fake HF/TGI server."""

import pytest

from autocrea.errors import ProviderAuthError, ProviderError, ProviderUnavailable
from autocrea.providers.catalog import load_catalog
from autocrea.providers.joxcoder import JoxCoderProvider, to_prompt
from autocrea.providers.protocol import ChatMessage
from autocrea.providers.resilience import ResilientModel, RetryPolicy
from autocrea.testing import FakeModelServer, Fault, ModelScript, Reply
from autocrea.testing.text import tokenise
from tests.unit.providers.helpers import KEY, TEXT, TickClock, ask, closed_port_url, credentials, model


async def test_uses_the_chat_api_when_the_endpoint_has_one(server: FakeModelServer, clock: TickClock) -> None:
    result = await ask(model("joxcoder", credentials(server.url), clock))
    assert result.text == TEXT and not result.usage.estimated
    assert result.usage.completion_tokens == len(tokenise(TEXT))
    assert result.usage.ttft is not None and 0 < result.usage.ttft < result.usage.seconds
    (request,) = server.requests
    assert request.path == "/v1/chat/completions" and request.role == "backend"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["messages"][0]["content"].startswith("AUTOCREA role: backend\n")


async def test_falls_back_to_the_classic_payload_without_a_chat_api(
    server: FakeModelServer, clock: TickClock
) -> None:
    # an endpoint URL with a path: its /v1/chat/completions does not exist here (404)
    creds = credentials(server.url, joxcoder_api_url=server.url + "/generate")
    chain = model("joxcoder", creds, clock)
    provider = chain.providers[0]
    result = await ask(chain)
    assert result.text == TEXT
    # the fake server records only the routes it has: the 404 on the chat route is not listed
    assert [r.path for r in server.requests] == ["/generate"]
    assert isinstance(provider, JoxCoderProvider) and provider.mode == "generate"  # remembered
    body = server.requests[0].body
    assert body["inputs"].startswith("AUTOCREA role: backend\nYou write Python.\n\nUser request:\n")
    parameters = body["parameters"]
    assert parameters["max_new_tokens"] == 512 and parameters["return_full_text"] is False
    assert parameters["do_sample"] is True and parameters["temperature"] == 0.2
    # TGI reports generated tokens; the prompt size is estimated and flagged
    assert result.usage.completion_tokens == len(tokenise(TEXT)) and result.usage.estimated


async def test_seed_payload_on_the_classic_route(server: FakeModelServer, clock: TickClock) -> None:
    """`POST /` with inputs + parameters, the answer in `[0].generated_text`, as the seed spec does."""
    provider = JoxCoderProvider(
        capabilities=load_catalog().lookup(provider="joxcoder", model="joxcoder"),
        api_url=server.url,
        api_key=KEY,
        timeout=10,
        mode="generate",
        clock=clock,
    )
    chain = ResilientModel([provider], policy=RetryPolicy(max_retries=0), sleep=clock.sleep, clock=clock)
    result = await ask(chain, max_tokens=4)
    assert result.truncated and result.text == "".join(tokenise(TEXT)[:4])
    assert [r.path for r in server.requests] == ["/"]


async def test_tgi_overload_is_retried(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=503, retry_after=2),))})
    result = await ask(model("joxcoder", credentials(server.url), clock))
    assert result.text == TEXT and clock.sleeps == [2.0]


async def test_wrong_key_names_provider_and_setting(server: FakeModelServer, clock: TickClock) -> None:
    with pytest.raises(ProviderAuthError) as info:
        await ask(model("joxcoder", credentials(server.url, key="wrong-key-5678"), clock))
    assert info.value.message == "JoxCoder rejected the API key (HTTP 401): check JOXCODER_API_KEY"
    assert len(server.requests) == 1


async def test_bad_request_is_not_retried(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=422),))})
    with pytest.raises(ProviderError) as info:
        await ask(model("joxcoder", credentials(server.url), clock))
    assert info.value.failure == "bad_request" and len(server.requests) == 1


async def test_endpoint_down_fails_at_once(clock: TickClock) -> None:
    url = closed_port_url()
    with pytest.raises(ProviderUnavailable) as info:
        await ask(model("joxcoder", credentials(url), clock, retries=2))
    assert info.value.message == f"JoxCoder could not be reached at {url} (JOXCODER_API_URL)"
    assert clock.sleeps == []  # connection refused: not retried


def test_prompt_shape_follows_the_seed() -> None:
    prompt = to_prompt(
        [
            ChatMessage("system", "AUTOCREA role: backend\nYou write Python."),
            ChatMessage("user", "a"),
            ChatMessage("assistant", "b"),
            ChatMessage("user", "c"),
        ]
    )
    assert (
        prompt
        == "AUTOCREA role: backend\nYou write Python.\n\nUser request:\na\n\nAnswer:\nb\n\nUser request:\nc"
    )
