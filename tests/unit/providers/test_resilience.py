"""Retries, fallbacks and output bounds, with an injected clock, sleep and random source."""

import asyncio
from collections.abc import Callable, Sequence

import pytest

from autocrea.errors import AllProvidersFailed, ProviderAuthError, ProviderError, ProviderOutputRejected
from autocrea.providers.catalog import load_catalog
from autocrea.providers.classify import Target, failure
from autocrea.providers.protocol import ChatMessage, ChatRequest, Chunk, Completion, Usage
from autocrea.providers.resilience import ResilientModel, RetryPolicy, backoff_delay, max_chars_for

# text, streamed pieces, an error, pieces then an error, or None: never answer
Outcome = str | Sequence[str] | ProviderError | tuple[Sequence[str], ProviderError] | None


class ScriptedProvider:
    """A Provider whose attempts follow a script (the protocol's test double, not a patch)."""

    def __init__(self, name: str, outcomes: Sequence[Outcome]) -> None:
        self.name = name
        self.model = f"{name}-model"
        self.capabilities = load_catalog().fallback["openai"]
        self.target = Target(provider=name, model=self.model)
        self.outcomes = list(outcomes)
        self.requests: list[ChatRequest] = []
        self.pieces_sent = 0

    async def complete(self, request: ChatRequest, *, on_text: Callable[[str], None]) -> Completion:
        self.requests.append(request)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if outcome is None:
            await asyncio.Event().wait()  # never answers
        if isinstance(outcome, ProviderError):
            raise outcome
        pieces, error = (outcome[0], outcome[1]) if isinstance(outcome, tuple) else (outcome, None)
        pieces = [pieces] if isinstance(pieces, str) else list(pieces)
        for piece in pieces:
            self.pieces_sent += 1
            on_text(piece)
        if error is not None:
            raise error
        text = "".join(pieces)
        return Completion(text, Usage(1, 1, self.model, self.name, 0.0, 0.0))

    async def aclose(self) -> None:
        pass


def err(name: str, provider: str = "openai", retry_after: float | None = None) -> ProviderError:
    return failure(name, target=Target(provider=provider, model=f"{provider}-model"), retry_after=retry_after)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def chain(
    *providers: ScriptedProvider, clock: Clock, policy: RetryPolicy | None = None, **kw: object
) -> ResilientModel:
    return ResilientModel(
        providers,
        policy=policy or RetryPolicy(max_retries=3, base_delay=1.0, max_delay=8.0, max_total_seconds=100.0),
        sleep=clock.sleep,
        clock=clock,
        rand=lambda: 0.5,
        **kw,  # type: ignore[arg-type]
    )


async def ask(
    model: ResilientModel, chunks: list[Chunk] | None = None, content: str = "build it"
) -> Completion:
    return await model.complete(
        [ChatMessage("system", "You write code."), ChatMessage("user", content)],
        role="backend",
        max_tokens=1000,
        temperature=0.2,
        on_chunk=None if chunks is None else chunks.append,
    )


def test_full_jitter_grows_to_a_cap_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    top = [backoff_delay(n, policy=policy, retry_after=None, rand=lambda: 1.0) for n in range(1, 7)]
    assert top == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff_delay(3, policy=policy, retry_after=None, rand=lambda: 0.0) == 0.0
    assert backoff_delay(1, policy=policy, retry_after=9.0, rand=lambda: 1.0) == 9.0  # the server's wait wins
    assert backoff_delay(3, policy=policy, retry_after=0.1, rand=lambda: 1.0) == 2.0


async def test_retryable_failures_are_retried_with_the_servers_wait() -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", [err("rate_limited", retry_after=3.0), err("overloaded"), "ok"])
    result = await ask(chain(provider, clock=clock))
    assert result.text == "ok" and len(provider.requests) == 3
    assert clock.sleeps == [3.0, 1.0]  # retry-after 3 s, then jitter 0.5 * 2


@pytest.mark.parametrize("name", ["auth", "forbidden", "spend_limit", "bad_request", "output_too_large"])
async def test_final_failures_are_not_retried(name: str) -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", [err(name), "ok"])
    with pytest.raises(ProviderError) as info:
        await ask(chain(provider, clock=clock))
    assert info.value.failure == name and len(provider.requests) == 1 and clock.sleeps == []


async def test_attempts_are_bounded() -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", [err("server_error")])
    with pytest.raises(ProviderError, match="failed on its side"):
        await ask(chain(provider, clock=clock))
    assert len(provider.requests) == 4 and len(clock.sleeps) == 3


async def test_total_time_is_bounded_even_if_the_server_asks_for_more() -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", [err("rate_limited", retry_after=3600.0), "ok"])
    with pytest.raises(ProviderError, match="rate limiting"):
        await ask(chain(provider, clock=clock))
    assert clock.sleeps == [] and len(provider.requests) == 1


async def test_an_attempt_past_its_deadline_is_a_timeout() -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", [None])
    policy = RetryPolicy(max_retries=0, attempt_timeout=0.01)
    with pytest.raises(ProviderError) as info:
        await ask(chain(provider, clock=clock, policy=policy))
    assert info.value.failure == "timeout"


