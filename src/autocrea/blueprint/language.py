"""Language: is the prompt Spanish or English? Counted on stop words; ties go to Spanish."""

from __future__ import annotations

from collections.abc import Sequence

from autocrea.blueprint.lexicon import Lexicon
from autocrea.blueprint.text import Token
from autocrea.domain.appspec import Language

_SPANISH_MARKS = frozenset("áéíóúñ¿¡ÁÉÍÓÚÑ")


def detect(text: str, tokens: Sequence[Token], lexicon: Lexicon) -> Language:
    english = sum(1 for t in tokens if t.norm in lexicon.stopwords_en)
    spanish = sum(1 for t in tokens if t.norm in lexicon.stopwords_es)
    # Accented letters and ¿¡ are strong Spanish evidence even in short prompts ("Gráficos").
    spanish += sum(1 for c in text if c in _SPANISH_MARKS)
    # The product is Spanish-first: a tie (including "no evidence at all") means Spanish.
    return "en" if english > spanish else "es"
