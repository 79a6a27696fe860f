import pytest
from pydantic import SecretStr

from autocrea.config import Settings
from autocrea.errors import InvalidInput, ProviderNotConfigured
from autocrea.providers.select import (
    Credentials,
    ModelChoice,
    build_model,
    model_from_settings,
    parse_fallbacks,
    parse_model,
    policy_for,
)

POLICY = policy_for(timeout_seconds=5, max_retries=1)


@pytest.mark.parametrize(
    ("spec", "choice"),
    [
        ("blueprint", ModelChoice("blueprint", "blueprint")),
        ("joxcoder", ModelChoice("joxcoder", "joxcoder")),
        ("openai", ModelChoice("openai", "gpt-4o-mini")),
        ("openai:gpt-4.1", ModelChoice("openai", "gpt-4.1")),
        ("openai:qwen2.5-coder:7b", ModelChoice("openai", "qwen2.5-coder:7b")),  # Ollama tag
        (
            "openai:meta-llama/Llama-3.1-8B-Instruct",
            ModelChoice("openai", "meta-llama/Llama-3.1-8B-Instruct"),
        ),
        (" Anthropic:claude-haiku-4-5 ", ModelChoice("anthropic", "claude-haiku-4-5")),
        ("anthropic", ModelChoice("anthropic", "claude-sonnet-4-6")),
        ("openai:", ModelChoice("openai", "gpt-4o-mini")),  # an empty name means the default
    ],
)
def test_parse_model(spec: str, choice: ModelChoice) -> None:
    assert parse_model(spec) == choice


@pytest.mark.parametrize(
    "spec",
    ["", "gpt-4o", "mistral:7b", "blueprint:x", "openai:<script>", "openai:a b", "openai:" + "x" * 500],
)
def test_anything_else_is_a_clear_invalid_input(spec: str) -> None:
    with pytest.raises(
        InvalidInput, match="blueprint, joxcoder, openai:<model> or anthropic:<model>"
    ) as info:
        parse_model(spec)
    assert len(info.value.message) < 200  # a huge spec is not echoed back whole


def test_fallbacks() -> None:
    assert parse_fallbacks("") == ()
    assert parse_fallbacks(" openai:gpt-4o-mini , anthropic ") == (
        ModelChoice("openai", "gpt-4o-mini"),
        ModelChoice("anthropic", "claude-sonnet-4-6"),
    )
    with pytest.raises(InvalidInput, match="fallback"):
        parse_fallbacks("openai,blueprint")


def test_missing_key_or_url_fails_before_any_request() -> None:
    with pytest.raises(ProviderNotConfigured, match="set JOXCODER_API_URL"):
        build_model(
            ModelChoice("joxcoder", "joxcoder"), credentials=Credentials(), policy=POLICY, timeout_seconds=5
        )
    creds = Credentials(joxcoder_api_url="http://127.0.0.1:9")
    with pytest.raises(ProviderNotConfigured, match="set JOXCODER_API_KEY"):
        build_model(ModelChoice("joxcoder", "joxcoder"), credentials=creds, policy=POLICY, timeout_seconds=5)
    with pytest.raises(ProviderNotConfigured, match="OpenAI needs an API key: set OPENAI_API_KEY"):
        build_model(parse_model("openai"), credentials=Credentials(), policy=POLICY, timeout_seconds=5)
    # a configured fallback without its key is a misconfiguration too
    creds = Credentials(openai_api_key=SecretStr("k"))
    with pytest.raises(ProviderNotConfigured, match="ANTHROPIC_API_KEY"):
        build_model(
            parse_model("openai"),
            fallbacks=parse_fallbacks("anthropic"),
            credentials=creds,
            policy=POLICY,
            timeout_seconds=5,
        )


def test_a_local_openai_compatible_server_needs_no_key() -> None:
    creds = Credentials(openai_base_url="http://127.0.0.1:11434/v1")
    model = build_model(
        parse_model("openai:qwen2.5-coder:7b"), credentials=creds, policy=POLICY, timeout_seconds=5
    )
    assert model.name == "openai" and model.model == "qwen2.5-coder:7b"
    assert model.capabilities.edit_format == "whole"  # unknown model: the generic capabilities


def test_chain_in_order_without_duplicates() -> None:
    creds = Credentials(
        joxcoder_api_url="http://127.0.0.1:9",
        joxcoder_api_key=SecretStr("j"),
        openai_api_key=SecretStr("o"),
        anthropic_api_key=SecretStr("a"),
    )
    model = build_model(
        parse_model("joxcoder"),
        fallbacks=parse_fallbacks("openai,anthropic,openai:gpt-4o-mini"),
        credentials=creds,
        policy=POLICY,
        timeout_seconds=5,
    )
    assert [(p.name, p.model) for p in model.providers] == [
        ("joxcoder", "joxcoder"),
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-sonnet-4-6"),
    ]
    assert (
        repr(model)
        == "ResilientModel(joxcoder:joxcoder -> openai:gpt-4o-mini -> anthropic:claude-sonnet-4-6)"
    )


def test_model_from_settings_reads_plain_variable_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-123456")
    monkeypatch.setenv("AUTOCREA_MODEL_FALLBACKS", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert model_from_settings("blueprint", settings=settings) is None
    model = model_from_settings("openai:gpt-4.1", settings=settings)
    assert model is not None and model.model == "gpt-4.1"
    assert "sk-from-env" not in repr(settings) and "sk-from-env" not in repr(model.providers)


def test_a_bad_fallback_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOCREA_MODEL_FALLBACKS", "openai,gemini")
    with pytest.raises(InvalidInput, match=r"^AUTOCREA_MODEL_FALLBACKS: unknown model 'gemini'"):
        model_from_settings("anthropic", settings=Settings(_env_file=None))  # type: ignore[call-arg]
