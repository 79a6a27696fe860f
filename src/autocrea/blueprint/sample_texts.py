"""Titles and long texts of sample records that read like real content, about the app's subject.

A description's words pick a domain (a technical site, a consulting business, a poetry blog) and
its topics; a record's title follows its kind (an article is "A practical guide to <topic>", a
workshop "<Topic> essentials", a plan "Premium plan", a poem the topic itself), and its text
columns (content, summary, instructions...) mention the same topic. Pure; the vocabulary is
`lexicon/sample_texts.yml`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from autocrea.domain.appspec import EntitySpec, Language
from autocrea.domain.naming import ascii_fold, snake

_DATA = Path(__file__).with_name("lexicon") / "sample_texts.yml"
_WORD = re.compile(r"[a-z]+")


def topics(prompt: str, language: Language) -> tuple[str, ...]:
    """The topics of the domain the description has most words of; general ones otherwise."""
    words = _WORD.findall(ascii_fold(prompt).lower())
    domains: dict[str, Any] = _vocabulary()["domains"]
    best, hits = "general", 0
    for name, domain in domains.items():
        found = sum(1 for word in words if word in domain["words"])
        if found > hits:
            best, hits = name, found
    return tuple(domains[best][language])


def has_domain(prompt: str) -> bool:
    """Whether the description names a subject the vocabulary knows."""
    words = set(_WORD.findall(ascii_fold(prompt).lower()))
    return any(words & set(d["words"]) for d in _vocabulary()["domains"].values())


def title(entity: EntitySpec, language: Language, subjects: tuple[str, ...], i: int, *, domain: bool) -> str:
    """The title of an entity's i-th sample record (its display field)."""
    kind = _title_kind(entity, domain=domain)
    templates: list[str] = _vocabulary()["titles"][kind][language]
    return _fill(templates[i % len(templates)], subjects[i % len(subjects)], entity.label)


def text(
    entity: EntitySpec, column: str, language: Language, subjects: tuple[str, ...], i: int, *, domain: bool
) -> str:
    """A long text for an entity's column in its i-th sample record: about the app's subject, or
    about the entity's own records when the description names none (a bike's description is not
    about "getting started")."""
    heads = _heads(entity)
    words = set(column.split("_"))
    kinds: dict[str, Any] = _vocabulary()["texts"]
    restricted = (k for k, v in kinds.items() if heads & set(v.get("heads", ())) and words & set(v["words"]))
    general = (k for k, v in kinds.items() if "heads" not in v and words & set(v["words"]))
    kind = next(restricted, None) or next(general, "default")
    templates: list[str] = kinds[kind][language]
    if not domain and _title_kind(entity, domain=domain) not in ("writing", "event"):
        subjects = (entity.label_plural.lower(),)
    return _fill(templates[i % len(templates)], subjects[i % len(subjects)], entity.label)


def _title_kind(entity: EntitySpec, *, domain: bool) -> str:
    heads = _heads(entity)
    every = set(snake(entity.name).split("_"))  # "BasicStockInformation": a stock, whatever its head
    kinds: dict[str, Any] = _vocabulary()["titles"]
    kind = next((k for k, v in kinds.items() if not v.get("anywhere") and heads & set(v["heads"])), None)
    kind = kind or next((k for k, v in kinds.items() if v.get("anywhere") and every & set(v["heads"])), None)
    return kind or ("plain" if domain else "named")


def is_text_column(column: str) -> bool:
    """Whether a short text column holds prose (a summary, notes) rather than a name or a code."""
    words = set(column.split("_"))
    return any(words & set(v["words"]) for v in _vocabulary()["texts"].values() if "heads" not in v)


def _heads(entity: EntitySpec) -> set[str]:
    """The first and last words of the entity's name (a Spanish head comes first, an English last)."""
    parts = snake(entity.name).split("_")
    return {parts[0], parts[-1]}


def _fill(template: str, topic: str, label: str) -> str:
    return template.format(
        topic=topic,
        Topic=topic[:1].upper() + topic[1:],
        label=label.lower(),
        Label=label[:1].upper() + label[1:],
    )


@cache
def _vocabulary() -> dict[str, Any]:
    with _DATA.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data
