"""The one error table: every provider failure becomes a named, typed `ProviderError`.

A row says whether the failure is worth retrying and what to tell the user, naming the provider and
the setting to fix. SDK exceptions are recognised by shape (status code, headers) and by class,
looked up only in SDKs already imported, so this module imports none of them.
"""

from __future__ import annotations

import email.utils
import json
import re
import socket
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlsplit

from autocrea.errors import (
    AllProvidersFailed,
    ProviderAuthError,
    ProviderError,
    ProviderNotConfigured,
    ProviderOutputRejected,
    ProviderRequestRejected,
    ProviderUnavailable,
)


@dataclass(frozen=True)
class Label:
    title: str
    key_setting: str
    url_setting: str | None
    default_url: str
    # What a server at another address is called: "OpenAI's answer" for a llama.cpp server misleads.
    compatible: str = ""


LABELS: dict[str, Label] = {
    "joxcoder": Label("JoxCoder", "JOXCODER_API_KEY", "JOXCODER_API_URL", ""),
    "openai": Label(
        "OpenAI",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
        "The OpenAI-compatible server",
    ),
    "anthropic": Label(
        "Anthropic",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "https://api.anthropic.com",
        "The Anthropic-compatible server",
    ),
}
# Where a user's own key and base URL are set (they are not server settings).
OWN_KEYS = "your key in Settings → Model keys"

# Rows that mean the user's or owner's configuration is wrong (key, account, address, model name):
# asking again, or asking another role, cannot help. A run fails at once on these, naming the setting.
CONFIGURATION = frozenset(
    {"missing_key", "missing_url", "auth", "forbidden", "spend_limit", "unreachable", "not_found"}
)


@dataclass(frozen=True)
class Failure:
    name: str
    retryable: bool
    error: type[ProviderError]
    message: str  # str.format with: provider key_setting url_setting where model http limit summary


TABLE: dict[str, Failure] = {
    f.name: f
    for f in (
        Failure(
            "missing_key", False, ProviderNotConfigured, "{provider} needs an API key: set {key_setting}"
        ),
        Failure(
            "missing_url", False, ProviderNotConfigured, "{provider} needs an endpoint: set {url_setting}"
        ),
        Failure(
            "auth", False, ProviderAuthError, "{provider} rejected the API key{http}: check {key_setting}"
        ),
        Failure(
            "forbidden",
            False,
            ProviderAuthError,
            "{provider} refused the API key access to {model}{http}: check {key_setting}",
        ),
        Failure(
            "spend_limit",
            False,
            ProviderAuthError,
            "{provider} refused{http}: the account of {key_setting} is out of credit or over its spend limit",
        ),
        Failure(
            "bad_request",
            False,
            ProviderRequestRejected,
            "{provider} rejected the request to {model} as invalid{http}",
        ),
        Failure("not_found", False, ProviderRequestRejected, "{provider} has no model {model} at {where}"),
        Failure(
            "too_large", False, ProviderRequestRejected, "{provider} found the request too large for {model}"
        ),
        Failure(
            "secret_in_prompt",
            False,
            ProviderRequestRejected,
            "{provider} was not sent a prompt: it contains a configured API key",
        ),
        Failure("rate_limited", True, ProviderUnavailable, "{provider} is rate limiting requests{http}"),
        Failure("overloaded", True, ProviderUnavailable, "{provider} is overloaded{http}"),
        Failure("server_error", True, ProviderUnavailable, "{provider} failed on its side{http}"),
        Failure("timeout", True, ProviderUnavailable, "{provider} did not answer in time at {where}"),
        # Nothing listens there, or the name does not resolve: asking again at once will not help.
        Failure("unreachable", False, ProviderUnavailable, "{provider} could not be reached at {where}"),
        Failure(
            "disconnected",
            True,
            ProviderUnavailable,
            "{provider} closed the connection without answering at {where}",
        ),
        Failure(
            "malformed", True, ProviderOutputRejected, "{provider} sent a response that could not be read"
        ),
        Failure("cut_off", True, ProviderOutputRejected, "{provider}'s answer stopped before it finished"),
        Failure("empty_output", True, ProviderOutputRejected, "{provider} returned an empty answer"),
        Failure(
            "output_too_large",
            False,
            ProviderOutputRejected,
            "{provider}'s answer passed the limit of {limit} characters",
        ),
        Failure(
            "hostile_output",
            False,
            ProviderOutputRejected,
            "{provider}'s answer contains binary or control characters",
        ),
        Failure("all_failed", False, AllProvidersFailed, "no model could answer: {summary}"),
    )
}


