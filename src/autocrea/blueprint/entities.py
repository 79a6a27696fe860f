"""Entities: turn a chosen noun (lexicon concept or unknown word) into an entity draft with fields.

Fields are the concept's defaults plus whatever the prompt listed for it; an unknown attribute gets
its type from keywords ("fecha de entrega" -> date, "unit price" -> decimal). Class and column names
stay English-ish identifiers; labels follow the prompt's language.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from autocrea.blueprint.attributes import Attribute
from autocrea.blueprint.lexicon import Concept, FieldDef, Lexicon
from autocrea.blueprint.nouns import UnknownNoun
from autocrea.blueprint.text import fold
from autocrea.domain.appspec import (
    RESERVED_ENTITIES,
    RESERVED_FIELDS,
    RESERVED_TABLES,
    FieldSpec,
    FieldType,
    Language,
    RelationSpec,
)
from autocrea.domain.naming import pascal, snake

MAX_FIELDS = 30
_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CLASS = re.compile(r"^[A-Z][A-Za-z0-9]{0,39}$")


@dataclass
class Draft:
    """An entity being assembled; relations are added once every entity is known."""

    key: str  # concept name or unknown-noun key
    name: str
    table: str
    label: str
    label_plural: str
    fields: list[FieldSpec]
    display: str
    concept: Concept | None
    from_prompt: list[str] = field(default_factory=list)  # labels of the fields the prompt listed
    relations: list[RelationSpec] = field(default_factory=list)


def _label(text: str) -> str:
    text = " ".join(text.split())[:60]
    return (text[:1].upper() + text[1:]) or "Item"


def field_spec(definition: FieldDef, language: Language, *, required: bool = False) -> FieldSpec:
    return FieldSpec(
        name=definition.column,
        label=definition.label(language),
        type=definition.type,
        required=required,
        choices=definition.choice_list(language) if definition.type == "enum" else (),
    )


def column_name(words: Sequence[str]) -> str:
    """A valid, unreserved snake_case column for an attribute the lexicon does not know."""
    name = snake(" ".join(words))[:40].rstrip("_") or "value"
    if name.endswith("_id") or name == "id":
        name = name[:-2] + "code" if name != "id" else "code"  # "_id" columns are for relations only
    if name in RESERVED_FIELDS or keyword.iskeyword(name) or not _IDENT.match(name):
        name = (name[:33] + "_value").lstrip("_")
    return name if _IDENT.match(name) else "value"


def infer_type(words: Sequence[str], lexicon: Lexicon) -> FieldType:
    """Type of an unknown attribute from its keywords; the first rule that matches wins."""
    joined = " ".join(words)
    for type_, hints in lexicon.type_hints:
        if type_ == "boolean":
            if words[0] in hints:  # "is paid", "active": the first word decides
                return type_
        elif any(w in hints for w in words) or any(h in joined for h in hints if " " in h):
            return type_
    return "string"


def _enum_choices(words: Sequence[str], lexicon: Lexicon, language: Language) -> tuple[str, ...]:
    for word in reversed(words):
        key = lexicon.field_index.get(word)
        if key and lexicon.fields[key].type == "enum":
            return lexicon.fields[key].choice_list(language)
    return lexicon.fields["type"].choice_list(language)


def attribute_field(attribute: Attribute, lexicon: Lexicon, language: Language) -> FieldSpec:
    if attribute.field_key is not None:
        return field_spec(lexicon.fields[attribute.field_key], language)
    type_ = infer_type(attribute.norms, lexicon)
    return FieldSpec(
        name=column_name(attribute.norms),
        label=_label(attribute.text),
        type=type_,
        choices=_enum_choices(attribute.norms, lexicon, language) if type_ == "enum" else (),
    )


def _class_name(text: str) -> str:
    name = pascal(fold(text))[:36]
    if not _CLASS.match(name):
        name = "Item" + re.sub(r"[^A-Za-z0-9]", "", name)[:30]
    return name + "Item" if name in RESERVED_ENTITIES else name


def _table(noun: UnknownNoun) -> str:
    table = snake(noun.folded_plural)[:40].rstrip("_")
    table = table if _IDENT.match(table) else "items"
    if table in RESERVED_TABLES:  # "checkout", "stats": names the generated app uses itself
        table = table[:34] + "_items"
    return table


def draft_for(key: str, lexicon: Lexicon, unknown: dict[str, UnknownNoun], language: Language) -> Draft:
    concept = lexicon.concepts.get(key)
    noun = unknown.get(key)
    if concept is not None:
        fields = [field_spec(lexicon.fields[r.key], language, required=r.required) for r in concept.fields]
        name, table = concept.name, concept.table
        label, label_plural = concept.label(language), concept.label_plural(language)
        if noun is not None:  # the user's own words name it; the concept only lends its fields
            label, label_plural = _label(noun.singular), _label(noun.plural)
            if language == "en" and fold(noun.singular) != fold(concept.label("en")):
                name, table = _class_name(noun.singular), _table(noun)  # "clients" stay clients
        display = lexicon.fields[concept.display].column
        return Draft(key, name, table, label, label_plural, fields, display, concept)
    assert noun is not None, key
    fields = [
        field_spec(lexicon.fields["name"], language, required=True),
        field_spec(lexicon.fields["description"], language),
    ]
    return Draft(
        key,
        _class_name(noun.singular),
        _table(noun),
        _label(noun.singular),
        _label(noun.plural),
        fields,
        "name",
        None,
    )


def add_attributes(
    draft: Draft,
    attributes: Sequence[Attribute],
    lexicon: Lexicon,
    language: Language,
    relation_targets: set[str],
) -> list[str]:
    """Put the prompt's attributes first (after the display field). Returns concepts to relate to."""
    listed: list[FieldSpec] = []
    relate: list[str] = []
    taken = {draft.display}
    for attribute in attributes:
        if attribute.concept in relation_targets and (attribute.field_key is None or attribute.loose):
            relate.append(attribute.concept)
            continue
        spec = attribute_field(attribute, lexicon, language)
        existing = next((f for f in draft.fields if f.name == spec.name), None)
        if spec.name not in taken:
            listed.append(existing or spec)  # the concept's own version keeps its choices
            taken.add(spec.name)
        elif spec.name != draft.display:
            continue
        draft.from_prompt.append((existing or spec).label)
    display = [f for f in draft.fields if f.name == draft.display]
    rest = [f for f in draft.fields if f.name not in taken]
    draft.fields = (display + listed + rest)[:MAX_FIELDS]
    return list(dict.fromkeys(relate))
