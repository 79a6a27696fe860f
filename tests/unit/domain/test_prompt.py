import pytest
from hypothesis import given
from hypothesis import strategies as st

from autocrea.domain.prompt import MAX_PROMPT_CHARS, clean_prompt
from autocrea.errors import PromptRejected


@pytest.mark.parametrize("raw", ["", "   ", "\n\t  \n"])
def test_empty_prompt_is_rejected(raw: str) -> None:
    with pytest.raises(PromptRejected, match="empty") as info:
        clean_prompt(raw)
    assert info.value.details["reason"] == "empty"


def test_over_long_prompt_is_rejected_with_numbers() -> None:
    with pytest.raises(PromptRejected, match=r"20,000") as info:
        clean_prompt("a" * (MAX_PROMPT_CHARS + 1))
    assert info.value.details == {"reason": "too_long", "length": 20_001, "limit": 20_000}


def test_prompt_at_the_limit_is_accepted() -> None:
    assert len(clean_prompt("a" * MAX_PROMPT_CHARS)) == MAX_PROMPT_CHARS


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00\x81garbage", "tienda\x00online", bytes(range(256)) * 4])
def test_binary_is_rejected(raw: str | bytes) -> None:
    with pytest.raises(PromptRejected, match=r"(binary|UTF-8)"):
        clean_prompt(raw)


def test_text_is_trimmed_and_normalised() -> None:
    assert clean_prompt("  Cafe\u0301 con gráficos \n") == "Café con gráficos"
    assert clean_prompt("Blog con CMS y autenticación".encode()) == "Blog con CMS y autenticación"


@given(st.text(max_size=300))
def test_any_text_is_cleaned_or_rejected_clearly(raw: str) -> None:
    try:
        out = clean_prompt(raw)
    except PromptRejected as exc:
        assert exc.message and exc.details["reason"] in {"empty", "binary", "too_long"}
    else:
        assert out and out == out.strip() and "\x00" not in out
