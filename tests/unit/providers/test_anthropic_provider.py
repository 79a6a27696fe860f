"""The Anthropic adapter through the real `anthropic` SDK against the local fake server."""

import pytest

from autocrea.errors import ProviderAuthError, ProviderError, ProviderOutputRejected, ProviderUnavailable
from autocrea.providers.anthropic_provider import to_anthropic
from autocrea.providers.protocol import ChatMessage
from autocrea.testing import FakeModelServer, Fault, ModelScript, Reply
from autocrea.testing.text import tokenise
from tests.unit.providers.helpers import KEY, TEXT, TickClock, ask, closed_port_url, credentials, model


async def test_streams_text_with_usage(server: FakeModelServer, clock: TickClock) -> None:
    result = await ask(model("anthropic:claude-haiku-4-5", credentials(server.url), clock))
    assert result.text == TEXT and not result.truncated
    usage = result.usage
    assert (usage.provider, usage.model, usage.estimated) == ("anthropic", "claude-haiku-4-5", False)
    assert usage.completion_tokens == len(tokenise(TEXT)) and usage.prompt_tokens > 0
    assert usage.ttft is not None and 0 < usage.ttft < usage.seconds
    (request,) = server.requests
    assert request.api == "anthropic" and request.role == "backend"
    # this SDK sends the key as a bearer token; older ones used x-api-key
    assert KEY in (
        request.headers.get("x-api-key"),
        request.headers.get("authorization", "").removeprefix("Bearer "),
    )
    assert request.body["system"].startswith("AUTOCREA role: backend\n")
    assert request.body["messages"] == [{"role": "user", "content": "Build the add function."}]
    assert request.body["max_tokens"] == 512 and request.body["stream"] is True


async def test_hitting_max_tokens_is_flagged(server: FakeModelServer, clock: TickClock) -> None:
    result = await ask(model("anthropic", credentials(server.url), clock), max_tokens=2)
    assert result.truncated and result.usage.completion_tokens == 2


async def test_overloaded_529_honours_retry_after(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=529, retry_after=3),))})
    result = await ask(model("anthropic", credentials(server.url), clock))
    assert result.text == TEXT and clock.sleeps == [3.0]


@pytest.mark.parametrize(("status", "name"), [(400, "bad_request"), (403, "forbidden"), (402, "spend_limit")])
async def test_final_errors_are_not_retried(
    server: FakeModelServer, clock: TickClock, status: int, name: str
) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("status", status=status),))})
    with pytest.raises(ProviderError) as info:
        await ask(model("anthropic", credentials(server.url), clock))
    assert info.value.failure == name and len(server.requests) == 1


async def test_wrong_key_names_provider_and_setting(server: FakeModelServer, clock: TickClock) -> None:
    with pytest.raises(ProviderAuthError) as info:
        await ask(model("anthropic", credentials(server.url, key="wrong-key-5678"), clock))
    # The fake server is not api.anthropic.com: the message says what it is talking to.
    assert info.value.message == (
        "The Anthropic-compatible server rejected the API key (HTTP 401): check ANTHROPIC_API_KEY"
    )


async def test_endpoint_down_fails_at_once(clock: TickClock) -> None:
    url = closed_port_url()
    with pytest.raises(ProviderUnavailable, match=r"could not be reached at .* \(ANTHROPIC_BASE_URL\)"):
        await ask(model("anthropic", credentials(url), clock, retries=1))
    assert clock.sleeps == []  # nothing listens there: asking again cannot help


async def test_a_cut_stream_is_retried(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("truncate", after_tokens=2),))})
    result = await ask(model("anthropic", credentials(server.url), clock))
    assert result.text == TEXT and len(server.requests) == 2


async def test_a_stream_that_stays_cut_is_rejected(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply(TEXT, (Fault("truncate", after_tokens=2, times=9),))})
    with pytest.raises(ProviderOutputRejected, match="stopped before it finished"):
        await ask(model("anthropic", credentials(server.url), clock, retries=1))


async def test_empty_output_is_rejected(server: FakeModelServer, clock: TickClock) -> None:
    server.script = ModelScript({"backend": Reply("")})
    with pytest.raises(ProviderOutputRejected, match="empty answer"):
        await ask(model("anthropic", credentials(server.url), clock, retries=0))


def test_turns_alternate_and_start_with_the_user() -> None:
    system, turns = to_anthropic(
        [
            ChatMessage("system", "a"),
            ChatMessage("assistant", "earlier"),
            ChatMessage("user", "u1"),
            ChatMessage("user", "u2"),
        ]
    )
    assert system == "a"
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert turns[2]["content"] == "u1\n\nu2"