@dataclass(frozen=True)
class Target:
    """Which provider a failure is about; `secrets` are redacted from anything we keep.
    `own_key`: the key and address are the run owner's own (Settings), not the server's settings."""

    provider: str
    model: str
    base_url: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    own_key: bool = False

    @property
    def title(self) -> str:
        """How messages name it: "OpenAI", or "The OpenAI-compatible server" at another address."""
        label = LABELS.get(self.provider, Label(self.provider, "", None, ""))
        if label.compatible and self.base_url and _host(self.base_url) != _host(label.default_url):
            return label.compatible
        return label.title

    @property
    def compatible(self) -> bool:
        label = LABELS.get(self.provider)
        return label is not None and self.title == label.compatible


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def failure(
    name: str,
    *,
    target: Target,
    status: int | None = None,
    retry_after: float | None = None,
    server_message: str = "",
    **fields: Any,
) -> ProviderError:
    """Build the error of row `name` of the table."""
    row = TABLE[name]
    label = LABELS.get(target.provider, Label(target.provider, "", None, ""))
    key_setting = OWN_KEYS if target.own_key else label.key_setting
    url_setting = OWN_KEYS if target.own_key and target.base_url else (label.url_setting or "")
    where = safe_url(target.base_url or label.default_url) or "its endpoint"
    if url_setting:
        where += f" ({url_setting})"
    title = target.title
    values = {
        "provider": title,
        "key_setting": key_setting,
        "url_setting": url_setting,
        "where": where,
        "model": target.model,
        "http": f" (HTTP {status})" if status else "",
        **fields,
    }
    # What a page needs to word the failure in its own language (names, never secrets).
    details: dict[str, Any] = {
        "model": target.model,
        "title": title,
        "compatible": target.compatible,
        "setting": url_setting if name in ("unreachable", "missing_url") else key_setting,
        "own_key": target.own_key,
        "where": safe_url(target.base_url or label.default_url),
    }
    if status is not None:
        details["status"] = status
    if server_message:
        details["server_message"] = redact(server_message, target.secrets)[:300]
    return row.error(
        redact(row.message.format_map(_Blanks(values)), target.secrets),
        provider=target.provider,
        failure=row.name,
        retryable=row.retryable,
        retry_after=retry_after,
        details=details,
    )


class _Blanks(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # a field the caller did not give shows as "?"
        return "?"


def failure_for_status(status: int, text: str) -> str:
    """Row name for an HTTP status; `text` (error body) tells spend limits and context overflows apart."""
    lowered = text.lower() if 400 <= status < 500 else ""
    if status == 402 or any(mark in lowered for mark in _SPEND_MARKS):
        return "spend_limit"
    if status == 413 or any(mark in lowered for mark in _TOO_LARGE_MARKS):
        return "too_large"
    by_status = {401: "auth", 403: "forbidden", 404: "not_found", 405: "not_found", 408: "timeout"}
    if status in by_status:
        return by_status[status]
    if status == 429:
        return "rate_limited"
    if status in (503, 529):
        return "overloaded"
    if status >= 500 or status == 409:  # 409: a conflicting request in flight; both SDKs retry it
        return "server_error"
    return "bad_request"


_SPEND_MARKS = (
    "insufficient_quota",
    "credit balance",
    "spend limit",
    "billing",
    "exceeded your current quota",
)
_TOO_LARGE_MARKS = ("context_length_exceeded", "maximum context length", "prompt is too long")


def classify_exception(
    exc: BaseException, *, target: Target, mid_stream: bool = False
) -> ProviderError | None:
    """The table row for an SDK or transport exception; None for anything else (a bug: let it raise).
    `mid_stream`: text had already arrived, so a lost connection means a cut-off answer."""
    if isinstance(exc, ProviderError):
        return exc
    if _is(exc, _MALFORMED) or isinstance(exc, json.JSONDecodeError):
        return failure("malformed", target=target)
    tgi = _tgi_stream_error(exc)
    if tgi and exc.__cause__ is not None and _http_facts(exc.__cause__)[0]:
        exc = exc.__cause__  # raised from an HTTP error: its status and headers say more
    elif tgi:
        return failure(tgi, target=target, server_message=str(exc))
    status, headers, text = _http_facts(exc)
    if status is not None and status >= 400:
        return failure(
            failure_for_status(status, text),
            target=target,
            status=status,
            retry_after=parse_retry_after(headers),
            server_message=text,
        )
    if not mid_stream and _connect_failed(exc):
        return failure("unreachable", target=target)
    if _is(exc, _TIMEOUTS) or isinstance(exc, TimeoutError):
        return failure("cut_off" if mid_stream else "timeout", target=target)
    if _is(exc, _TRANSPORT) or isinstance(exc, ConnectionError):
        return failure("cut_off" if mid_stream else "disconnected", target=target)
    if _is(exc, _API_ERRORS):  # an error event inside a 200 stream: its type says what happened
        kind = _error_type(getattr(exc, "body", None))
        return failure(_BY_ERROR_TYPE.get(kind, "server_error"), target=target, server_message=text)
    return None


# SDK classes by (module, name); only modules already imported are consulted.
_TIMEOUTS = (("openai", "APITimeoutError"), ("anthropic", "APITimeoutError"), ("httpx2", "TimeoutException"))
_TRANSPORT = (
    ("openai", "APIConnectionError"),
    ("anthropic", "APIConnectionError"),
    ("httpx2", "TransportError"),
)
_MALFORMED = (
    ("openai", "APIResponseValidationError"),
    ("anthropic", "APIResponseValidationError"),
    ("httpx2", "DecodingError"),
    ("pydantic", "ValidationError"),
)
_API_ERRORS = (("openai", "APIError"), ("anthropic", "APIError"))
_BY_ERROR_TYPE = {
    "overloaded_error": "overloaded",
    "rate_limit_error": "rate_limited",
    "invalid_request_error": "bad_request",
    "authentication_error": "auth",
    "permission_error": "forbidden",
    "not_found_error": "not_found",
    "request_too_large": "too_large",
}
_TGI_ERRORS = {
    "OverloadedError": "overloaded",
    "IncompleteGenerationError": "cut_off",
    "ValidationError": "bad_request",
    "GenerationError": "server_error",
    "UnknownError": "server_error",
}


_CONNECT = (("httpx2", "ConnectError"), ("httpx2", "ConnectTimeout"), ("httpx", "ConnectError"))


def _connect_failed(exc: BaseException) -> bool:
    """No connection was ever made: refused, no route, a name that does not resolve, no handshake.
    SDKs wrap the transport's error (`raise APIConnectionError(...) from err`): follow the causes."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if _is(seen, _CONNECT) or isinstance(seen, ConnectionRefusedError | socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def configuration_failure(err: ProviderError) -> ProviderError | None:
    """The error itself when it says the chosen model's configuration is wrong (bad key, spend
    limit, nothing at the address, no such model), else None. For a chain of models that all
    failed, the chosen one's (the first) failure decides."""
    if err.failure in CONFIGURATION:
        return err
    failures = err.details.get("failures") if err.failure == "all_failed" else None
    first = failures[0] if isinstance(failures, list) and failures else None
    if isinstance(first, dict) and first.get("failure") in CONFIGURATION:
        return err
    return None


