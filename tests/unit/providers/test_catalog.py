import pytest

from autocrea.providers.catalog import PROVIDERS, load_catalog, parse_catalog


def test_known_models_have_their_capabilities() -> None:
    catalog = load_catalog()
    mini = catalog.lookup(provider="openai", model="gpt-4o-mini")
    assert mini.json_mode and mini.context_tokens == 128000
    jox = catalog.lookup(provider="joxcoder", model="joxcoder")
    assert jox.edit_format == "whole" and jox.price_per_1k_prompt == 0


def test_dated_versions_find_their_family_by_longest_prefix() -> None:
    catalog = load_catalog()
    assert catalog.lookup(provider="anthropic", model="claude-sonnet-4-20250514") == catalog.lookup(
        provider="anthropic", model="claude-sonnet-4"
    )
    # gpt-4.1-mini must not be priced as gpt-4.1
    assert catalog.lookup(provider="openai", model="gpt-4.1-mini").price_per_1k_prompt == 0.0004


def test_unknown_models_get_the_provider_fallback() -> None:
    catalog = load_catalog()
    local = catalog.lookup(provider="openai", model="qwen2.5-coder:7b")
    assert local == catalog.fallback["openai"]
    assert local.edit_format == "whole" and not local.json_mode
    # an OpenAI name asked of Anthropic is not an Anthropic model
    assert catalog.lookup(provider="anthropic", model="gpt-4o") == catalog.fallback["anthropic"]


def test_every_provider_has_a_default_or_fallback() -> None:
    catalog = load_catalog()
    for provider in PROVIDERS:
        assert provider in catalog.fallback
    assert catalog.default_model("openai") == "gpt-4o-mini"


def test_cost_is_per_thousand_tokens() -> None:
    caps = load_catalog().lookup(provider="openai", model="gpt-4o-mini")
    assert caps.cost(prompt_tokens=2000, completion_tokens=1000) == pytest.approx(0.0003 + 0.0006)


@pytest.mark.parametrize(
    "broken",
    [
        {"defaults": {}, "models": {"x": {"provider": "openai"}}, "fallback": {}},
        {
            "defaults": {},
            "models": {},
            "fallback": {
                p: {
                    "context_tokens": 1,
                    "max_output_tokens": 1,
                    "edit_format": "diff",  # not a known edit format
                    "json_mode": False,
                    "price_per_1k_prompt": 0,
                    "price_per_1k_completion": 0,
                }
                for p in PROVIDERS
            },
        },
        {"defaults": {}, "models": {}, "fallback": {}},  # no fallback for unknown models
    ],
)
def test_a_broken_catalog_fails_loudly(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="invalid model catalog"):
        parse_catalog(broken)
