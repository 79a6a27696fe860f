"""The fallback chain joxcoder → OpenAI → Anthropic over real SDKs, and keys kept out of everything."""

import json
import logging
import traceback

import pytest
from pydantic import SecretStr

from autocrea.errors import AllProvidersFailed, ProviderError, ProviderUnavailable
from autocrea.testing import FakeModelServer
from tests.unit.providers.helpers import TEXT, TickClock, ask, closed_port_url, credentials, model

CANARIES = {
    "joxcoder_api_key": "hf_canaryJOX0123456789",
    "openai_api_key": "sk-canaryOAI0123456789",
    "anthropic_api_key": "sk-ant-canaryANT0123456789",
}


async def test_fallbacks_are_tried_in_order(server: FakeModelServer, clock: TickClock) -> None:
    creds = credentials(
        server.url,
        joxcoder_api_url=closed_port_url(),  # JoxCoder is down
        openai_api_key=SecretStr("wrong-key-5678"),  # the user's OpenAI key is wrong
    )
    chain = model("joxcoder", creds, clock, retries=1, fallbacks="openai,anthropic")
    result = await ask(chain)
    assert result.text == TEXT and result.usage.provider == "anthropic"
    assert [r.api for r in server.requests] == ["openai", "anthropic"]
    assert clock.sleeps == []  # a refused connection and a rejected key are not retried


async def test_no_fallback_unless_configured(server: FakeModelServer, clock: TickClock) -> None:
    creds = credentials(server.url, joxcoder_api_url=closed_port_url())
    with pytest.raises(ProviderUnavailable, match="JoxCoder could not be reached"):
        await ask(model("joxcoder", creds, clock, retries=0))
    assert server.requests == []


async def test_canary_keys_never_leak(
    server: FakeModelServer, clock: TickClock, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("", "openai", "anthropic", "httpx2", "httpcore2", "huggingface_hub", "autocrea"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    creds = credentials(server.url, **{k: SecretStr(v) for k, v in CANARIES.items()})
    server.api_key = "the-right-key-0000"  # every canary is rejected
    chain = model("joxcoder", creds, clock, retries=1, fallbacks="openai,anthropic")
    assert all(c not in repr(chain.providers) + repr(creds) for c in CANARIES.values())
    with pytest.raises(AllProvidersFailed) as info:
        await ask(chain)
    err = info.value
    assert [f["failure"] for f in err.details["failures"]] == ["auth", "auth", "auth"]
    assert "JoxCoder rejected the API key (HTTP 401): check JOXCODER_API_KEY" in err.message
    seen = "\n".join(
        [
            str(err),
            repr(err),
            json.dumps(err.to_dict()),
            "".join(traceback.format_exception(err)),
            *(r.getMessage() for r in caplog.records),
            *(caplog.handler.format(r) for r in caplog.records),
            *(json.dumps(r.body) for r in server.requests),
        ]
    )
    assert {"openai._base_client", "anthropic._base_client", "httpx2"} <= {r.name for r in caplog.records}
    assert len(server.requests) == 3  # each provider asked once: wrong keys are not retried
    for canary in CANARIES.values():
        assert canary not in seen
    # the keys did go where they belong: the auth headers
    assert {r.headers.get("authorization", "").removeprefix("Bearer ") for r in server.requests} == set(
        CANARIES.values()
    )


async def test_a_prompt_carrying_any_configured_key_is_refused(
    server: FakeModelServer, clock: TickClock
) -> None:
    creds = credentials(server.url, **{k: SecretStr(v) for k, v in CANARIES.items()})
    chain = model("openai", creds, clock)
    with pytest.raises(ProviderError) as info:
        await ask(chain, content=f"deploy with ANTHROPIC_API_KEY={CANARIES['anthropic_api_key']}")
    assert info.value.failure == "secret_in_prompt" and server.requests == []
    assert CANARIES["anthropic_api_key"] not in str(info.value)