def _is(exc: BaseException, classes: Iterable[tuple[str, str]]) -> bool:
    for module, name in classes:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return True
    return False


def _tgi_stream_error(exc: BaseException) -> str | None:
    # TGI reports errors inside a stream as {"error", "error_type"}; huggingface_hub raises these.
    base = getattr(sys.modules.get("huggingface_hub.errors"), "TextGenerationError", None)
    if isinstance(base, type) and isinstance(exc, base):
        return _TGI_ERRORS.get(type(exc).__name__, "server_error")
    return None


def _http_facts(exc: BaseException) -> tuple[int | None, Mapping[str, str], str]:
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    status = status if isinstance(status, int) else None
    headers = getattr(response, "headers", None) or {}
    body = getattr(exc, "body", None)
    if body is None and response is not None and status is not None:
        try:
            body = response.text
        except Exception:  # a streamed response that was never read
            body = None
    return status, headers, _server_text(body) or str(getattr(exc, "message", ""))


def _error_type(body: object) -> str:
    err = body.get("error", body) if isinstance(body, dict) else None
    return str(err.get("type", "")) if isinstance(err, dict) else ""


def _server_text(body: object) -> str:
    """The error text of an OpenAI, Anthropic or TGI error body."""
    if isinstance(body, str):
        raw = body
        try:
            body = json.loads(raw)
        except ValueError:
            return raw[:1000]
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            parts = [str(err.get(k, "")) for k in ("message", "code", "type")]
            return " ".join(p for p in parts if p)
        return str(err)[:1000]
    return ""


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, or `retry-after` (seconds or a date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        value = lowered.get("retry-after")
        if value is None:
            return None
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_KEYLIKE = re.compile(r"\b(?:sk-|hf_)[A-Za-z0-9_\-*.]{6,}")


MIN_SECRET_CHARS = 12  # real API keys are far longer; shorter values are placeholders


def redact(text: str, secrets: Iterable[str]) -> str:
    """Remove configured secrets and anything shaped like an API key (servers echo keys, masked or not)."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_CHARS:
            text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)


def safe_url(url: str) -> str:
    """scheme://host[:port]/path, without credentials or query (which may carry tokens)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    if not parts.scheme or not host:
        return ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def raise_classified(exc: Exception, *, target: Target, mid_stream: bool) -> NoReturn:
    """Re-raise `exc` as its table row. `from None`: the SDK error may quote the key back."""
    error = classify_exception(exc, target=target, mid_stream=mid_stream)
    if error is None:
        raise exc
    if error is exc:
        raise error
    raise error from None
