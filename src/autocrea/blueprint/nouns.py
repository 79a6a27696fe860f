"""Nouns: where the prompt names things the app should keep (books, loans, pacientes...).

Known concepts come from the lexicon; unknown plural nouns are taken only from explicit phrases
("manage cats and dogs", "gestionar gatos y perros"). Each mention gets a weight: a noun used to
qualify the next one ("stock reports") counts half, a verb-or-noun word ("book", "post") counts only
where it is clearly a noun.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autocrea.blueprint.lexicon import IGNORE, Lexicon
from autocrea.blueprint.text import Match, Token, fold, original
from autocrea.domain.appspec import Language

UNKNOWN = "?"  # prefix of the key of an entity that is not in the lexicon: "?gato"
_SEPARATORS = frozenset({",", "and", "y", "e", "or", "o", "&"})
_MAX_UNKNOWN_ITEMS = 4
_POSSESSIVES = frozenset({"los", "las", "sus", "mis", "tus", "de", "del", "own"})


@dataclass(frozen=True, slots=True)
class Mention:
    key: str  # concept name, or UNKNOWN + folded singular
    start: int  # token span
    end: int
    weight: float


@dataclass(frozen=True, slots=True)
class UnknownNoun:
    key: str
    singular: str  # as written (singularised), e.g. "Gato"
    plural: str  # as written, e.g. "Gatos"
    folded_plural: str


def _is_noun_here(tokens: Sequence[Token], m: Match[str], lexicon: Lexicon) -> bool:
    concept = lexicon.concepts[m.value]
    form = tuple(t.norm for t in tokens[m.start : m.end])
    if form not in concept.verbish:
        return True
    before = tokens[m.start - 1].norm if m.start > 0 else ""
    after = tokens[m.end].norm if m.end < len(tokens) else ""
    return before in lexicon.determiners or after in lexicon.noun_followers


def concept_mentions(tokens: Sequence[Token], lexicon: Lexicon) -> list[Mention]:
    matches = [m for m in lexicon.concept_index.find(tokens) if m.value != IGNORE]
    matches = [m for m in matches if _is_noun_here(tokens, m, lexicon)]
    starts = {m.start for m in matches}
    # English compounds put the head last: in "stock reports" the stock only qualifies the reports.
    return [Mention(m.value, m.start, m.end, 0.5 if m.end in starts else 1.0) for m in matches]


def singular(word: str, language: Language) -> str:
    """Best-effort singular of a plural noun as written ('canciones' -> 'canción', 'cities' -> 'city')."""
    low = word.lower()
    if language == "en":
        if low.endswith("ies") and len(low) > 4:
            return word[:-3] + "y"
        if low.endswith(("sses", "xes", "ches", "shes", "zes")):
            return word[:-2]
        return word[:-1] if low.endswith("s") and not low.endswith("ss") else word
    if low.endswith("ces") and len(low) > 4:
        return word[:-3] + "z"
    if low.endswith("iones"):
        return word[:-5] + "ión"
    if low.endswith("es") and len(low) > 4 and low[-3] in "dlrnjy":
        return word[:-2]
    return word[:-1] if low.endswith("s") else word


def _unknown_candidate(token: Token, lexicon: Lexicon) -> bool:
    w = token.norm
    return (
        token.is_word
        and len(w) >= 4
        and w.isalpha()
        and w.endswith("s")
        and not w.endswith("ss")  # "fitness", "business"
        and w not in lexicon.stopwords_en
        and w not in lexicon.stopwords_es
        and w not in lexicon.generic
        and w not in lexicon.feature_index
        and w not in lexicon.apptype_index
    )


def unknown_mentions(
    text: str, tokens: Sequence[Token], known: Sequence[Mention], lexicon: Lexicon, language: Language
) -> tuple[list[Mention], dict[str, UnknownNoun]]:
    """Plural nouns the lexicon does not know, listed right after 'manage', 'gestionar de'..."""
    known_at = {m.start: m for m in known}
    ignored = {i for m in lexicon.concept_index.find(tokens) for i in range(m.start, m.end)}
    mentions: list[Mention] = []
    nouns: dict[str, UnknownNoun] = {}
    for trigger in lexicon.manage_index.find(tokens):
        i = trigger.end
        while i < len(tokens) and (tokens[i].norm in lexicon.determiners or tokens[i].norm in _POSSESSIVES):
            i += 1
        items = 0
        while i < len(tokens) and items < _MAX_UNKNOWN_ITEMS:
            if i in known_at:  # a known concept in the list: keep going past it
                i = known_at[i].end
            elif i not in ignored and _unknown_candidate(tokens[i], lexicon):
                word = original(text, tokens, i, i + 1)
                one = singular(word, language)
                key = UNKNOWN + fold(one)
                nouns.setdefault(
                    key,
                    UnknownNoun(key, one[:1].upper() + one[1:], word[:1].upper() + word[1:], tokens[i].norm),
                )
                mentions.append(Mention(key, i, i + 1, 1.0))
                i += 1
            else:
                break
            items += 1
            if i < len(tokens) and tokens[i].norm in _SEPARATORS:
                i += 1
                if i < len(tokens) and tokens[i].norm in _SEPARATORS:  # ", and"
                    i += 1
            else:
                break
    return mentions, nouns
