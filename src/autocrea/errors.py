"""One exception tree for AUTOCREA.

AutocreaError                    base; `code` is the stable machine name, `message` is for people
├── InvalidInput                 the user's input cannot be used (exit code 2, HTTP 400/413/422)
│   ├── PromptRejected           empty, too long, binary, or no recognisable application domain
│   │   └── PromptTooLong        over the prompt size limit (HTTP 413)
│   ├── OutputDirNotEmpty        `--out` points at an existing non-empty directory
│   ├── TooLarge                 a request body or field is over its size limit (HTTP 413)
│   └── SignatureRejected        a webhook whose signature is missing, wrong or too old (HTTP 400)
├── AuthError                    not logged in, bad credentials, expired or forged token (HTTP 401)
├── Forbidden                    logged in but not allowed, e.g. a missing CSRF token (HTTP 403)
├── NotFound                     no such object, or it belongs to someone else (HTTP 404)
├── Conflict                     the object is not in a state that allows this (HTTP 409)
├── RateLimited                  too many requests; `retry_after` seconds (HTTP 429)
├── UnsafePath                   a file path escapes the project or touches .git / links
├── SpecInvalid                  an AppSpec broke its own rules (names, relations, pages)
├── SandboxError                 the sandbox could not run a command (not: the command failed)
│   └── SandboxTimeout           a command ran past its wall-clock limit and was killed
├── RuntimeSetupFailed           the generated app's dependencies could not be installed
├── GitError                     a repository operation failed (unknown ref, corrupt repo)
├── PushFailed                   a push to a project's git remote did not happen; `details.reason` says why
│   ├── RemoteAuthFailed         the remote refused the token (HTTP 400)
│   ├── PushRejected             the remote has commits the project does not (HTTP 409)
│   └── RemoteUnreachable        no git server answered: name, refused, timeout, TLS (HTTP 502)
├── GenerationFailed             a run finished without meeting the definition of done
│   └── ModelFailed              the chosen model's answers were unusable and its run had no fallback
├── InsufficientCredits          too few credits available; `details` has required and available (HTTP 402)
├── CreditConflict               hold already closed the other way, or idempotency key reused (HTTP 409)
├── DatabaseError                the database could not be reached, opened or migrated
├── PaymentsNotConfigured        no Stripe keys on this server: nothing can be bought (HTTP 409)
├── PaymentProviderError        Stripe could not be reached or refused a request (HTTP 502)
└── ProviderError                a model provider gave no usable answer; names the provider and setting
    ├── ProviderNotConfigured    the chosen model needs a setting that is missing (key, URL)
    ├── ProviderAuthError        the key was rejected (401/403) or the account is over its spend limit
    ├── ProviderRequestRejected  the provider refused this request (400/404/413/422); not retried
    ├── ProviderUnavailable      unreachable, timed out, rate limited or failing (429/5xx/529)
    ├── ProviderOutputRejected   the answer was empty, too large, cut off, malformed or hostile
    └── AllProvidersFailed       every model of the configured chain failed; `details` lists each
"""

from __future__ import annotations

from typing import Any


class AutocreaError(Exception):
    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The API's one error shape."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(AutocreaError):
    code = "invalid_input"


class PromptRejected(InvalidInput):
    code = "prompt_rejected"


class PromptTooLong(PromptRejected):
    code = "prompt_too_long"


class OutputDirNotEmpty(InvalidInput):
    code = "output_dir_not_empty"


class TooLarge(InvalidInput):
    code = "too_large"


class SignatureRejected(InvalidInput):
    code = "invalid_signature"


class AuthError(AutocreaError):
    code = "unauthorized"


class Forbidden(AutocreaError):
    code = "forbidden"


class NotFound(AutocreaError):
    code = "not_found"


class Conflict(AutocreaError):
    code = "conflict"


class RateLimited(AutocreaError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class UnsafePath(AutocreaError):
    code = "unsafe_path"


class SpecInvalid(AutocreaError):
    code = "spec_invalid"


class SandboxError(AutocreaError):
    code = "sandbox_error"


class SandboxTimeout(SandboxError):
    code = "sandbox_timeout"


class RuntimeSetupFailed(AutocreaError):
    code = "runtime_setup_failed"


class GitError(AutocreaError):
    code = "git_error"


class PushFailed(AutocreaError):
    code = "push_failed"


class RemoteAuthFailed(PushFailed):
    code = "remote_auth_failed"


class PushRejected(PushFailed):
    code = "push_rejected"


class RemoteUnreachable(PushFailed):
    code = "remote_unreachable"


class GenerationFailed(AutocreaError):
    code = "generation_failed"


class ModelFailed(GenerationFailed):
    """The chosen model gave answers that could not be used and the run was told not to fall back
    to the Blueprint: it ends failed (and refunded) rather than built offline."""

    code = "model_failed"


class InsufficientCredits(AutocreaError):
    code = "insufficient_credits"

    def __init__(self, *, required: int, available: int) -> None:
        super().__init__(
            f"this needs {required} credits but {available} are available",
            details={"required": required, "available": available},
        )
        self.required = required
        self.available = available


class CreditConflict(AutocreaError):
    code = "credit_conflict"


class DatabaseError(AutocreaError):
    code = "database_error"


class PaymentsNotConfigured(AutocreaError):
    code = "payments_not_configured"


class PaymentProviderError(AutocreaError):
    code = "payment_provider_error"


class ProviderError(AutocreaError):
    """`provider` names the adapter, `failure` the row of the error table, `retryable` what to do."""

    code = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        failure: str = "",
        retryable: bool = False,
        retry_after: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details={"provider": provider, "failure": failure, **(details or {})})
        self.provider = provider
        self.failure = failure
        self.retryable = retryable
        self.retry_after = retry_after


class ProviderNotConfigured(ProviderError):
    code = "provider_not_configured"


class ProviderAuthError(ProviderError):
    code = "provider_auth_error"


class ProviderRequestRejected(ProviderError):
    code = "provider_request_rejected"


class ProviderUnavailable(ProviderError):
    code = "provider_unavailable"


class ProviderOutputRejected(ProviderError):
    code = "provider_output_rejected"


class AllProvidersFailed(ProviderError):
    code = "all_providers_failed"
