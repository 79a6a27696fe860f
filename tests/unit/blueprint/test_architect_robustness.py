"""The offline architect never crashes: any text gives a valid AppSpec or PromptRejected, quickly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocrea.blueprint.architect import design
from autocrea.domain.appspec import AppSpec
from autocrea.errors import PromptRejected

_VOCABULARY = [
    "books", "libros", "with", "con", "and", "y", ",", ".", "(", ")", "manage", "gestionar", "including",
    "title", "fecha", "price", "status", "background", "fondo", "navy", "azul", "white", "blanco",
    "components", "login", "dashboard", "stripe", "orders", "of", "de", "to", "a", "the", "el", "id",
    "metadata", "class", "def", "import", "9lives", "ÉÑ", "数据", "_", "-", "'s", "blog", "api",
    "cats", "query", "registry", "page", "session", "settings", "app", "base",
]  # fmt: skip


def _valid_or_rejected(text: str) -> None:
    try:
        spec = design(text).spec
    except PromptRejected as exc:
        assert exc.details.get("reason") in {"no_domain", "empty", "too_long", "binary"}
        return
    AppSpec.model_validate_json(spec.model_dump_json())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_a_valid_spec_or_a_rejection(text: str) -> None:
    _valid_or_rejected(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=60))
def test_any_mix_of_domain_words_gives_a_valid_spec_or_a_rejection(parts: list[str]) -> None:
    _valid_or_rejected(" ".join(parts))


def test_hostile_identifiers_are_sanitised() -> None:
    spec = design(
        "An app to manage classes, imports and defs with id, metadata, query, registry, class, "
        "created at and 2024 budget"
    ).spec
    for entity in spec.entities:
        for field in entity.fields:
            assert field.name not in {"id", "metadata", "query", "registry", "class", "created_at"}


def test_huge_repetitive_prompt_designs_a_bounded_spec() -> None:
    text = ("books with title and author, loans of books to members, manage cats and dogs. " * 400)[:20_000]
    spec = design(text).spec
    assert 1 <= len(spec.entities) <= 8


@pytest.mark.parametrize(
    "text",
    [
        "a " * 10_000,
        "with, with, with, with " * 1000,
        "(" * 5000 + "books",
        "Use navy and white and blue and red " * 500,
        "\n".join(["orders of products"] * 2000),
    ],
)
def test_pathological_prompts_do_not_crash(text: str) -> None:
    _valid_or_rejected(text)


def test_too_long_prompt_is_rejected_by_clean_prompt() -> None:
    with pytest.raises(PromptRejected) as caught:
        design("books " * 5000)
    assert caught.value.details["reason"] == "too_long"
