"""Amendments: changes to an AppSpec (add a field, rename an entity, switch a feature on...).

`amend(spec, amendments)` applies them and derives the rest again (pages, charts, summary), so the
result is a valid spec that renders like any other; `describe` says each change in the app's
language, for the user's list of what changed. Pure and deterministic; `request.py` reads them from
the words of a follow-up request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from autocrea.blueprint import activities, features, titles, views
from autocrea.blueprint.architect import dashboard_charts, pages
from autocrea.blueprint.lexicon import lexicon
from autocrea.domain.appspec import (
    AppSpec,
    EntitySpec,
    Feature,
    FieldSpec,
    FieldType,
    Language,
    RelationSpec,
    ThemeSpec,
)
from autocrea.domain.naming import snake
from autocrea.errors import InvalidInput


class ChangeNotUnderstood(InvalidInput):
    """A request the offline engine cannot turn into a change of the app; nothing is charged."""

    code = "change_not_understood"


@dataclass(frozen=True)
class AddEntity:
    entity: EntitySpec


@dataclass(frozen=True)
class RemoveEntity:
    name: str


@dataclass(frozen=True)
class RenameEntity:
    name: str
    label: str
    label_plural: str


@dataclass(frozen=True)
class AddField:
    entity: str
    field: FieldSpec


@dataclass(frozen=True)
class RemoveField:
    entity: str
    field: str


@dataclass(frozen=True)
class RenameField:
    entity: str
    field: str
    label: str


@dataclass(frozen=True)
class SetField:
    """A field's type, required or unique flag: what is None stays as it was."""

    entity: str
    field: str
    type: FieldType | None = None
    required: bool | None = None
    unique: bool | None = None


@dataclass(frozen=True)
class AddRelation:
    source: str
    target: str


@dataclass(frozen=True)
class RemoveRelation:
    source: str
    target: str


@dataclass(frozen=True)
class SetFeature:
    feature: Feature
    on: bool


@dataclass(frozen=True)
class SetTheme:
    theme: ThemeSpec


@dataclass(frozen=True)
class SetTitle:
    name: str


@dataclass(frozen=True)
class SetLanguage:
    language: Language


Amendment = (
    AddEntity
    | RemoveEntity
    | RenameEntity
    | AddField
    | RemoveField
    | RenameField
    | SetField
    | AddRelation
    | RemoveRelation
    | SetFeature
    | SetTheme
    | SetTitle
    | SetLanguage
)


class _Spec:
    """A mutable working copy of the spec's entities while amendments are applied."""

    def __init__(self, spec: AppSpec) -> None:
        self.entities = {e.name: e for e in spec.entities}
        self.features = list(spec.features)
        self.name, self.theme, self.language = spec.name, spec.theme, spec.language

    def entity(self, name: str) -> EntitySpec:
        if name not in self.entities:
            raise ChangeNotUnderstood(
                _said(self.language, "missing", item=name), details={"reason": "missing"}
            )
        return self.entities[name]

    def put(self, entity: EntitySpec, **update: object) -> None:
        self.entities[entity.name] = entity.model_copy(update=update)


def _apply(work: _Spec, change: Amendment) -> None:
    match change:
        case AddEntity(entity):
            if entity.name in work.entities:
                raise ChangeNotUnderstood(
                    _said(work.language, "exists", item=entity.label), details={"reason": "exists"}
                )
            work.entities[entity.name] = entity
        case RemoveEntity(name):
            work.entity(name)
            del work.entities[name]
            for other in list(work.entities.values()):  # what pointed at it loses the link, not its rows
                links = tuple(r for r in other.relations if r.target != name)
                if links != other.relations:
                    work.put(other, relations=links)
        case RenameEntity(name, label, label_plural):
            work.put(work.entity(name), label=label, label_plural=label_plural)
        case AddField(entity, field):
            owner = work.entity(entity)
            if any(f.name == field.name for f in owner.fields):
                raise ChangeNotUnderstood(
                    _said(work.language, "exists", item=field.label), details={"reason": "exists"}
                )
            work.put(owner, fields=(*owner.fields, field))
        case RemoveField(entity, field):
            owner = work.entity(entity)
            kept = tuple(f for f in owner.fields if f.name != field)
            if not kept:
                raise ChangeNotUnderstood(
                    _said(work.language, "last_field"), details={"reason": "last_field"}
                )
            display = owner.display_field if owner.display_field != field else kept[0].name
            work.put(owner, fields=kept, display_field=display)
        case RenameField(entity, field, label):
            owner = work.entity(entity)
            work.put(
                owner,
                fields=tuple(
                    f.model_copy(update={"label": label}) if f.name == field else f for f in owner.fields
                ),
            )
        case SetField(entity, field, type_, required, unique):
            owner = work.entity(entity)
            work.put(
                owner,
                fields=tuple(
                    _set(f, type_, required, unique) if f.name == field else f for f in owner.fields
                ),
            )
        case AddRelation(source, target):
            owner, parent = work.entity(source), work.entity(target)
            column = f"{snake(parent.name)[:37]}_id"
            if not any(r.target == target for r in owner.relations):
                relation = RelationSpec(field=column, target=target, label=parent.label)
                work.put(owner, relations=(*owner.relations, relation))
        case RemoveRelation(source, target):
            owner = work.entity(source)
            work.put(owner, relations=tuple(r for r in owner.relations if r.target != target))
        case SetFeature(feature, on):
            work.features = [f for f in work.features if f != feature] + ([feature] if on else [])
            if feature == "votes" and on and not any(e.votes for e in work.entities.values()):
                _vote_for_default(work)
        case SetTheme(theme):
            work.theme = theme
        case SetTitle(name):
            work.name = name[:80]
        case SetLanguage(language):
            work.language = language


