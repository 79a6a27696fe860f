"""Attributes: lists of fields the prompt gives for an entity.

"libros con título, autor y fecha", "profiles, including name, contact information and photos",
"Patient files should include patient name, date of visit, diagnosis". A list belongs to the noun
named just before its trigger word; a "list" made mostly of other nouns ("a shop with products,
orders and customers") is an enumeration of entities, not of attributes, and is left alone.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from autocrea.blueprint.lexicon import IGNORE, Lexicon
from autocrea.blueprint.nouns import Mention
from autocrea.blueprint.text import SENTENCE_END, Token, original, sentence_bounds

_SEPARATORS = frozenset({",", "and", "y", "e", "or", "o", "&", "plus"})
_LIST_END = SENTENCE_END | {":", "(", ")", "[", "]", '"', "“", "”"}
_MAX_GAP = 3  # words allowed between the noun and the trigger ("reports should include")
_MAX_ITEM_WORDS = 4
_MAX_ITEMS = 15


@dataclass(frozen=True, slots=True)
class Attribute:
    text: str  # the prompt's words, trimmed: "date of visit"
    norms: tuple[str, ...]
    field_key: str | None  # fields.yml key when the words are known
    concept: str | None  # a concept the item names ("supplier information" -> Supplier)
    loose: bool = False  # the field was only found after dropping "information"/"data"


@dataclass(frozen=True, slots=True)
class AttributeList:
    owner: str  # mention key
    attributes: tuple[Attribute, ...]
    start: int  # token span of the items
    end: int


def _owner(
    trigger: int, mentions: Sequence[Mention], ends: Sequence[int], sentence_start: int
) -> Mention | None:
    i = bisect.bisect_right(ends, trigger) - 1
    if i < 0:
        return None
    m = mentions[i]
    if m.start < sentence_start or trigger - m.end > _MAX_GAP:
        return None
    return m


def _items(tokens: Sequence[Token], i: int) -> list[tuple[int, int]]:
    """Token spans of the comma/and-separated items starting at i, up to the end of the clause."""
    spans: list[tuple[int, int]] = []
    start = i
    while i <= len(tokens) and len(spans) < _MAX_ITEMS:
        norm = tokens[i].norm if i < len(tokens) else "."
        if norm in _LIST_END or norm in _SEPARATORS:
            if i > start:
                spans.append((start, i))
            if norm in _LIST_END:
                break
            start = i + 1
        elif i - start >= _MAX_ITEM_WORDS + 2:  # far too long for a field name: the list is over
            spans.append((start, i))
            break
        i += 1
    return spans


def attribute(
    text: str, tokens: Sequence[Token], span: tuple[int, int], owner: Mention, lexicon: Lexicon
) -> Attribute | None:
    start, stop = span
    norms = [t.norm for t in tokens[start:stop]]
    if (
        norms[0] in lexicon.item_rejects
        or " ".join(norms) in lexicon.list_enders
        or norms[0] in lexicon.list_enders
    ):
        return None
    while len(norms) > 1 and norms[0] in lexicon.item_skips:
        norms, start = norms[1:], start + 1
    inner = [m for m in lexicon.concept_index.find(tokens, start, stop) if m.value != IGNORE]
    if inner and inner[0].start == start and inner[0].value == owner.key and inner[0].end < stop:
        norms, start = norms[inner[0].end - start :], inner[0].end  # "patient name" -> "name"
        inner = inner[1:]
    if len(norms) > _MAX_ITEM_WORDS or any(w in lexicon.item_inner_rejects for w in norms[1:]):
        return None  # "information about daily activities" is a phrase, not a field name
    field_key = lexicon.field_index.get(" ".join(norms))
    typed = any(w in hints for w in norms for _, hints in lexicon.type_hints)
    if (
        field_key is None
        and not typed
        and (norms[0] in lexicon.feature_index or norms[0] in lexicon.integration_index)
    ):
        return None  # "con login y exportar a CSV" lists features, not fields ("purchase date" is a field)
    loose = False
    if field_key is None and len(norms) > 1 and norms[-1] in lexicon.item_tails:
        field_key = lexicon.field_index.get(" ".join(norms[:-1]))
        loose = field_key is not None
    concept = next((m.value for m in inner if m.value != owner.key), None)
    if field_key is None and concept is not None and len(norms) > 1 and norms[-1] in lexicon.item_tails:
        norms, stop = norms[:-1], stop - 1  # "supplier information" -> supplier
    if field_key is None and concept is None and norms[0].endswith("ing") and len(norms[0]) > 5:
        return None  # "including finding the cheapest" is not an attribute
    return Attribute(original(text, tokens, start, stop), tuple(norms), field_key, concept, loose)


def find_lists(
    text: str, tokens: Sequence[Token], mentions: Sequence[Mention], lexicon: Lexicon
) -> list[AttributeList]:
    ordered = sorted(mentions, key=lambda m: m.end)
    ends = [m.end for m in ordered]
    sentence_of = sentence_bounds(tokens)
    found: list[AttributeList] = []
    triggers = [(m.start, m.end) for m in lexicon.list_trigger_index.find(tokens)]
    triggers += [(m.end, m.end + 1) for m in mentions if m.end < len(tokens) and tokens[m.end].norm == "("]
    for trigger_start, trigger_end in sorted(triggers):  # "libros (título, autor)" lists fields too
        owner = _owner(trigger_start, ordered, ends, sentence_of[trigger_start])
        if owner is None:
            continue
        attributes: list[Attribute] = []
        end = trigger_end
        for span in _items(tokens, trigger_end):
            item = attribute(text, tokens, span, owner, lexicon)
            if item is None:
                break
            attributes.append(item)
            end = span[1]
        nouns = sum(1 for a in attributes if a.concept is not None and a.field_key is None)
        if attributes and nouns * 2 < len(attributes):
            found.append(AttributeList(owner.key, tuple(attributes), trigger_end, end))
    return found