async def test_fallback_only_after_the_first_gives_up_and_chunks_restart() -> None:
    clock = Clock()
    first = ScriptedProvider("joxcoder", [(["par"], err("cut_off", "joxcoder"))])
    second = ScriptedProvider("openai", [["he", "llo"]])
    chunks: list[Chunk] = []
    result = await ask(chain(first, second, clock=clock, policy=RetryPolicy(max_retries=1)), chunks)
    assert result.text == "hello" and result.usage.provider == "openai"
    assert len(first.requests) == 2
    # a live view sees each attempt's text under a new attempt number and can drop the old one
    assert [(c.text, c.provider, c.attempt) for c in chunks] == [
        ("par", "joxcoder", 1),
        ("par", "joxcoder", 2),
        ("he", "openai", 3),
        ("llo", "openai", 3),
    ]


async def test_no_fallback_unless_configured() -> None:
    clock = Clock()
    only = ScriptedProvider("joxcoder", [err("unreachable", "joxcoder")])
    with pytest.raises(ProviderError) as info:
        await ask(chain(only, clock=clock, policy=RetryPolicy(max_retries=0)))
    assert not isinstance(info.value, AllProvidersFailed)
    assert "JoxCoder could not be reached" in info.value.message


async def test_all_failing_is_one_typed_error_listing_each() -> None:
    clock = Clock()
    model = chain(
        ScriptedProvider("joxcoder", [err("unreachable", "joxcoder")]),
        ScriptedProvider("openai", [err("auth", "openai")]),
        ScriptedProvider("anthropic", [err("spend_limit", "anthropic")]),
        clock=clock,
        policy=RetryPolicy(max_retries=0),
    )
    with pytest.raises(AllProvidersFailed) as info:
        await ask(model)
    assert "OpenAI rejected the API key: check OPENAI_API_KEY" in info.value.message
    assert [f["failure"] for f in info.value.details["failures"]] == ["unreachable", "auth", "spend_limit"]
    assert info.value.to_dict()["error"]["code"] == "all_providers_failed"


async def test_empty_output_is_rejected_after_retries() -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", ["  \n"])
    with pytest.raises(ProviderOutputRejected, match="empty answer"):
        await ask(chain(provider, clock=clock, policy=RetryPolicy(max_retries=1)))
    assert len(provider.requests) == 2


async def test_huge_output_is_cut_off_while_streaming() -> None:
    clock = Clock()
    limit = max_chars_for(1000)
    provider = ScriptedProvider("openai", [["x" * 1000] * 1000])
    with pytest.raises(ProviderOutputRejected, match=f"limit of {limit} characters"):
        await ask(chain(provider, clock=clock))
    assert provider.pieces_sent == limit // 1000 + 1  # stopped at the bound, not at the end


@pytest.mark.parametrize("hostile", ["ok\x00", "\x1b[2Jok", "if admin\u202e {"])
async def test_binary_and_control_characters_are_rejected(hostile: str) -> None:
    clock = Clock()
    with pytest.raises(ProviderOutputRejected, match="control characters"):
        await ask(chain(ScriptedProvider("openai", [hostile]), clock=clock))


async def test_a_prompt_carrying_a_key_is_never_sent() -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", ["ok"])
    model = chain(provider, clock=clock, secrets=["sk-canary-0123456789"])
    with pytest.raises(ProviderError) as info:
        await ask(model, content="my key is sk-canary-0123456789")
    assert info.value.failure == "secret_in_prompt" and provider.requests == []
    assert "sk-canary" not in str(info.value)


async def test_short_placeholder_keys_do_not_block_prompts() -> None:
    provider = ScriptedProvider("openai", ["ok"])
    model = chain(provider, clock=Clock(), secrets=["ollama"])  # what local servers are given
    assert (await ask(model, content="run it with ollama")).text == "ok"


async def test_the_system_message_starts_with_the_role_line() -> None:
    clock = Clock()
    provider = ScriptedProvider("openai", ["ok"])
    await ask(chain(provider, clock=clock))
    system = provider.requests[0].messages[0]
    assert system.role == "system" and system.content == "AUTOCREA role: backend\nYou write code."


async def test_bad_arguments_are_bugs() -> None:
    model = chain(ScriptedProvider("openai", ["ok"]), clock=Clock())
    with pytest.raises(ValueError, match="max_tokens"):
        await model.complete([ChatMessage("user", "x")], role="r", max_tokens=0, temperature=0.2)
    with pytest.raises(ValueError, match="at least one provider"):
        ResilientModel([], policy=RetryPolicy())


async def test_auth_error_in_a_chain_still_tries_the_next() -> None:
    clock = Clock()
    first = ScriptedProvider("openai", [err("auth")])
    second = ScriptedProvider("anthropic", ["fine"])
    assert (await ask(chain(first, second, clock=clock))).text == "fine"
    assert isinstance(err("auth"), ProviderAuthError)