def _vote_for_default(work: _Spec) -> None:
    """'add votes' without saying for what: the architect's default, or no votes at all."""
    voted = features.voted_default(list(work.entities.values()))
    if voted is None:
        raise ChangeNotUnderstood(_said(work.language, "nothing_to_vote"), details={"reason": "missing"})
    work.put(work.entities[voted], votes=True)


def _set(field: FieldSpec, type_: FieldType | None, required: bool | None, unique: bool | None) -> FieldSpec:
    update: dict[str, object] = {}
    if type_ is not None and type_ != field.type:
        update["type"] = type_
        update["choices"] = lexicon().fields["type"].choice_list("en") if type_ == "enum" else ()
    if required is not None:
        update["required"] = required
    if unique is not None:
        update["unique"] = unique
    return field.model_copy(update=update)


def _relabel(entity: EntitySpec, language: Language) -> EntitySpec:
    """Labels in the new language where the lexicon knows the entity or field; the user's own words stay."""
    lex = lexicon()
    concept = lex.concepts.get(entity.name)
    by_column = {d.column: d for d in lex.fields.values()}
    fields = tuple(
        f.model_copy(update={"label": by_column[f.name].label(language)}) if f.name in by_column else f
        for f in entity.fields
    )
    update: dict[str, object] = {"fields": fields}
    if concept is not None:
        update |= {"label": concept.label(language), "label_plural": concept.label_plural(language)}
    return entity.model_copy(update=update)


def amend(spec: AppSpec, changes: Sequence[Amendment]) -> AppSpec:
    """The spec with the changes applied, revalidated; pages, charts and summary derived again."""
    work = _Spec(spec)
    for change in changes:
        _apply(work, change)
    if not work.entities:
        raise ChangeNotUnderstood(_said(work.language, "last_entity"), details={"reason": "last_entity"})
    entities = tuple(work.entities.values())
    if work.language != spec.language:
        entities = tuple(_relabel(e, work.language) for e in entities)
    feature_set = tuple(f for f in features.ORDER if f in work.features)
    # The activities stay while what they play with does (a removed field is refused below).
    names = {e.name for e in entities}
    played = [
        p
        for p in spec.activities
        if (p.entity is None or p.entity in names) and (p.results is None or p.results in names)
    ]
    home_form = any(p.kind == "home" and p.entity for p in spec.pages)  # it keeps its form
    chat_title = next((p.title for p in spec.pages if p.kind == "chat"), None)  # and its chat's name
    data = spec.model_dump()
    data.update(
        name=work.name,
        language=work.language,
        entities=[e.model_dump() for e in entities],
        features=list(feature_set),
        pages=[
            p.model_dump()
            for p in pages(
                work.name, entities, feature_set, work.language, None, played, home_form, chat_title
            )
        ],
        charts=[
            c.model_dump()
            for c in activities.charts(
                dashboard_charts(entities, feature_set, work.language), entities, played
            )
        ],
        summary=activities.summary(
            titles.summary(work.name, entities, feature_set, work.language), played, work.language
        ),
        theme=work.theme.model_dump(),
        views=[v.model_dump() for v in views.kept(spec.views, entities)],
    )
    try:
        return AppSpec.model_validate(data)
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()[:3])
        raise ChangeNotUnderstood(
            _said(spec.language, "invalid", reason=reason), details={"reason": "invalid"}
        ) from exc


