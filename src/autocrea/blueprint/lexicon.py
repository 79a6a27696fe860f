"""Lexicon: the architect's vocabulary, loaded once from the YAML files in `lexicon/`.

The data lives in YAML so it can be read and extended without touching code; this module turns it
into typed, validated, indexed objects. A broken data file fails loudly at load time (and in tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast, get_args

import yaml

from autocrea.blueprint.text import PhraseIndex, fold, words
from autocrea.domain.appspec import (
    RESERVED_ENTITIES,
    RESERVED_FIELDS,
    RESERVED_TABLES,
    Feature,
    FieldType,
    Language,
)
from autocrea.domain.naming import plural, snake

DATA_DIR = Path(__file__).with_name("lexicon")
_FIELD_TYPES = frozenset(get_args(FieldType))
_FEATURES = frozenset(get_args(Feature))
IGNORE = ""  # concept-index value of phrases that contain a concept word but name none


@dataclass(frozen=True, slots=True)
class FieldDef:
    key: str
    column: str
    type: FieldType
    labels: Mapping[str, str]
    choices: Mapping[str, tuple[str, ...]]

    def label(self, language: Language) -> str:
        return self.labels[language]

    def choice_list(self, language: Language) -> tuple[str, ...]:
        return self.choices.get(language, ())


@dataclass(frozen=True, slots=True)
class FieldRef:
    key: str
    required: bool


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    table: str
    synonyms: Mapping[str, tuple[str, ...]]  # language -> singular phrases as written
    labels: Mapping[str, str]
    plurals: Mapping[str, str]
    fields: tuple[FieldRef, ...]
    display: str  # a field key
    belongs_to: tuple[str, ...]
    required_parents: frozenset[str]  # belongs_to targets marked "!" (a loan needs its book)
    about: tuple[str, ...]
    about_required: bool  # a review cannot exist without what it reviews
    verbish: frozenset[tuple[str, ...]]
    aliases: tuple[str, ...]

    def label(self, language: Language) -> str:
        return self.labels[language]

    def label_plural(self, language: Language) -> str:
        return self.plurals[language]

    def forms(self) -> tuple[str, ...]:
        """Every phrase that names this concept: synonyms of both languages, singular and plural."""
        out: list[str] = []
        for language in ("en", "es"):
            for phrase in self.synonyms[language]:
                out += [phrase, plural(phrase, language)]
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Colour:
    hex: str  # '#rrggbb'
    name: str | None  # the listed name, when the prompt used a derived form ("verdes" -> "verde")


@dataclass(frozen=True, slots=True)
class AppType:
    key: str
    words: tuple[str, ...]
    defaults: tuple[str, ...]
    features: tuple[Feature, ...]
    names: Mapping[str, str]
    always: tuple[Feature, ...] = ()  # switched on whenever the kind is named, whatever the entities


@dataclass(frozen=True, slots=True)
class IntegrationRule:
    requested: str
    group: str
    keep: bool
    requires: tuple[str, ...]  # one of these phrases must also appear
    kind: str
    provided: str
    when: str | None = None  # a condition on the entities under which `provided` is true
    otherwise: str = ""  # what is provided when `when` does not hold
    otherwise_kind: str = ""  # and its kind (default: `kind`)
    # The texts in Spanish, shown by Spanish apps (a proper name has no `requested_es`).
    requested_es: str = ""
    provided_es: str = ""
    otherwise_es: str = ""


@dataclass(frozen=True)
class Lexicon:
    concepts: Mapping[str, Concept]
    fields: Mapping[str, FieldDef]
    concept_index: PhraseIndex[str]  # -> concept name, or IGNORE
    field_index: PhraseIndex[str]  # attribute words -> field key
    feature_index: PhraseIndex[Feature]
    integrations: tuple[IntegrationRule, ...]
    integration_index: PhraseIndex[tuple[int, ...]]  # phrase -> rule indices
    apptypes: Mapping[str, AppType]
    apptype_index: PhraseIndex[str]
    colour_index: PhraseIndex[Colour]
    role_index: PhraseIndex[str]  # -> background | background_weak | primary | primary_weak | context
    list_trigger_index: PhraseIndex[bool]
    manage_index: PhraseIndex[bool]
    stopwords_en: frozenset[str]
    stopwords_es: frozenset[str]
    determiners: frozenset[str]
    noun_followers: frozenset[str]
    list_enders: frozenset[str]
    item_rejects: frozenset[str]
    item_skips: frozenset[str]
    item_tails: frozenset[str]
    generic: frozenset[str]
    item_inner_rejects: frozenset[str]
    link_connectors: frozenset[str]
    name_heads_generic: frozenset[str]
    name_heads_specific: frozenset[str]
    name_stops: frozenset[str]
    type_hints: tuple[tuple[FieldType, frozenset[str]], ...]


def _load(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loaders only


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value or ()))


def _fold_set(values: Any) -> frozenset[str]:
    return frozenset(" ".join(words(str(v))) for v in values)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fields(raw: Mapping[str, Any]) -> dict[str, FieldDef]:
    out: dict[str, FieldDef] = {}
    for key, spec in raw.items():
        if spec["type"] not in _FIELD_TYPES:
            raise ValueError(f"fields.yml: {key} has unknown type {spec['type']!r}")
        choices = spec.get("choices") or {}
        if (spec["type"] == "enum") != bool(choices):
            raise ValueError(f"fields.yml: {key}: enum fields, and only they, need choices")
        if spec.get("column", key) in RESERVED_FIELDS:
            raise ValueError(f"fields.yml: {key} uses a reserved column name")
        out[key] = FieldDef(
            key=key,
            column=spec.get("column", key),
            type=spec["type"],
            labels={"en": spec["en"], "es": spec["es"]},
            choices={lang: _strs(choices.get(lang)) for lang in ("en", "es")} if choices else {},
        )
    return out


def _concept(name: str, spec: Mapping[str, Any], fields: Mapping[str, FieldDef]) -> Concept:
    if name in RESERVED_ENTITIES:
        raise ValueError(f"concepts.yml: {name} is a reserved entity name")
    table = spec.get("table") or snake(plural(snake(name).replace("_", " "), "en"))
    if table in RESERVED_TABLES:
        raise ValueError(f"concepts.yml: {name} uses the reserved table {table!r}")
    refs = tuple(FieldRef(f.rstrip("!"), f.endswith("!")) for f in _strs(spec["fields"]))
    for ref in refs:
        if ref.key not in fields:
            raise ValueError(f"concepts.yml: {name} uses unknown field {ref.key!r}")
    columns = [fields[r.key].column for r in refs]
    if len(set(columns)) != len(columns):
        raise ValueError(f"concepts.yml: {name} repeats a column")
    synonyms = {lang: _strs(spec.get(lang)) for lang in ("en", "es")}
    if not synonyms["en"] or not synonyms["es"]:
        raise ValueError(f"concepts.yml: {name} needs en and es synonyms")
    label = spec.get("label") or {}
    labels = {lang: label.get(lang) or _capital(synonyms[lang][0]) for lang in ("en", "es")}
    given = spec.get("plural") or {}
    plurals = {lang: given.get(lang) or _capital(plural(labels[lang], lang)) for lang in ("en", "es")}
    return Concept(
        name=name,
        table=table,
        synonyms=synonyms,
        labels=labels,
        plurals=plurals,
        fields=refs,
        display=spec.get("display") or refs[0].key,
        belongs_to=tuple(b.rstrip("!") for b in _strs(spec.get("belongs_to"))),
        required_parents=frozenset(b.rstrip("!") for b in _strs(spec.get("belongs_to")) if b.endswith("!")),
        about=_strs(spec.get("about")),
        about_required=bool(spec.get("about_required", False)),
        verbish=frozenset(words(v) for v in _strs(spec.get("verbish"))),
        aliases=_strs(spec.get("aliases")),
    )


def _integrations(raw: Mapping[str, Any]) -> tuple[tuple[IntegrationRule, ...], PhraseIndex[tuple[int, ...]]]:
    rules: list[IntegrationRule] = []
    phrases: dict[str, list[int]] = {}
    for i, spec in enumerate(raw["requests"]):
        provided = dict(raw["provided"][spec["group"]])
        provided["provided"] = spec.get("provided", provided["provided"])
        provided["es"] = spec.get("provided_es", provided.get("es", ""))
        if ("when" in provided) != ("otherwise" in provided):
            raise ValueError(f"integrations.yml: {spec['group']}: `when` and `otherwise` go together")
        rules.append(
            IntegrationRule(
                requested=spec["requested"],
                group=spec["group"],
                keep=bool(spec.get("keep", False)),
                requires=tuple(" ".join(words(w)) for w in _strs(spec.get("with"))),
                kind=provided["kind"],
                provided=provided["provided"],
                when=provided.get("when"),
                otherwise=provided.get("otherwise", ""),
                otherwise_kind=str(provided.get("otherwise_kind", provided["kind"])),
                requested_es=str(spec.get("es", "")),
                provided_es=str(provided["es"]),
                otherwise_es=str(provided.get("otherwise_es", "")),
            )
        )
        for phrase in _strs(spec["words"]):
            phrases.setdefault(phrase, []).append(i)
    ignored = [(p, ()) for p in _strs(raw.get("ignore"))]
    return tuple(rules), PhraseIndex([*ignored, *((p, tuple(ix)) for p, ix in phrases.items())])


def _colours(raw: Mapping[str, Any]) -> PhraseIndex[Colour]:
    entries: list[tuple[str, Colour]] = []
    for section in ("css", "extra"):
        for name, hexa in raw[section].items():
            entries.append((name, Colour(hexa, None)))
            entries.append((name.replace(" ", ""), Colour(hexa, None)))  # CSS spelling: "forestgreen"
    for name, hexa in raw["es"].items():
        entries.append((name, Colour(hexa, None)))
        head, _, rest = fold(name).partition(" ")
        forms = {head + "s", head + "es"}
        if head.endswith("o"):
            forms |= {head[:-1] + "a", head[:-1] + "os", head[:-1] + "as"}
        # Derived forms ("verdes", "roja") are reported under the listed name ("verde", "rojo").
        entries += [(f"{form} {rest}".strip(), Colour(hexa, name)) for form in sorted(forms)]
    return PhraseIndex(entries)


def _check_references(concepts: Mapping[str, Concept], apptypes: Mapping[str, AppType]) -> None:
    for concept in concepts.values():
        for target in concept.belongs_to + concept.about:
            if target not in concepts:
                raise ValueError(f"concepts.yml: {concept.name} relates to unknown concept {target!r}")
    for app in apptypes.values():
        for name in app.defaults:
            if name not in concepts:
                raise ValueError(f"apptypes.yml: {app.key} defaults to unknown concept {name!r}")
        for feature in app.features:
            if feature not in _FEATURES:
                raise ValueError(f"apptypes.yml: {app.key} has unknown feature {feature!r}")


@cache
def lexicon() -> Lexicon:
    """The architect's vocabulary (loaded and validated on first use, then shared)."""
    fields_data = _load("fields.yml")
    fields = _fields(fields_data)
    concepts = {name: _concept(name, spec, fields) for name, spec in _load("concepts.yml").items()}
    words_data = _load("words.yml")
    apptypes = {
        key: AppType(
            key=key,
            words=_strs(spec["words"]),
            defaults=_strs(spec["defaults"]),
            features=cast(tuple[Feature, ...], _strs(spec.get("features"))),
            names=dict(spec["name"]),
            always=cast(tuple[Feature, ...], _strs(spec.get("always"))),
        )
        for key, spec in _load("apptypes.yml").items()
    }
    _check_references(concepts, apptypes)
    features = _load("features.yml")
    for feature in features:
        if feature not in _FEATURES:
            raise ValueError(f"features.yml: unknown feature {feature!r}")
    colours = _load("colours.yml")
    integrations, integration_index = _integrations(_load("integrations.yml"))
    concept_entries: list[tuple[str, str]] = [(p, IGNORE) for p in _strs(words_data["ignore"])]
    for concept in concepts.values():
        concept_entries += [(form, concept.name) for form in concept.forms()]
    hints = words_data["type_hints"]
    return Lexicon(
        concepts=concepts,
        fields=fields,
        concept_index=PhraseIndex(concept_entries),
        field_index=PhraseIndex(
            (w, key) for key, spec in fields_data.items() for w in _strs(spec.get("words"))
        ),
        feature_index=PhraseIndex((w, cast(Feature, f)) for f, ws in features.items() for w in _strs(ws)),
        integrations=integrations,
        integration_index=integration_index,
        apptypes=apptypes,
        apptype_index=PhraseIndex((w, app.key) for app in apptypes.values() for w in app.words),
        colour_index=_colours(colours),
        role_index=PhraseIndex((w, role) for role, ws in colours["roles"].items() for w in _strs(ws)),
        list_trigger_index=PhraseIndex((w, True) for w in _strs(words_data["list_triggers"])),
        manage_index=PhraseIndex((w, True) for w in _strs(words_data["manage_verbs"])),
        stopwords_en=_fold_set(words_data["stopwords"]["en"]),
        stopwords_es=_fold_set(words_data["stopwords"]["es"]),
        determiners=_fold_set(words_data["determiners"]),
        noun_followers=_fold_set(words_data["noun_followers"]),
        list_enders=_fold_set(words_data["list_enders"]),
        item_rejects=_fold_set(words_data["item_rejects"]),
        item_skips=_fold_set(words_data["item_skips"]),
        item_tails=_fold_set(words_data["item_tails"]),
        generic=_fold_set(words_data["generic"]),
        item_inner_rejects=_fold_set(words_data["item_inner_rejects"]),
        link_connectors=_fold_set(words_data["link_connectors"]),
        name_heads_generic=_fold_set(words_data["name_heads_generic"]),
        name_heads_specific=_fold_set(words_data["name_heads_specific"]),
        name_stops=_fold_set(words_data["name_stops"]),
        type_hints=tuple((cast(FieldType, t), _fold_set(ws)) for t, ws in hints.items()),
    )
