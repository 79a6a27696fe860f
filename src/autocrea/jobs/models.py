"""Which model a run uses: the server's providers, with the run owner's own keys taking precedence.

A user's key is decrypted only here, for that user's run, and never leaves the model chain (which
redacts it from errors and events).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from cryptography.fernet import Fernet
from pydantic import SecretStr

from autocrea.accounts.endpoint import require_public
from autocrea.accounts.keys import read_keys
from autocrea.providers.resilience import ResilientModel, RetryPolicy
from autocrea.providers.select import Credentials, ModelChoice, build_model, parse_model
from autocrea.storage.runs import Sessions
from autocrea.storage.tables import Run


@dataclass(frozen=True)
class ModelSetup:
    """The server's side of model selection (from settings, at the root)."""

    credentials: Credentials
    fallbacks: Sequence[ModelChoice]
    policy: RetryPolicy
    timeout_seconds: float
    allow_private_urls: bool = False  # for users' own base URLs; the server's own are trusted


def with_user_keys(base: Credentials, keys: dict[str, tuple[str, str | None]]) -> Credentials:
    creds = replace(base, own=frozenset())
    if "openai" in keys:
        key, url = keys["openai"]
        creds = replace(
            creds,
            openai_api_key=SecretStr(key),
            openai_base_url=url or base.openai_base_url,
            own=creds.own | {"openai"},
        )
    if "anthropic" in keys:
        key, url = keys["anthropic"]
        creds = replace(
            creds,
            anthropic_api_key=SecretStr(key),
            anthropic_base_url=url or base.anthropic_base_url,
            own=creds.own | {"anthropic"},
        )
    if "huggingface" in keys:
        key, url = keys["huggingface"]
        creds = replace(
            creds,
            joxcoder_api_key=SecretStr(key),
            joxcoder_api_url=url or base.joxcoder_api_url,
            own=creds.own | {"joxcoder"},
        )
    return creds


async def users_keys(
    sessions: Sessions, *, fernet: Fernet, user_id: str, allow_private: bool
) -> dict[str, tuple[str, str | None]]:
    """The user's keys, each base URL checked again: a name may resolve elsewhere than when saved."""
    keys = await read_keys(sessions, fernet=fernet, user_id=user_id)
    if not allow_private:
        for _, url in keys.values():
            if url is not None:
                await require_public(url)
    return keys


def build_for(spec: str, setup: ModelSetup, credentials: Credentials) -> ResilientModel | None:
    """None for the offline engine; raises ProviderNotConfigured naming the missing setting."""
    choice = parse_model(spec)
    if choice.engine == "blueprint":
        return None
    return build_model(
        choice,
        fallbacks=setup.fallbacks,
        credentials=credentials,
        policy=setup.policy,
        timeout_seconds=setup.timeout_seconds,
    )


def model_factory(
    setup: ModelSetup, *, sessions: Sessions, fernet: Fernet
) -> Callable[[Run], Awaitable[ResilientModel | None]]:
    async def model_for(run: Run) -> ResilientModel | None:
        if parse_model(run.model).engine == "blueprint":
            return None
        keys = await users_keys(
            sessions, fernet=fernet, user_id=run.user_id, allow_private=setup.allow_private_urls
        )
        return build_for(run.model, setup, with_user_keys(setup.credentials, keys))

    return model_for


async def check_model_for_user(
    spec: str, setup: ModelSetup, *, sessions: Sessions, fernet: Fernet, user_id: str
) -> None:
    """Fail before any hold when the chosen model cannot be used by this user (missing key, bad name)."""
    if parse_model(spec).engine == "blueprint":
        return
    keys = await users_keys(sessions, fernet=fernet, user_id=user_id, allow_private=setup.allow_private_urls)
    model = build_for(spec, setup, with_user_keys(setup.credentials, keys))
    if model is not None:
        await model.aclose()
