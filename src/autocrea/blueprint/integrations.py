"""Integrations: what the prompt asks for that the offline engine substitutes or stubs.

Nothing requested is dropped silently: each match becomes an IntegrationSpec and a note. Within a
group the most specific request wins (Stripe over "payments"), whatever order the prompt uses.
Nothing is claimed falsely either: a substitute the renderer builds switches its feature on (a PDF
request gets the CSV export), every feature the renderer does not build (accounts, uploads) is
recorded as a stub, and a text that only holds for some entities ("files referenced by URL fields")
is replaced when they are missing. Specs keep the lexicon's English texts; `in_language` gives
them as a Spanish app shows them (integrations.yml holds both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal, cast, get_args

from autocrea.blueprint import i18n
from autocrea.blueprint.lexicon import IntegrationRule, Lexicon, lexicon
from autocrea.blueprint.text import Token
from autocrea.domain.appspec import EntitySpec, Feature, IntegrationSpec, Language, upload_fields

# Groups whose substitute is a feature the renderer builds: asking for one switches the feature on.
GROUP_FEATURES: dict[str, Feature] = {
    "payments": "payments",
    "realtime": "realtime",
    "chat": "realtime",
    "pdf": "export",
}
# Features that stand for a request even when no integration word was used.
IMPLIED_REQUESTS: dict[Feature, str] = {
    "payments": "Payments",
    "realtime": "Real-time updates",
    "file_upload": "File uploads",
}
# A decimal field with one of these names is a price (in this order of preference): its entity is
# what a shop sells, and the app takes payments for it (blueprint/context.py). A total or an amount
# only when required; a unit price even when optional (a product without one cannot be bought).
PRICE_WORDS = ("price", "precio", "amount", "importe", "cost", "coste", "total")
UNIT_PRICE_WORDS = frozenset({"price", "precio"})


def sells(entities: Sequence[EntitySpec]) -> bool:
    """Whether some entity has a price the generated app can charge through Stripe Checkout."""
    return any(
        f.type == "decimal" and word in f.name and (f.required or word in UNIT_PRICE_WORDS)
        for word in PRICE_WORDS
        for e in entities
        for f in e.fields
    )


# Conditions an integration text may depend on (`when` in integrations.yml).
CONDITIONS: dict[str, Callable[[Sequence[EntitySpec]], bool]] = {
    "priced": sells,
    "url_fields": lambda entities: any(f.type == "url" for e in entities for f in e.fields),
    "message_table": lambda entities: any("message" in e.table or "mensaje" in e.table for e in entities),
}
_ORDER: tuple[Feature, ...] = get_args(Feature)


def _requests(tokens: Sequence[Token], lexicon: Lexicon) -> dict[int, tuple[int, str]]:
    """The requests the prompt makes: rule index -> (token position, words as asked)."""
    rules = lexicon.integrations
    present = {t.norm for t in tokens if t.is_word}
    first_seen: dict[int, tuple[int, str]] = {}
    for m in lexicon.integration_index.find(tokens):
        asked = " ".join(t.norm for t in tokens[m.start : m.end])
        for index in m.value:
            first_seen.setdefault(index, (m.start, asked))
    chosen: dict[int, tuple[int, str]] = {}
    for index, seen in first_seen.items():
        rule = rules[index]
        if rule.requires and not any(w in present for w in rule.requires):
            continue  # "play" is only a game request when a game is mentioned
        rivals = [i for i in chosen if rules[i].group == rule.group and not rule.keep]
        if rivals and rivals[0] < index:
            continue
        for rival in rivals:
            del chosen[rival]
        chosen[index] = seen
    return chosen


def requested_features(tokens: Sequence[Token], lexicon: Lexicon) -> tuple[Feature, ...]:
    """Features the prompt's requests switch on: "PDF" -> export, "chat" -> realtime."""
    rules = lexicon.integrations
    found = {GROUP_FEATURES.get(rules[i].group) for i in _requests(tokens, lexicon)}
    return tuple(f for f in _ORDER if f in found)


def _provided(rule: IntegrationRule, entities: Sequence[EntitySpec]) -> tuple[str, str]:
    """The kind and text of what the app provides for `rule`, given its entities."""
    if rule.when is None or CONDITIONS[rule.when](entities):
        return rule.kind, rule.provided
    return rule.otherwise_kind, rule.otherwise


def _feature_words(tokens: Sequence[Token], lexicon: Lexicon, feature: Feature) -> str | None:
    """The words that asked for `feature`, if the prompt used any."""
    for m in lexicon.feature_index.find(tokens):
        if m.value == feature:
            return " ".join(t.norm for t in tokens[m.start : m.end])
    return None


def detect(
    tokens: Sequence[Token],
    lexicon: Lexicon,
    features: Sequence[Feature],
    entities: Sequence[EntitySpec],
) -> tuple[IntegrationSpec, ...]:
    """The requests of the prompt and of its `features`, with what the generated app provides."""
    rules = lexicon.integrations
    asked = _requests(tokens, lexicon)
    chosen = {index: (start, _asked(words)) for index, (start, words) in asked.items()}
    groups = {rules[i].group for i in chosen}
    covered = {GROUP_FEATURES[g] for g in groups if g in GROUP_FEATURES}
    if upload_fields(entities):
        covered.add("file_upload")  # built: the app's photo and file fields take uploads
    for feature, requested in IMPLIED_REQUESTS.items():
        index = next(i for i, r in enumerate(rules) if r.requested == requested)
        if feature in features and feature not in covered and rules[index].group not in groups:
            words = _feature_words(tokens, lexicon, feature)
            note = _asked(words) if words else i18n.text("en", "integration_implied")
            chosen[index] = (len(tokens), note)
    out: list[IntegrationSpec] = []
    for index, (_, note) in sorted(chosen.items(), key=lambda item: item[1][0]):
        rule = rules[index]
        kind, provided = _provided(rule, entities)
        out.append(
            IntegrationSpec(
                requested=rule.requested,
                kind=cast(Literal["substitution", "stub"], kind),
                provided=provided,
                note=note[:400],
            )
        )
    return tuple(out)


def _asked(words: str) -> str:
    return i18n.text("en", "integration_asked", words=words)


def _english(key: str, name: str) -> re.Pattern[str]:
    """What the English text of `key` matches, its `{name}` captured."""
    return re.compile(
        re.escape(i18n.STRINGS["en"][key]).replace(re.escape("{" + name + "}"), f"(?P<{name}>.+)")
    )


_ASKED = _english("integration_asked", "words")
_TOOL = _english("integration_tool", "tool")


def in_language(integration: IntegrationSpec, language: Language) -> IntegrationSpec:
    """`integration` as an app in `language` shows it. Specs keep the lexicon's English texts (they
    name its rules, whatever the app's language); a text no rule has (a model's) stays as written."""
    if language == "en":
        return integration
    rule = next((r for r in lexicon().integrations if r.requested == integration.requested), None)
    requested, provided, note = integration.requested, integration.provided, integration.note
    if rule is not None:
        requested = rule.requested_es or requested
        spanish = {rule.provided: rule.provided_es, rule.otherwise: rule.otherwise_es}
        provided = spanish.get(provided) or provided
    elif tool := _TOOL.fullmatch(provided):
        provided = i18n.text(language, "integration_tool", tool=tool["tool"])
    if asked := _ASKED.fullmatch(note):
        note = i18n.text(language, "integration_asked", words=asked["words"])
    elif note == i18n.text("en", "integration_implied"):
        note = i18n.text(language, "integration_implied")
    return integration.model_copy(update={"requested": requested, "provided": provided, "note": note})
