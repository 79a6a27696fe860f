"""The error table: SDK exceptions and statuses become named, typed errors with clear messages."""

import anthropic
import httpx2
import openai
import pytest
from huggingface_hub.errors import HfHubHTTPError, OverloadedError

from autocrea.errors import (
    ProviderAuthError,
    ProviderOutputRejected,
    ProviderRequestRejected,
    ProviderUnavailable,
)
from autocrea.providers.classify import (
    TABLE,
    Target,
    classify_exception,
    failure,
    failure_for_status,
    parse_retry_after,
    redact,
    safe_url,
)

CANARY = "sk-canary-0123456789abcdef"
OPENAI = Target(provider="openai", model="gpt-4o-mini", secrets=(CANARY,))
ANTHROPIC = Target(provider="anthropic", model="claude-haiku-4-5")
JOX = Target(provider="joxcoder", model="joxcoder", base_url="https://user:pw@jox.example/ep?token=t")


def _response(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> httpx2.Response:
    return httpx2.Response(
        status, headers=headers or {}, content=body, request=httpx2.Request("POST", "http://x/")
    )


@pytest.mark.parametrize(
    ("status", "text", "name"),
    [
        (401, "", "auth"),
        (403, "", "forbidden"),
        (402, "", "spend_limit"),
        (429, "You exceeded your current quota, please check your plan and billing details", "spend_limit"),
        (429, "insufficient_quota", "spend_limit"),
        (400, "Your credit balance is too low to access the Anthropic API", "spend_limit"),
        (429, "Rate limit reached", "rate_limited"),
        (400, "bad field", "bad_request"),
        (422, "", "bad_request"),
        (400, "This model's maximum context length is 8192 tokens", "too_large"),
        (413, "", "too_large"),
        (404, "", "not_found"),
        (408, "", "timeout"),
        (409, "", "server_error"),
        (500, "billing service down", "server_error"),  # 5xx text never turns into a spend limit
        (502, "", "server_error"),
        (503, "", "overloaded"),
        (529, "", "overloaded"),
    ],
)
def test_status_rows(status: int, text: str, name: str) -> None:
    assert failure_for_status(status, text) == name


def test_retry_only_what_can_succeed_later() -> None:
    retryable = {name for name, row in TABLE.items() if row.retryable}
    assert {"rate_limited", "overloaded", "server_error", "timeout", "disconnected", "cut_off"} <= retryable
    assert not retryable & {
        "unreachable",
        "auth",
        "forbidden",
        "spend_limit",
        "bad_request",
        "missing_key",
        "output_too_large",
    }


def test_wrong_key_names_the_provider_and_the_setting() -> None:
    exc = openai.AuthenticationError(
        f"Incorrect API key provided: {CANARY}",
        response=_response(401),
        body={"message": f"Incorrect API key provided: {CANARY}", "code": "invalid_api_key"},
    )
    err = classify_exception(exc, target=OPENAI)
    assert isinstance(err, ProviderAuthError) and not err.retryable
    assert err.message == "OpenAI rejected the API key (HTTP 401): check OPENAI_API_KEY"
    assert err.details["status"] == 401
    assert CANARY not in repr(err.to_dict())  # the echoed key is redacted from kept details


def test_rate_limit_carries_retry_after() -> None:
    exc = anthropic.RateLimitError(
        "slow down",
        response=_response(429, {"retry-after": "7"}),
        body={"error": {"type": "rate_limit_error"}},
    )
    err = classify_exception(exc, target=ANTHROPIC)
    assert isinstance(err, ProviderUnavailable) and err.retryable and err.retry_after == 7
    assert err.failure == "rate_limited"


def test_anthropic_overloaded_529_is_retryable() -> None:
    exc = anthropic.InternalServerError("overloaded", response=_response(529), body=None)
    err = classify_exception(exc, target=ANTHROPIC)
    assert err is not None and err.failure == "overloaded" and err.retryable


def test_error_event_inside_a_200_stream_is_read_by_its_type() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    exc = anthropic.APIStatusError("stream error", response=_response(200), body=body)
    err = classify_exception(exc, target=ANTHROPIC)
    assert err is not None and err.failure == "overloaded" and err.retryable


def _wrapped(cause: Exception) -> openai.APIConnectionError:
    """What the SDK raises: its connection error `from` the transport's."""
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    try:
        try:
            raise cause
        except Exception as exc:
            raise openai.APIConnectionError(request=request) from exc
    except openai.APIConnectionError as wrapped:
        return wrapped


def test_connection_and_timeout_errors() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    # Refused or a name that does not resolve: nothing to retry, the address setting is wrong.
    for cause in (httpx2.ConnectError("All connection attempts failed"), httpx2.ConnectError("[Errno -2]")):
        down = classify_exception(_wrapped(cause), target=OPENAI)
        assert down is not None and down.failure == "unreachable" and not down.retryable
        assert "could not be reached at https://api.openai.com/v1 (OPENAI_BASE_URL)" in down.message
    # A connection that was made and then lost before any answer may work the next time.
    dropped = classify_exception(_wrapped(httpx2.RemoteProtocolError("Server disconnected")), target=OPENAI)
    assert dropped is not None and dropped.failure == "disconnected" and dropped.retryable
    slow = classify_exception(openai.APITimeoutError(request=request), target=OPENAI)
    assert slow is not None and slow.failure == "timeout"
    # the same loss after text arrived is a cut-off answer
    cut = classify_exception(httpx2.RemoteProtocolError("peer closed"), target=OPENAI, mid_stream=True)
    assert isinstance(cut, ProviderOutputRejected) and cut.failure == "cut_off"


def test_hf_http_errors_and_tgi_stream_errors() -> None:
    http = HfHubHTTPError("401 Client Error", response=_response(401, body=b'{"error":"bad token"}'))
    err = classify_exception(http, target=JOX)
    assert isinstance(err, ProviderAuthError)
    assert err.message == "JoxCoder rejected the API key (HTTP 401): check JOXCODER_API_KEY"
    stream_error = classify_exception(OverloadedError("overloaded"), target=JOX)
    assert stream_error is not None and stream_error.failure == "overloaded"
    # a TGI error raised from an HTTP 429 keeps the status and its retry-after
    try:
        try:
            raise HfHubHTTPError("429", response=_response(429, {"retry-after": "2"}))
        except HfHubHTTPError as cause:
            raise OverloadedError("overloaded") from cause
    except OverloadedError as exc:
        chained = classify_exception(exc, target=JOX)
    assert chained is not None and chained.failure == "rate_limited" and chained.retry_after == 2


def test_malformed_json_and_unknown_exceptions() -> None:
    import json

    try:
        json.loads("{broken")
    except json.JSONDecodeError as exc:
        err = classify_exception(exc, target=OPENAI)
    assert err is not None and err.failure == "malformed"
    assert classify_exception(KeyError("a bug"), target=OPENAI) is None  # bugs are not provider errors


def test_missing_settings_name_the_variable() -> None:
    assert (
        failure("missing_key", target=ANTHROPIC).message
        == "Anthropic needs an API key: set ANTHROPIC_API_KEY"
    )
    err = failure("missing_url", target=Target(provider="joxcoder", model="joxcoder"))
    assert err.message == "JoxCoder needs an endpoint: set JOXCODER_API_URL"
    assert isinstance(failure("not_found", target=JOX), ProviderRequestRejected)


def test_urls_in_messages_lose_credentials_and_query() -> None:
    err = failure("unreachable", target=JOX)
    assert "https://jox.example/ep (JOXCODER_API_URL)" in err.message
    assert "pw" not in err.message and "token" not in err.message
    assert safe_url("not a url") == ""


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "Thu, 01 Jan 1970 00:01:40 GMT"}, 40.0),  # a date, 40 s after `now`
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers, now=60.0) == seconds


def test_redact_removes_secrets_and_key_shapes() -> None:
    text = f"bad key {CANARY}; also sk-proj-abcdef123456 and hf_abcdefghijkl but not task-runner"
    clean = redact(text, [CANARY])
    assert CANARY not in clean and "sk-proj" not in clean and "hf_abc" not in clean
    assert "task-runner" in clean
