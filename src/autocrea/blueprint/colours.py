"""Colours: "Use ivory for the background and forest green for components" -> a ThemeSpec.

Colour names are found clause by clause; the role words of the same clause ("background", "fondo",
"components", "botones") say what each colour is for. Colours with no role are used only when the
sentence talks about colours at all, so "resources such as gold and wheat" paints nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autocrea.blueprint.lexicon import Lexicon
from autocrea.blueprint.text import CLAUSE_END, SENTENCE_END, Token, fold
from autocrea.domain.appspec import ThemeSpec

DEFAULT = ThemeSpec()  # slate background, cyan primary, light text
_DARK_TEXT = "#0f172a"
_LIGHT_TEXT = "#e2e8f0"
_PRIMARY_ON_LIGHT = "#0e7490"  # cyan that stays readable on a light background
_CLAUSE_WORDS = frozenset({"and", "y", "e", "then", "luego", "while", "mientras", "but", "pero", "plus"})


@dataclass(frozen=True, slots=True)
class _Colour:
    hex: str
    name: str  # as written in the prompt, lower-case
    clause: int
    sentence: int


def luminance(hexa: str) -> float:
    """WCAG relative luminance of '#rrggbb'."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hexa[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_for(background: str) -> str:
    """Dark text on light backgrounds, light text on dark ones: whichever reads better."""
    return (
        _DARK_TEXT if contrast(background, _DARK_TEXT) >= contrast(background, _LIGHT_TEXT) else _LIGHT_TEXT
    )


def _clauses(tokens: Sequence[Token]) -> tuple[list[int], list[int]]:
    """Clause and sentence number of every token."""
    clause_of: list[int] = []
    sentence_of: list[int] = []
    clause = sentence = 0
    for token in tokens:
        if token.norm in CLAUSE_END or token.norm in _CLAUSE_WORDS:
            clause += 1
        if token.norm in SENTENCE_END:
            sentence += 1
        clause_of.append(clause)
        sentence_of.append(sentence)
    return clause_of, sentence_of


def style_tokens(tokens: Sequence[Token], lexicon: Lexicon) -> frozenset[int]:
    """Tokens that only style the page: colour names and role words ("body backgrounds", "main
    components") of a sentence that names a colour and a role. The reader skips them, so
    "Assign olive drab to main components" adds no "Main component" records."""
    colour_matches = lexicon.colour_index.find(tokens)
    if not colour_matches:
        return frozenset()
    _, sentence_of = _clauses(tokens)
    roles = lexicon.role_index.find(tokens)
    styled = {sentence_of[m.start] for m in roles} & {sentence_of[c.start] for c in colour_matches}
    spans = [(m.start, m.end) for m in colour_matches] + [(m.start, m.end) for m in roles]
    return frozenset(i for start, end in spans if sentence_of[start] in styled for i in range(start, end))


def extract(text: str, tokens: Sequence[Token], lexicon: Lexicon) -> tuple[ThemeSpec, tuple[str, ...]]:
    """The theme the prompt asks for (or the default) and notes on what was understood."""
    colour_matches = lexicon.colour_index.find(tokens)
    if not colour_matches:
        return DEFAULT, ()
    clause_of, sentence_of = _clauses(tokens)
    roles: dict[int, list[tuple[int, str]]] = {}  # clause -> (token index, role) named in it
    context_sentences: set[int] = set()
    for m in lexicon.role_index.find(tokens):
        if m.value == "context":
            context_sentences.add(sentence_of[m.start])
        else:
            roles.setdefault(clause_of[m.start], []).append((m.start, m.value))
    background: _Colour | None = None
    primary: _Colour | None = None
    leftovers: list[_Colour] = []
    for c in colour_matches:
        written = fold(text[tokens[c.start].start : tokens[c.end - 1].end]).replace("-", " ")
        name = c.value.name or " ".join(written.split())
        colour = _Colour(c.value.hex, name, clause_of[c.start], sentence_of[c.start])
        in_clause = roles.get(colour.clause, [])
        named = {role for _, role in in_clause}
        if named:
            context_sentences.add(colour.sentence)
        right_after = [role for pos, role in in_clause if pos == c.end]
        if right_after:  # "a light cyan background", "cadet blue components"
            named = {right_after[0]}
        elif {"background", "primary"} <= named:  # both in one clause: the nearest word decides
            named = {min(in_clause, key=lambda pr: (abs(pr[0] - c.start), pr[1].endswith("weak")))[1]}
        # Strong words beat weak ones: "primary background" is a background, "main components" primary.
        if "background" in named and "primary" not in named:
            role = "background"
        elif "primary" in named and "background" not in named:
            role = "primary"
        elif "background_weak" in named and "primary_weak" not in named and "primary" not in named:
            role = "background"
        elif "primary_weak" in named and "background" not in named:
            role = "primary"
        else:
            leftovers.append(colour)
            continue
        if role == "background" and background is None:
            background = colour
        elif role == "primary" and primary is None:
            primary = colour
    # Colours with no role word, in a sentence about colours: the lighter one is the background.
    spare = sorted((c for c in leftovers if c.sentence in context_sentences), key=lambda c: -luminance(c.hex))
    if spare and background is None and primary is None and len(spare) >= 2:
        background, primary = spare[0], spare[-1]
    elif spare and background is None and primary is not None:
        background = spare[0]
    elif spare and primary is None and background is not None:
        primary = spare[-1]
    elif spare and background is None and primary is None:
        if luminance(spare[0].hex) > 0.7:
            background = spare[0]
        else:
            primary = spare[0]
    return _theme(background, primary)


def _theme(background: _Colour | None, primary: _Colour | None) -> tuple[ThemeSpec, tuple[str, ...]]:
    if background is None and primary is None:
        return DEFAULT, ()
    notes: list[str] = []
    bg_hex = background.hex if background else DEFAULT.background
    if primary is not None:
        primary_hex = primary.hex
        if background is None and contrast(primary_hex, bg_hex) < 1.6:
            bg_hex = "#ffffff"  # a dark primary on the default dark background would vanish
            notes.append(f"background set to white so {primary.name} stays visible")
    else:
        primary_hex = DEFAULT.primary if luminance(bg_hex) < 0.4 else _PRIMARY_ON_LIGHT
    theme = ThemeSpec(
        background=bg_hex,
        primary=primary_hex,
        text=text_for(bg_hex),
        background_name=background.name if background else None,
        primary_name=primary.name if primary else None,
    )
    return theme, tuple(notes)
