"""Sketch: a terse AppSpec (names, types, relations) completed with the offline architect's rules.

A model that answers in spec lines (pipeline/spec_lines.py) says only what needs judgement: the
app's name, its entities with their fields and relations, and optionally the language, summary,
features, theme and integrations. Everything else is derived here exactly as the offline architect
derives it, so a sketch and a full JSON answer lead to the same kind of spec: tables and labels from
the lexicon (or the names, in words), the display field, pages, dashboard charts, the theme from
colours named in the description, and the substitutions/stubs its requests need.

Pure and deterministic. Problems raise SketchError with a reason a model can act on; the result is
an AppSpec-shaped dict that the caller still validates against the schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from pydantic import ValidationError

from autocrea.blueprint import activities, colours, features, integrations, titles
from autocrea.blueprint.architect import pages
from autocrea.blueprint.language import detect
from autocrea.blueprint.lexicon import Concept, FieldDef, Lexicon, lexicon
from autocrea.blueprint.text import Token, tokenize
from autocrea.domain.appspec import (
    RESERVED_TABLES,
    EntitySpec,
    Feature,
    FieldSpec,
    FieldType,
    IntegrationSpec,
    Language,
    RelationSpec,
    ThemeSpec,
)
from autocrea.domain.naming import plural, plural_en, slug, snake


class SketchError(ValueError):
    """A sketch that cannot become a spec; the message says what to change."""


@dataclass(frozen=True)
class SketchField:
    name: str
    type: FieldType = "string"
    required: bool = False
    unique: bool = False
    label: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SketchRelation:
    field: str
    target: str
    required: bool = False
    label: str | None = None


@dataclass(frozen=True)
class SketchEntity:
    name: str
    fields: tuple[SketchField, ...]
    relations: tuple[SketchRelation, ...] = ()
    label: str | None = None
    label_plural: str | None = None


@dataclass(frozen=True)
class Sketch:
    """What the model decided; None means "derive it from the description"."""

    name: str
    entities: tuple[SketchEntity, ...]
    summary: str | None = None
    language: Language | None = None
    features: tuple[Feature, ...] | None = None
    theme: tuple[str, str, str | None] | None = None  # background, primary, text
    integrations: tuple[IntegrationSpec, ...] | None = None


@cache
def _fields_by_column() -> Mapping[str, FieldDef]:
    found: dict[str, FieldDef] = {}
    for definition in lexicon().fields.values():
        found.setdefault(definition.column, definition)
    return found


@cache
def _concepts_by_name() -> Mapping[str, Concept]:
    return {concept.name: concept for concept in lexicon().concepts.values()}


def words(identifier: str) -> str:
    """'published_on' -> 'Published on'; 'LoanItem' -> 'Loan item' (a label nobody wrote)."""
    text = snake(identifier).replace("_", " ").strip()
    return (text[:1].upper() + text[1:])[:60] or "Item"


def _short(exc: ValidationError) -> str:
    return "; ".join(str(err["msg"]).removeprefix("Value error, ") for err in exc.errors()[:3])


def _field(entity: str, sketch: SketchField, language: Language) -> FieldSpec:
    known = _fields_by_column().get(sketch.name)
    label = sketch.label or (known.label(language) if known else words(sketch.name))
    choices = sketch.choices
    if sketch.type == "enum" and not choices:
        if known is None or known.type != "enum":
            raise SketchError(
                f"{entity}.{sketch.name} is an enum without choices: write it as "
                f"{sketch.name}:enum(First|Second)"
            )
        choices = known.choice_list(language)
    try:
        return FieldSpec(
            name=sketch.name,
            label=label[:60],
            type=sketch.type,
            required=sketch.required,
            unique=sketch.unique,
            choices=choices,
        )
    except ValidationError as exc:
        raise SketchError(f"{entity}.{sketch.name}: {_short(exc)}") from exc


def _table(name: str, concept: Concept | None) -> str:
    if concept is not None:
        return concept.table
    table = plural_en(snake(name))[:40].rstrip("_")
    return table[:34] + "_items" if table in RESERVED_TABLES else table


def _labels(sketch: SketchEntity, concept: Concept | None, language: Language) -> tuple[str, str]:
    if sketch.label:
        return sketch.label, sketch.label_plural or plural(sketch.label, language)[:60]
    if concept is not None:
        return concept.label(language), concept.label_plural(language)
    label = words(sketch.name)
    return label, plural(label, language)[:60]


def _entities(sketch: Sketch, language: Language) -> tuple[EntitySpec, ...]:
    concepts = _concepts_by_name()
    labels = {e.name: _labels(e, concepts.get(e.name), language) for e in sketch.entities}
    out: list[EntitySpec] = []
    for entity in sketch.entities:
        if not entity.fields:
            raise SketchError(f"entity {entity.name} has no fields: list at least its name or title")
        fields = tuple(_field(entity.name, f, language) for f in entity.fields)
        label, label_plural = labels[entity.name]
        try:
            relations = tuple(
                RelationSpec(
                    field=r.field,
                    target=r.target,
                    label=(r.label or labels.get(r.target, (words(r.target), ""))[0])[:60],
                    required=r.required,
                )
                for r in entity.relations
            )
            out.append(
                EntitySpec(
                    name=entity.name,
                    table=_table(entity.name, concepts.get(entity.name)),
                    label=label[:60],
                    label_plural=label_plural[:60],
                    fields=fields,
                    relations=relations,
                    display_field=fields[0].name,  # the first field is the row's title
                )
            )
        except ValidationError as exc:
            raise SketchError(f"entity {entity.name}: {_short(exc)}") from exc
    return tuple(out)


def _features(
    sketch: Sketch, tokens: Sequence[Token], lex: Lexicon, entities: Sequence[EntitySpec]
) -> tuple[Feature, ...]:
    if sketch.features is not None:
        return tuple(f for f in features.ORDER if f in sketch.features)
    return features.detect(tokens, lex, integrations.requested_features(tokens, lex), entities)


def _theme(sketch: Sketch, text: str, tokens: Sequence[Token], lex: Lexicon) -> ThemeSpec:
    if sketch.theme is None:
        return colours.extract(text, tokens, lex)[0]
    background, primary, text_colour = sketch.theme
    for colour in (background, primary, text_colour or "#000000"):
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            raise SketchError(f"theme colour {colour!r} must be #rrggbb")
    return ThemeSpec(background=background, primary=primary, text=text_colour or colours.text_for(background))


def complete(sketch: Sketch, *, prompt: str) -> dict[str, object]:
    """The full AppSpec (as a dict) the sketch stands for, for the description `prompt`."""
    lex = lexicon()
    tokens = tokenize(prompt)
    language = sketch.language or detect(prompt, tokens, lex)
    entities = _entities(sketch, language)
    feature_set = _features(sketch, tokens, lex, entities)
    if "votes" in feature_set:  # spec lines do not say what takes votes: the architect's default
        voted = features.voted_default(entities)
        if voted is None:
            feature_set = tuple(f for f in feature_set if f != "votes")
        else:
            entities = features.with_votes(entities, {voted})
    # The activities the description asks for, as the offline architect builds them.
    played = activities.plan(prompt, entities, language, set())
    entities = played.entities
    if any(p.activity != "wheel" for p in played.pages) and "dashboard" not in feature_set:
        feature_set = (*feature_set, "dashboard")
    name = sketch.name.strip()[:80]
    if sketch.integrations is not None:
        found = sketch.integrations
    else:
        found = integrations.detect(tokens, lex, feature_set, entities)
        if played.pages and not played.other_games:
            found = tuple(i for i in found if i.requested != activities.GAMEPLAY)
    return {
        "name": name,
        "slug": slug(name),
        "summary": sketch.summary
        or activities.summary(titles.summary(name, entities, feature_set, language), played.pages, language),
        "language": language,
        "prompt": prompt,
        "entities": [e.model_dump() for e in entities],
        "pages": [p.model_dump() for p in pages(name, entities, feature_set, language, None, played.pages)],
        "features": list(feature_set),
        "charts": [
            c.model_dump()
            for c in activities.charts(features.charts(entities, language), entities, played.pages)
        ]
        if "dashboard" in feature_set
        else [],
        "integrations": [i.model_dump() for i in found],
        "theme": _theme(sketch, prompt, tokens, lex).model_dump(),
    }
