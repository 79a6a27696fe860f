"""The OpenAI adapter through the real `openai` SDK against the local fake server."""

import pytest

from autocrea.errors import ProviderAuthError, ProviderError, ProviderOutputRejected, ProviderUnavailable
from autocrea.providers.protocol import Chunk
from autocrea.testing import FakeModelServer, Fault, ModelScript, Reply
from autocrea.testing.text import tokenise
from tests.unit.providers.helpers import KEY, TEXT, TickClock, ask, closed_port_url, credentials, model


async def test_streams_text_with_usage_and_time_to_first_token(
    server: FakeModelServer, clock: TickClock
) -> None:
    chunks: list[Chunk] = []
    result = await ask(model("openai:gpt-4o-mini", credentials(server.url), clock), chunks=chunks)
    assert result.text == TEXT and not result.truncated
    assert "".join(c.text for c in chunks) == TEXT and len(chunks) > 1
    assert {(c.provider, c.attempt) for c in chunks} == {("openai", 1)}
    usage = result.usage
    assert (usage.provider, usage.model, usage.estimated) == ("openai", "gpt-4o-mini", False)
    assert usage.completion_tokens == len(tokenise(TEXT)) and usage.prompt_tokens > 0
    assert usage.ttft is not None and 0 < usage.ttft < usage.seconds
    (request,) = server.requests
    assert request.role == "backend" and request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["messages"][0]["content"].startswith("AUTOCREA role: backend\n")
    assert (body["max_tokens"], body["temperature"], body["stream"]) == (512, 0.2, True)
    assert body["stream_options"] == {"include_usage": True}
    assert request.headers.get("x-stainless-retry-count") == "0"  # the SDK itself does not retry


async def test_hitting_max_tokens_is_flagged(server: FakeModelServer, clock: TickClock) -> None:
    result = await ask(model("openai", credentials(server.url), clock), max_tokens=3)
    assert result.truncated and result.usage.completion_tokens == 3


async def test_429_waits_as_asked_then_succeeds(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=429, retry_after=7),))})
    result = await ask(model("openai", credentials(server.url), clock))
    assert result.text == TEXT and len(server.requests) == 2
    assert clock.sleeps == [7.0]


@pytest.mark.parametrize("status", [500, 502, 503, 529])
async def test_server_failures_are_retried(server: FakeModelServer, clock: TickClock, status: int) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=status, times=2),))})
    result = await ask(model("openai", credentials(server.url), clock))
    assert result.text == TEXT and len(server.requests) == 3
    assert clock.sleeps == [0.5, 1.0]  # full jitter at the top of its window


@pytest.mark.parametrize(("status", "name"), [(400, "bad_request"), (401, "auth"), (403, "forbidden")])
async def test_client_errors_are_not_retried(
    server: FakeModelServer, clock: TickClock, status: int, name: str
) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=status),))})
    with pytest.raises(ProviderError) as info:
        await ask(model("openai", credentials(server.url), clock))
    assert info.value.failure == name and len(server.requests) == 1 and clock.sleeps == []


async def test_spend_limit_is_not_retried(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=402),))})
    with pytest.raises(ProviderAuthError, match="out of credit or over its spend limit"):
        await ask(model("openai", credentials(server.url), clock))
    assert len(server.requests) == 1


async def test_wrong_key_names_provider_and_setting(server: FakeModelServer, clock: TickClock) -> None:
    with pytest.raises(ProviderAuthError) as info:
        await ask(model("openai", credentials(server.url, key="wrong-key-5678"), clock))
    # A server at another address than OpenAI's is named for what it is, not "OpenAI".
    assert info.value.message == (
        "The OpenAI-compatible server rejected the API key (HTTP 401): check OPENAI_API_KEY"
    )
    assert len(server.requests) == 1


async def test_endpoint_down_fails_at_once_and_clearly(clock: TickClock) -> None:
    url = closed_port_url()
    with pytest.raises(ProviderUnavailable) as info:
        await ask(model("openai", credentials(url), clock, retries=2))
    assert (
        info.value.message
        == f"The OpenAI-compatible server could not be reached at {url}/v1 (OPENAI_BASE_URL)"
    )
    assert info.value.failure == "unreachable" and clock.sleeps == []  # refused: not retried


async def test_a_cut_stream_is_retried_and_the_live_view_restarts(
    server: FakeModelServer, clock: TickClock
) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("truncate", after_tokens=3),))})
    chunks: list[Chunk] = []
    result = await ask(model("openai", credentials(server.url), clock), chunks=chunks)
    assert result.text == TEXT and len(server.requests) == 2
    first = "".join(c.text for c in chunks if c.attempt == 1)
    assert TEXT.startswith(first) and len(first) < len(TEXT)
    assert "".join(c.text for c in chunks if c.attempt == 2) == TEXT


async def test_a_stream_that_stays_cut_is_rejected(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("truncate", after_tokens=2, times=9),))})
    with pytest.raises(ProviderOutputRejected, match="stopped before it finished"):
        await ask(model("openai", credentials(server.url), clock, retries=1))


async def test_malformed_stream_is_rejected(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("malformed", after_tokens=1, times=9),))})
    with pytest.raises(ProviderOutputRejected) as info:
        await ask(model("openai", credentials(server.url), clock, retries=0))
    assert info.value.failure in ("malformed", "cut_off")


async def test_empty_output_is_rejected(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply("")})
    with pytest.raises(ProviderOutputRejected, match="empty answer"):
        await ask(model("openai", credentials(server.url), clock, retries=1))
    assert len(server.requests) == 2  # an empty answer is worth one more try


async def test_huge_output_is_bounded(server: FakeModelServer, clock: TickClock) -> None:
    # 50 tokens (within max_tokens) that are mostly whitespace: far more text than tokens suggest
    server.script = ModelScript({"backend": Reply(("\n" * 500 + "abcd") * 50)})
    with pytest.raises(ProviderOutputRejected, match="limit of 4096 characters"):
        await ask(model("openai", credentials(server.url), clock), max_tokens=100)
    assert len(server.requests) == 1


async def test_hostile_output_is_rejected(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply("print('hi')\x1b]0;owned\x07")})
    with pytest.raises(ProviderOutputRejected, match="control characters"):
        await ask(model("openai", credentials(server.url), clock))