_SAID: dict[Language, dict[str, str]] = {
    "en": {
        "missing": "The app has no {item} any more.",
        "nothing_to_vote": "There is nothing to vote for yet: add it first. Nothing was charged.",
        "exists": "The app already has {item}: nothing to change. Nothing was charged.",
        "last_field": "An entity needs at least one field: add another before removing this one.",
        "last_entity": "An app needs at least one entity: add another before removing this one.",
        "invalid": "That change would break the app ({reason}); nothing was changed or charged.",
        "add_entity": "add {item}",
        "remove_entity": "remove {item}",
        "rename_entity": "rename {item} to {new}",
        "add_field": "add the field {new} to {item}",
        "remove_field": "remove the field {new} from {item}",
        "rename_field": "rename the field {old} of {item} to {new}",
        "set_field": "{item}: {new}",
        "add_relation": "link {item} to {new}",
        "remove_relation": "unlink {item} from {new}",
        "feature_on": "switch on {item}",
        "feature_off": "switch off {item}",
        "theme": "colours: {item}",
        "title": "call the app {item}",
        "language": "write the app in {item}",
        "required": "required",
        "optional": "optional",
        "unique": "unique",
        "not_unique": "may repeat",
        "type": "type {item}",
    },
    "es": {
        "missing": "La app ya no tiene {item}.",
        "nothing_to_vote": "Todavía no hay nada que votar: añádelo primero. No se ha cobrado nada.",
        "exists": "La app ya tiene {item}: no hay nada que cambiar. No se ha cobrado nada.",
        "last_field": "Una entidad necesita al menos un campo: añade otro antes de quitar este.",
        "last_entity": "Una app necesita al menos una entidad: añade otra antes de quitar esta.",
        "invalid": "Ese cambio rompería la app ({reason}); no se ha cambiado ni cobrado nada.",
        "add_entity": "añadir {item}",
        "remove_entity": "quitar {item}",
        "rename_entity": "renombrar {item} a {new}",
        "add_field": "añadir el campo {new} a {item}",
        "remove_field": "quitar el campo {new} de {item}",
        "rename_field": "renombrar el campo {old} de {item} a {new}",
        "set_field": "{item}: {new}",
        "add_relation": "relacionar {item} con {new}",
        "remove_relation": "desvincular {item} de {new}",
        "feature_on": "activar {item}",
        "feature_off": "desactivar {item}",
        "theme": "colores: {item}",
        "title": "llamar a la app {item}",
        "language": "escribir la app en {item}",
        "required": "obligatorio",
        "optional": "opcional",
        "unique": "único",
        "not_unique": "puede repetirse",
        "type": "tipo {item}",
    },
}
_FEATURE_NAMES: dict[Language, dict[str, str]] = {
    "en": {
        "auth": "accounts", "search": "search", "filters": "filters", "dashboard": "charts",
        "contact_form": "the contact form", "payments": "payments", "file_upload": "uploads",
        "realtime": "live updates", "export": "CSV export", "votes": "votes",
    },
    "es": {
        "auth": "cuentas", "search": "búsqueda", "filters": "filtros", "dashboard": "gráficos",
        "contact_form": "el formulario de contacto", "payments": "pagos", "file_upload": "subida de archivos",
        "realtime": "actualización en vivo", "export": "exportar a CSV", "votes": "votos",
    },
}  # fmt: skip
_LANGUAGE_NAMES: dict[Language, dict[str, str]] = {
    "en": {"en": "English", "es": "Spanish"},
    "es": {"en": "inglés", "es": "español"},
}


def _said(language: Language, key: str, **values: str) -> str:
    return _SAID[language][key].format(**values)


def describe(spec: AppSpec, change: Amendment) -> str:
    """One change in the words of the app's language (the spec before the change names its parts)."""
    lang = spec.language

    def label(name: str) -> str:
        found = next((e for e in spec.entities if e.name == name), None)
        return found.label_plural if found is not None else name

    def field_label(entity: str, name: str) -> str:
        found = next((e for e in spec.entities if e.name == entity), None)
        field = next((f for f in found.fields if f.name == name), None) if found is not None else None
        return field.label if field is not None else name

    match change:
        case AddEntity(entity):
            return _said(lang, "add_entity", item=entity.label_plural)
        case RemoveEntity(name):
            return _said(lang, "remove_entity", item=label(name))
        case RenameEntity(name, _, label_plural):
            return _said(lang, "rename_entity", item=label(name), new=label_plural)
        case AddField(entity, field):
            return _said(lang, "add_field", item=label(entity), new=field.label)
        case RemoveField(entity, field):
            return _said(lang, "remove_field", item=label(entity), new=field_label(entity, field))
        case RenameField(entity, field, new):
            return _said(lang, "rename_field", item=label(entity), old=field_label(entity, field), new=new)
        case SetField(entity, field, type_, required, unique):
            parts = []
            if type_ is not None:
                parts.append(_said(lang, "type", item=type_))
            if required is not None:
                parts.append(_said(lang, "required" if required else "optional"))
            if unique is not None:
                parts.append(_said(lang, "unique" if unique else "not_unique"))
            return _said(
                lang,
                "set_field",
                item=f"{label(entity)} · {field_label(entity, field)}",
                new=", ".join(parts),
            )
        case AddRelation(source, target):
            return _said(lang, "add_relation", item=label(source), new=label(target))
        case RemoveRelation(source, target):
            return _said(lang, "remove_relation", item=label(source), new=label(target))
        case SetFeature(feature, on):
            return _said(lang, "feature_on" if on else "feature_off", item=_FEATURE_NAMES[lang][feature])
        case SetTheme(theme):
            names = [n for n in (theme.background_name, theme.primary_name) if n]
            return _said(lang, "theme", item=" / ".join(names) or theme.primary)
        case SetTitle(name):
            return _said(lang, "title", item=f"“{name}”")
        case SetLanguage(language):
            return _said(lang, "language", item=_LANGUAGE_NAMES[lang][language])
    raise AssertionError(change)  # pragma: no cover - every amendment is matched above
