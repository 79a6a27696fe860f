"""Language: is the prompt Spanish or English, or clearly another language the engine cannot read?

Counted on function words; accents and ¿¡ vote Spanish. With no function word either way, the
dictionaries decide (which language knows more of the words); a tie still means Spanish, the
product's first language.
"""

from __future__ import annotations

from collections.abc import Sequence

import simplemma

from autocrea.blueprint.lexicon import Lexicon
from autocrea.blueprint.reading import grammar
from autocrea.blueprint.text import Token
from autocrea.domain.appspec import Language

_SPANISH_MARKS = frozenset("áéíóúñ¿¡ÁÉÍÓÚÑ")
_FOREIGN_MIN = 2  # function words of another language before a description counts as written in it


def _votes(text: str, tokens: Sequence[Token], lexicon: Lexicon) -> tuple[int, int]:
    english = sum(1 for t in tokens if t.norm in lexicon.stopwords_en)
    spanish = sum(1 for t in tokens if t.norm in lexicon.stopwords_es)
    # Accented letters and ¿¡ are strong Spanish evidence even in short prompts ("Gráficos").
    spanish += sum(1 for c in text if c in _SPANISH_MARKS)
    return english, spanish


def detect(text: str, tokens: Sequence[Token], lexicon: Lexicon) -> Language:
    english, spanish = _votes(text, tokens, lexicon)
    if english == spanish:  # "Sailing regatta — boats, crews": no function word decides
        content = [t.norm for t in tokens if t.is_word and t.norm.isalpha()]
        english = sum(1 for w in content if simplemma.is_known(w, lang="en"))
        spanish = sum(1 for w in content if simplemma.is_known(w, lang="es"))
    return "en" if english > spanish else "es"


def foreign(text: str, tokens: Sequence[Token], lexicon: Lexicon) -> str | None:
    """The name of the language a description is written in, when it is neither Spanish nor English."""
    english, spanish = _votes(text, tokens, lexicon)
    best, count = None, 0
    for name, function_words in grammar().foreign.items():
        hits = sum(1 for t in tokens if t.norm in function_words)
        if hits > count:
            best, count = name, hits
    return best if count >= _FOREIGN_MIN and count > english and count > spanish else None
