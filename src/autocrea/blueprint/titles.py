"""Titles: the app's display name and one-sentence summary, in the prompt's language.

The name is what the prompt calls the app: a quoted or "called ..." name; else the words around its
app word ("a library system" -> Library, "a website for generating stock reports" -> Stock Reports,
"Sistema de biblioteca" -> Biblioteca); else the app type's name; else the main entity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autocrea.blueprint.lexicon import Lexicon
from autocrea.blueprint.text import CLAUSE_END, Token, original
from autocrea.domain.appspec import EntitySpec, Feature, Language

_CALLED = re.compile(
    r"(?:called|named|titled|llamad[ao]|denominad[ao])\s+[\"“«']([^\"”»']{1,60})[\"”»']", re.I
)
_SMALL = frozenset({"of", "and", "for", "the", "a", "an", "to", "in", "on", "de", "y", "del", "la", "el"})
_MAX_WORDS = 5
# Words that lead from the app word to its name, and the verb endings that may follow them.
_VERB_ENDINGS: dict[str, tuple[str, ...]] = {
    "for": ("ing",),
    "para": ("ar", "er", "ir"),
    "de": (),
    "del": (),
    "of": (),
}
_CONNECTORS = frozenset(_VERB_ENDINGS)
_INNER = frozenset({"of", "and", "de", "y", "del", "la"})  # may sit inside a name: "Wheel of Fortune"
_ARTICLES = frozenset(
    {"a", "an", "the", "un", "una", "el", "la", "los", "las", "my", "our", "mis", "mi", "sus", "tus"}
)
# What the summary says the app has: only what the renderer builds (accounts and uploads are stubs,
# listed with the integrations instead).
_FEATURE_WORDS: dict[str, dict[Feature, str]] = {
    "en": {
        "dashboard": "charts",
        "contact_form": "a contact form",
        "payments": "a simulated checkout",
        "realtime": "pages that update as data changes",
        "export": "CSV export",
        "votes": "votes",
        "points": "points and a leaderboard",
        "invites": "invitations to join",
    },
    "es": {
        "dashboard": "gráficos",
        "contact_form": "formulario de contacto",
        "payments": "pago simulado",
        "realtime": "páginas que se actualizan al momento",
        "export": "exportación a CSV",
        "votes": "votos",
        "points": "puntos y clasificación",
        "invites": "invitaciones",
    },
}


def _titled(words: Sequence[str], language: Language) -> str:
    if language == "es":
        text = " ".join(words)
        return text[:1].upper() + text[1:]
    out = []
    for i, word in enumerate(words):
        keep = word.isupper() or (i > 0 and word.lower() in _SMALL)
        out.append(word if keep else "-".join(p[:1].upper() + p[1:] for p in word.split("-")))
    return " ".join(out)


def _span_words(text: str, tokens: Sequence[Token], start: int, end: int) -> list[str]:
    return original(text, tokens, start, end).split()


def _is_head(norm: str, lexicon: Lexicon) -> bool:
    return norm in lexicon.name_heads_generic or norm in lexicon.name_heads_specific


def _before(
    tokens: Sequence[Token], h: int, extent: dict[int, tuple[int, int]], lexicon: Lexicon
) -> list[int]:
    """Indices of the name words in front of the app word: "a [wheel of fortune] website"."""
    stops = lexicon.name_stops
    i = h
    while i > 0 and h - i <= _MAX_WORDS and tokens[i - 1].is_word:
        prev = tokens[i - 1].norm
        if i - 1 in extent:  # a whole app-type phrase ("to-do list")
            i = extent[i - 1][0]
        elif prev in _INNER and i >= 2 and tokens[i - 2].is_word and tokens[i - 2].norm not in stops:
            i -= 1
        elif prev in stops or _is_head(prev, lexicon):
            break
        else:
            i -= 1
    kept = [j for j in range(i, h) if tokens[j].norm not in lexicon.generic]
    while kept and tokens[kept[0]].norm in _INNER:
        kept = kept[1:]
    return kept


def _after(tokens: Sequence[Token], j: int, lexicon: Lexicon) -> tuple[int, int] | None:
    """The name after "for/de/para": "website for [generating] [stock reports]" -> span of stock reports."""
    if j >= len(tokens) or tokens[j].norm not in _CONNECTORS:
        return None
    verb_endings = _VERB_ENDINGS[tokens[j].norm]
    j += 1
    while j < len(tokens) and tokens[j].norm in _ARTICLES:
        j += 1
    if j < len(tokens) and verb_endings and tokens[j].norm.endswith(verb_endings):
        j += 1  # "for generating stock reports", "para gestionar gatos"
    while j < len(tokens) and (tokens[j].norm in lexicon.generic or tokens[j].norm in _ARTICLES):
        j += 1
    stops = lexicon.name_stops
    k = j
    while (
        k < len(tokens) and tokens[k].is_word and not _is_head(tokens[k].norm, lexicon) and k - j < _MAX_WORDS
    ):
        inner = tokens[k].norm in _INNER and k > j and k + 1 < len(tokens) and tokens[k + 1].is_word
        if tokens[k].norm in stops and not (inner and tokens[k + 1].norm not in stops):
            break
        k += 1  # "gatos y perros", "wheel of fortune"
    while k > j and tokens[k - 1].norm in _INNER:
        k -= 1
    return (j, k) if k > j else None


def _around_head(text: str, tokens: Sequence[Token], lexicon: Lexicon, language: Language) -> str | None:
    first_stop = next((i for i, t in enumerate(tokens) if t.norm in (".", "!", "?", "\n")), len(tokens))
    # An app-type phrase is the head's full extent: "landing page", "API REST".
    extent = {
        i: (m.start, m.end)
        for m in lexicon.apptype_index.find(tokens, 0, first_stop)
        for i in range(m.start, m.end)
    }
    for h in range(min(first_stop, 80)):
        head = tokens[h].norm
        if not _is_head(head, lexicon):
            continue
        specific = head in lexicon.name_heads_specific
        head_end = extent[h][1] if specific and h in extent else h + 1
        before = _before(tokens, h, extent, lexicon)
        if before:
            end = head_end if specific else before[-1] + 1
            return _titled(_span_words(text, tokens, before[0], end), language)
        after = _after(tokens, head_end, lexicon)
        if after is not None and not (specific and tokens[head_end].norm in ("for", "para")):
            start = h if specific else after[0]
            return _titled(_span_words(text, tokens, start, after[1]), language)
        if specific:  # "CRM para gestionar clientes" -> CRM
            return _titled(_span_words(text, tokens, h, head_end), language)
    return None


def app_name(
    text: str,
    tokens: Sequence[Token],
    lexicon: Lexicon,
    language: Language,
    apptype: str | None,
    entities: Sequence[EntitySpec],
) -> str:
    called = _CALLED.search(text[:2000])
    if called and called.group(1).strip():
        return called.group(1).strip()
    found = _around_head(text, tokens, lexicon, language)
    if found and not all(ch in CLAUSE_END for ch in found):
        return found[:80]
    if apptype is not None:
        return lexicon.apptypes[apptype].names[language]
    return entities[0].label_plural[:80]


def _lower(label: str) -> str:
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _enumerate(items: Sequence[str], language: Language) -> str:
    conjunction = " y " if language == "es" else " and "
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + conjunction + items[-1]


def summary(
    name: str, entities: Sequence[EntitySpec], features: Sequence[Feature], language: Language
) -> str:
    things = _enumerate([_lower(e.label_plural) for e in entities], language)
    extras = [_FEATURE_WORDS[language][f] for f in features if f in _FEATURE_WORDS[language]]
    if language == "es":
        sentence = f"{name}: una app para gestionar {things}"
        sentence += f", con {_enumerate(extras, language)}." if extras else "."
    else:
        sentence = f"{name}: an app to manage {things}"
        sentence += f", with {_enumerate(extras, language)}." if extras else "."
    return sentence if len(sentence) <= 400 else sentence[:397] + "..."
