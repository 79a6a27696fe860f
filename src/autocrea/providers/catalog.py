"""Model capabilities as data (models.yml): context size, edit format, JSON mode, spec format, prices."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

ProviderName = Literal["joxcoder", "openai", "anthropic"]
PROVIDERS: tuple[ProviderName, ...] = ("joxcoder", "openai", "anthropic")
CATALOG_FILE = Path(__file__).with_name("models.yml")


class ModelCapabilities(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    context_tokens: int = Field(gt=0)
    max_output_tokens: int = Field(gt=0)
    edit_format: Literal["whole", "search_replace"]
    json_mode: bool
    # json: the architect asks for the AppSpec as JSON | compact: as spec lines (about a fifth of the
    # tokens); either answer is accepted from every model, this only decides what is asked for.
    spec_format: Literal["json", "compact"] = "json"
    price_per_1k_prompt: float = Field(ge=0)
    price_per_1k_completion: float = Field(ge=0)

    def cost(self, *, prompt_tokens: int, completion_tokens: int) -> float:
        """USD for one request."""
        return (
            prompt_tokens * self.price_per_1k_prompt + completion_tokens * self.price_per_1k_completion
        ) / 1000


class _Entry(ModelCapabilities):
    provider: ProviderName


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: dict[ProviderName, str]
    models: dict[str, _Entry]
    fallback: dict[ProviderName, ModelCapabilities]

    def lookup(self, *, provider: ProviderName, model: str) -> ModelCapabilities:
        """The longest entry `model` starts with (dated versions find their family), else the fallback."""
        matches = [
            name
            for name, entry in self.models.items()
            if entry.provider == provider and model.lower().startswith(name)
        ]
        if matches:
            entry = self.models[max(matches, key=len)]
            return ModelCapabilities(**entry.model_dump(exclude={"provider"}))
        return self.fallback[provider]

    def default_model(self, provider: ProviderName) -> str:
        return self.defaults.get(provider, provider)

    def cost(self, *, provider: str, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        """USD for one answer at this catalog's prices; 0 for a provider it does not know (a model
        served by no provider of ours costs us nothing we could price)."""
        for known in PROVIDERS:
            if known == provider:
                prices = self.lookup(provider=known, model=model)
                return prices.cost(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        return 0.0


def parse_catalog(data: Any) -> Catalog:
    """Validate a catalog document; a broken models.yml fails loudly at load, not mid-run."""
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"invalid model catalog: {exc}") from exc
    missing = [p for p in PROVIDERS if p not in catalog.fallback]
    if missing:
        raise ValueError(f"invalid model catalog: no fallback capabilities for {', '.join(missing)}")
    return catalog


@cache
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    with path.open(encoding="utf-8") as fh:
        return parse_catalog(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # noqa: S506 - safe loaders only
