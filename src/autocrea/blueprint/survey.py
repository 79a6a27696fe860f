"""Surveys: when a description's main thing is a survey, its records are the responses.

"A health survey website for women to fill out" is not a table of surveys (title, description) nor
one of women: it is a form people fill in, whose questions are the fields of one entity, the
response. The questions come from `lexicon/surveys.yml`, by the topic the description's words name
(health, satisfaction, an event, a course, employees; a generic set otherwise). Every enum and
yes/no question gets a chart (counts of the answers) when the app has a dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from autocrea.blueprint.text import SENTENCE_END, Token, fold
from autocrea.domain.appspec import ChartSpec, EntitySpec, FieldSpec, FieldType, Language
from autocrea.domain.naming import pascal, snake

_DATA = Path(__file__).parent / "lexicon" / "surveys.yml"
_SURVEY_WORDS = frozenset(
    {"survey", "surveys", "questionnaire", "questionnaires", "encuesta", "encuestas", "cuestionario"}
    | {"cuestionarios"}
)
# Words that start a list of things the app keeps: a survey after them is one of many.
_LISTING = frozenset({"with", "con", ",", "including", "incluyendo", "and", "y", "manage", "gestionar"})
_PAGE = {
    "en": ("/survey", "Take the survey"),
    "es": ("/encuesta", "Responder la encuesta"),
}


@dataclass(frozen=True)
class Topic:
    key: str
    title: Mapping[str, str]  # the app's name when the description gives none
    words: frozenset[str]
    label: Mapping[str, str]
    plural: Mapping[str, str]
    questions: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class _Sets:
    scales: Mapping[str, Mapping[str, tuple[str, ...]]]
    respondent: tuple[Mapping[str, Any], ...]
    topics: tuple[Topic, ...]


@cache
def _sets() -> _Sets:
    with _DATA.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loaders only
    scales = {
        key: {lang: tuple(str(c) for c in choices) for lang, choices in value.items()}
        for key, value in data["scales"].items()
    }
    topics = tuple(
        Topic(
            key=key,
            title=value["title"],
            words=frozenset(fold(w) for w in value["words"]),
            label=value["label"],
            plural=value["plural"],
            questions=tuple(value["questions"]),
        )
        for key, value in data["topics"].items()
    )
    return _Sets(scales=scales, respondent=tuple(data["respondent"]), topics=topics)


def is_main(tokens: Sequence[Token]) -> bool:
    """Is a survey the description's main thing: named in its first sentence before anything is
    listed ("a health survey website for women", "una encuesta de satisfacción"), not one item of
    a list ("a CRM with customers, deals and surveys")?"""
    for token in tokens:
        if token.norm in SENTENCE_END or token.norm in _LISTING:
            return False
        if token.norm in _SURVEY_WORDS:
            return True
    return False


def topic(tokens: Sequence[Token]) -> Topic:
    """The question set whose words the description uses most (the first on a tie); generic if none."""
    norms = [t.norm for t in tokens]
    best: Topic | None = None
    hits = 0
    for candidate in _sets().topics:
        count = sum(1 for n in norms if n in candidate.words)
        if count > hits:
            best, hits = candidate, count
    return best or next(t for t in _sets().topics if t.key == "generic")


def _field(question: Mapping[str, Any], language: Language) -> FieldSpec:
    kind = cast(FieldType, question["type"])
    choices = _sets().scales[question["scale"]][language] if "scale" in question else ()
    return FieldSpec(
        name=str(question["name"]),
        label=str(question[language]),
        type=kind,
        required=bool(question.get("required", False)),
        choices=choices,
    )


def response_entity(chosen: Topic, language: Language) -> EntitySpec:
    """The response to a survey of `chosen` topic: the respondent (optional), then the questions."""
    questions = [*_sets().respondent, *chosen.questions]
    name = pascal(chosen.label["en"])
    return EntitySpec(
        name=name,
        table=snake(chosen.plural["en"]),
        label=chosen.label[language],
        label_plural=chosen.plural[language],
        fields=tuple(_field(q, language) for q in questions),
        display_field="respondent_name",
    )


def is_response(entity: EntitySpec) -> bool:
    """Is `entity` the response to a survey of the lexicon (its class name is a topic's)?"""
    return entity.name in {pascal(t.label["en"]) for t in _sets().topics}


def charts(entity: EntitySpec) -> tuple[ChartSpec, ...]:
    """One chart per choice or yes/no question: how many responses gave each answer."""
    out = []
    for field in entity.fields:
        if field.type in ("enum", "boolean"):
            kind: Literal["bar", "doughnut"] = "doughnut" if field.type == "boolean" else "bar"
            out.append(ChartSpec(title=field.label, entity=entity.name, kind=kind, group_by=field.name))
    return tuple(out)


def page(language: Language) -> tuple[str, str]:
    """The survey's form page: (path, title)."""
    return _PAGE[language]
