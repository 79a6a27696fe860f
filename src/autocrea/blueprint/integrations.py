"""Integrations: what the prompt asks for that the offline engine substitutes or stubs.

Nothing requested is dropped silently: each match becomes an IntegrationSpec and a note. Within a
group the most specific request wins (Stripe over "payments"), whatever order the prompt uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

from autocrea.blueprint.lexicon import Lexicon
from autocrea.blueprint.text import Token
from autocrea.domain.appspec import Feature, IntegrationSpec

# Features that always involve an external service, and the request that stands for them.
_IMPLIED: dict[Feature, str] = {"payments": "Payments", "realtime": "Real-time updates"}


def detect(
    tokens: Sequence[Token], lexicon: Lexicon, features: Sequence[Feature]
) -> tuple[IntegrationSpec, ...]:
    rules = lexicon.integrations
    present = {t.norm for t in tokens if t.is_word}
    first_seen: dict[int, tuple[int, str]] = {}  # rule index -> (token position, words as asked)
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
    groups = {rules[i].group for i in chosen}
    for feature, requested in _IMPLIED.items():
        index = next(i for i, r in enumerate(rules) if r.requested == requested)
        if feature in features and rules[index].group not in groups:
            chosen[index] = (len(tokens), feature)
    out: list[IntegrationSpec] = []
    for index, (_, asked) in sorted(chosen.items(), key=lambda item: item[1][0]):
        rule = rules[index]
        out.append(
            IntegrationSpec(
                requested=rule.requested,
                kind=cast(Literal["substitution", "stub"], rule.kind),
                provided=rule.provided,
                note=f'asked for as "{asked}"'[:400],
            )
        )
    return tuple(out)
