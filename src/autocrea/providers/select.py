"""`--model joxcoder | openai[:<model>] | anthropic[:<model>] | blueprint` → a ready model chain."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr

from autocrea.errors import InvalidInput
from autocrea.providers.catalog import Catalog, ProviderName, load_catalog
from autocrea.providers.protocol import Clock, Provider
from autocrea.providers.resilience import Random, ResilientModel, RetryPolicy, Sleep

if TYPE_CHECKING:
    from autocrea.config import Settings

Engine = Literal["blueprint", "joxcoder", "openai", "anthropic"]
USAGE = "use blueprint, joxcoder, openai:<model> or anthropic:<model>"
# Hub ids (org/name), Ollama tags (qwen2.5-coder:7b), dated versions; nothing that could smuggle markup.
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}")


@dataclass(frozen=True)
class ModelChoice:
    engine: Engine
    model: str

    def __str__(self) -> str:
        return self.engine if self.engine in ("blueprint", "joxcoder") else f"{self.engine}:{self.model}"


def parse_model(text: str, *, catalog: Catalog | None = None) -> ModelChoice:
    """Parse one model spec; anything else is a clear InvalidInput."""
    catalog = catalog or load_catalog()
    spec = text.strip()
    engine, _, name = spec.partition(":")
    engine = engine.lower()
    if engine == "blueprint" and not name:
        return ModelChoice("blueprint", "blueprint")
    if engine == "joxcoder":
        name = name or "joxcoder"
    elif engine in ("openai", "anthropic"):
        name = name or catalog.default_model(engine)  # type: ignore[arg-type]  # checked just above
    else:
        raise InvalidInput(f"unknown model {text[:80]!r}; {USAGE}")
    if not _MODEL_NAME.fullmatch(name):
        raise InvalidInput(f"invalid model name {name[:80]!r} for {engine}; {USAGE}")
    return ModelChoice(engine, name)  # type: ignore[arg-type]  # one of the three above


def parse_fallbacks(text: str, *, catalog: Catalog | None = None) -> tuple[ModelChoice, ...]:
    """`openai:gpt-4o-mini, anthropic` → the chain after the chosen model (empty: no fallback)."""
    choices = tuple(parse_model(part, catalog=catalog) for part in text.split(",") if part.strip())
    if any(c.engine == "blueprint" for c in choices):
        raise InvalidInput(
            "blueprint cannot be a fallback model; list joxcoder, openai:<model> or anthropic:<model>"
        )
    return choices


@dataclass(frozen=True)
class Credentials:
    """Where each provider lives and its key. SecretStr keeps keys out of reprs and logs."""

    joxcoder_api_url: str | None = None
    joxcoder_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    # Providers whose key (and address) are the run owner's own, from Settings, not the server's.
    own: frozenset[ProviderName] = frozenset()

    def secrets(self) -> tuple[str, ...]:
        keys = (self.joxcoder_api_key, self.openai_api_key, self.anthropic_api_key)
        return tuple(k.get_secret_value() for k in keys if k is not None and k.get_secret_value())


def _plain(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def build_provider(
    choice: ModelChoice, *, credentials: Credentials, timeout: float, catalog: Catalog, clock: Clock
) -> Provider:
    """One adapter; SDKs are imported only here, when a model is really used."""
    if choice.engine == "blueprint":
        raise ValueError("blueprint is the offline engine, not a model provider")
    provider: ProviderName = choice.engine
    caps = catalog.lookup(provider=provider, model=choice.model)
    if provider == "joxcoder":
        from autocrea.providers.joxcoder import JoxCoderProvider

        return JoxCoderProvider(
            model=choice.model,
            capabilities=caps,
            api_url=credentials.joxcoder_api_url,
            api_key=_plain(credentials.joxcoder_api_key),
            timeout=timeout,
            clock=clock,
            own_key=provider in credentials.own,
        )
    if provider == "openai":
        from autocrea.providers.openai_provider import OpenAIProvider

        return OpenAIProvider(
            model=choice.model,
            capabilities=caps,
            api_key=_plain(credentials.openai_api_key),
            base_url=credentials.openai_base_url,
            timeout=timeout,
            clock=clock,
            own_key=provider in credentials.own,
        )
    from autocrea.providers.anthropic_provider import AnthropicProvider

    return AnthropicProvider(
        model=choice.model,
        capabilities=caps,
        api_key=_plain(credentials.anthropic_api_key),
        base_url=credentials.anthropic_base_url,
        timeout=timeout,
        clock=clock,
        own_key=provider in credentials.own,
    )


def policy_for(
    *, timeout_seconds: float, max_retries: int, answer_seconds: float | None = None
) -> RetryPolicy:
    """An attempt may stream for a while, but not forever; `answer_seconds` (a run's deadline for a
    usable answer, retries included) caps both, so retries never outlast what the run waits for."""
    attempt, total = timeout_seconds * 10, timeout_seconds * 20
    if answer_seconds is not None:
        attempt, total = min(attempt, answer_seconds), min(total, answer_seconds)
    return RetryPolicy(max_retries=max_retries, attempt_timeout=attempt, max_total_seconds=total)


def build_model(
    choice: ModelChoice,
    *,
    fallbacks: Sequence[ModelChoice] = (),
    credentials: Credentials,
    policy: RetryPolicy,
    timeout_seconds: float,
    catalog: Catalog | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
    rand: Random = random.random,
) -> ResilientModel:
    """The chosen model, then each configured fallback once. A missing key or URL of any of them
    fails here, before a run starts, naming the provider and the setting."""
    catalog = catalog or load_catalog()
    chain: list[ModelChoice] = []
    for c in (choice, *fallbacks):
        if c not in chain:
            chain.append(c)
    providers = [
        build_provider(c, credentials=credentials, timeout=timeout_seconds, catalog=catalog, clock=clock)
        for c in chain
    ]
    return ResilientModel(
        providers, policy=policy, secrets=credentials.secrets(), sleep=sleep, clock=clock, rand=rand
    )


def credentials_from(settings: Settings) -> Credentials:
    return Credentials(
        joxcoder_api_url=settings.joxcoder_api_url,
        joxcoder_api_key=settings.joxcoder_api_key,
        openai_api_key=settings.openai_api_key,
        openai_base_url=settings.openai_base_url,
        anthropic_api_key=settings.anthropic_api_key,
        anthropic_base_url=settings.anthropic_base_url,
    )


def fallbacks_from(settings: Settings) -> tuple[ModelChoice, ...]:
    try:
        return parse_fallbacks(settings.model_fallbacks)
    except InvalidInput as exc:  # say which setting holds the bad value
        raise InvalidInput(f"AUTOCREA_MODEL_FALLBACKS: {exc.message}") from None


def model_from_settings(spec: str, *, settings: Settings) -> ResilientModel | None:
    """For the roots (CLI, worker): None means the offline Blueprint engine."""
    choice = parse_model(spec)
    if choice.engine == "blueprint":
        return None
    return build_model(
        choice,
        fallbacks=fallbacks_from(settings),
        credentials=credentials_from(settings),
        policy=policy_for(
            timeout_seconds=settings.model_timeout_seconds,
            max_retries=settings.model_max_retries,
            answer_seconds=settings.model_answer_seconds,
        ),
        timeout_seconds=settings.model_timeout_seconds,
    )
