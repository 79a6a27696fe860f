"""Text: a prompt as a list of folded word tokens, and a longest-match phrase finder over it.

Every rule of the offline architect works on these tokens, so accents, case and hyphens never matter
("Préstamos" = "prestamos", "e-commerce" = "e commerce") and the original words stay reachable through
their character offsets for display names and labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from autocrea.domain.naming import ascii_fold

T = TypeVar("T")

# Words (letters/digits, with inner apostrophes) and the punctuation that separates clauses.
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[.,;:!?()\[\]\"“”«»¿¡\n]")
SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})
# Punctuation that closes a clause (used to keep phrases and lists inside one clause).
CLAUSE_END = SENTENCE_END | {",", ":", "(", ")", "[", "]", '"', "“", "”", "«", "»", "¿", "¡"}


@dataclass(frozen=True, slots=True)
class Token:
    norm: str  # lower-case, accent-folded word; or a punctuation character
    start: int  # character offsets in the prompt
    end: int

    @property
    def is_word(self) -> bool:
        return self.norm not in CLAUSE_END


def fold(text: str) -> str:
    """Lower-case, accent-free form used for every comparison."""
    return ascii_fold(text).lower()


def _norm(raw: str) -> str:
    word = fold(raw.replace("’", "'"))
    if word.endswith("'s"):  # possessive: "driver's" -> "driver"
        word = word[:-2]
    word = word.replace("'", "")
    return word or raw.lower()  # non-Latin scripts fold to nothing; keep them as they are


def tokenize(text: str) -> list[Token]:
    return [
        Token(_norm(m.group()) if m.group()[0].isalnum() else m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def words(phrase: str) -> tuple[str, ...]:
    """The word tokens of a lexicon phrase: 'E-commerce' -> ('e', 'commerce')."""
    return tuple(t.norm for t in tokenize(phrase) if t.is_word)


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    value: T
    start: int  # token indices, end exclusive
    end: int


class PhraseIndex(Generic[T]):
    """Finds lexicon phrases in a token list: longest match first, left to right, no overlaps.

    Linear in the number of tokens (times the longest phrase length), so huge prompts stay fast.
    """

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        self._phrases: dict[tuple[str, ...], T] = {}
        self._lengths: dict[str, list[int]] = {}
        for phrase, value in entries:
            key = words(phrase)
            if not key or key in self._phrases:
                continue  # first entry wins, so data files can order by priority
            self._phrases[key] = value
            self._lengths.setdefault(key[0], []).append(len(key))
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)

    def __contains__(self, phrase: str) -> bool:
        return words(phrase) in self._phrases

    def get(self, phrase: str) -> T | None:
        return self._phrases.get(words(phrase))

    def find(self, tokens: Sequence[Token], start: int = 0, stop: int | None = None) -> list[Match[T]]:
        norms = [t.norm for t in tokens]
        end = len(norms) if stop is None else min(stop, len(norms))
        found: list[Match[T]] = []
        i = start
        while i < end:
            for n in self._lengths.get(norms[i], ()):
                if i + n <= end and tuple(norms[i : i + n]) in self._phrases:
                    found.append(Match(self._phrases[tuple(norms[i : i + n])], i, i + n))
                    i += n
                    break
            else:
                i += 1
        return found


def sentence_bounds(tokens: Sequence[Token]) -> list[int]:
    """For each token, the index of the first token of its sentence."""
    starts: list[int] = []
    current = 0
    for i, token in enumerate(tokens):
        starts.append(current)
        if token.norm in SENTENCE_END:
            current = i + 1
    return starts


def original(text: str, tokens: Sequence[Token], start: int, end: int) -> str:
    """The prompt's own words for tokens[start:end] (keeps case, accents and hyphens)."""
    if start >= end:
        return ""
    return " ".join(text[tokens[start].start : tokens[end - 1].end].split())
