"""Views: a list the description names by a state of its records ("view open calls", "see completed
tasks", "las tareas pendientes") becomes a menu link to that list, filtered so.

A view is found where a state word stands next to an entity's plural: before it in English ("open
calls"), after it in Spanish ("llamadas abiertas"). The state is one of the entity's enum choices
("Open"), or a yes/no field by its own word ("completed tasks": completed = yes; "uncompleted",
"incomplete", "pending", "open", "to-do" tasks: completed = no). A bare record the reader made of
such a phrase (an "OpenCall" with a name and a description) goes: the view stands for it, and a
state its entity's status did not have yet ("closed tickets") becomes one of the status's choices.
Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autocrea.blueprint.text import fold, tokenize, words
from autocrea.domain.appspec import EntitySpec, Language, ViewSpec

MAX_VIEWS = 4
# Choice fields that say where a record is in its life: a state the description names joins them.
_STATUS_FIELDS = frozenset({"status", "state", "stage", "estado", "etapa", "situacion"})
# Words that name a state a record is in, not a kind of record ("open calls", "tareas pendientes").
_STATE_WORDS = frozenset(
    {
        "open", "closed", "pending", "resolved", "unresolved", "active", "inactive", "archived", "draft",
        "published", "completed", "done", "finished", "cancelled", "canceled", "confirmed", "approved",
        "rejected", "paid", "unpaid", "upcoming", "scheduled", "shipped", "delivered", "todo",
        "abierta", "abierto", "cerrada", "cerrado", "pendiente", "resuelta", "resuelto", "activa",
        "activo", "archivada", "archivado", "publicada", "publicado", "completada", "completado",
        "cancelada", "cancelado", "confirmada", "confirmado", "aprobada", "aprobado", "rechazada",
        "rechazado", "pagada", "pagado", "programada", "programado", "enviada", "enviado", "entregada",
        "entregado",
    }
)  # fmt: skip
_BARE_FIELDS = frozenset({"name", "title", "description", "notes", "nombre", "titulo", "descripcion"})


@dataclass(frozen=True)
class Views:
    entities: tuple[EntitySpec, ...]  # without the bare records that were views, states added
    views: tuple[ViewSpec, ...]
    dropped: tuple[str, ...]  # labels of the records that turned out to be views


def plan(prompt: str, entities: Sequence[EntitySpec], language: Language) -> Views:
    """The views a description names, and the entities once the records that were views go."""
    kept = list(entities)
    dropped: list[str] = []
    for bare in entities:
        found = _view_of(bare, kept, language)
        if found is None:
            continue
        target, state = found
        index = kept.index(target)
        kept[index] = _with_state(target, state, language)
        kept.remove(bare)
        dropped.append(bare.label_plural)
    kept = [_with_named_states(prompt, e, kept, language) for e in kept]
    if dropped:  # what pointed at a record that is gone stops pointing at it
        gone = {e.name for e in entities} - {e.name for e in kept}
        kept = [
            e.model_copy(update={"relations": tuple(r for r in e.relations if r.target not in gone)})
            for e in kept
        ]
    final = tuple(kept)
    return Views(entities=final, views=detect(prompt, final, language), dropped=tuple(dropped))


def kept(views: Sequence[ViewSpec], entities: Sequence[EntitySpec]) -> tuple[ViewSpec, ...]:
    """The views that still filter something after a change (an entity, field or choice may be gone)."""

    def holds(view: ViewSpec) -> bool:
        entity = next((e for e in entities if e.name == view.entity), None)
        field = next((f for f in entity.fields if f.name == view.field), None) if entity else None
        if field is None or field.type not in ("enum", "boolean"):
            return False
        return view.value in (field.choices if field.type == "enum" else ("true", "false"))

    return tuple(v for v in views if holds(v))


def _view_of(
    bare: EntitySpec, entities: Sequence[EntitySpec], language: Language
) -> tuple[EntitySpec, tuple[str, ...]] | None:
    """(the entity, the state) a bare record's name is a view of: "Open calls" -> (Call, open)."""
    if any(f.name not in _BARE_FIELDS for f in bare.fields) or any(
        r.target == bare.name for e in entities for r in e.relations if r.required
    ):
        return None
    said = words(bare.label_plural)
    for entity in entities:
        if entity is bare:
            continue
        for name in _names(entity, entities, language):
            size = len(name)
            state = said[:-size] if language == "en" else said[size:]
            named = said[-size:] if language == "en" else said[:size]
            if named != name or not state:
                continue
            known = {s for s, _, _ in _states(entity, language)}
            if state in known or (" ".join(state) in _STATE_WORDS and _status(entity) is not None):
                return entity, state
    return None


def _with_named_states(
    prompt: str, entity: EntitySpec, entities: Sequence[EntitySpec], language: Language
) -> EntitySpec:
    """The entity, its status able to say each state the description puts next to its records'
    name ("agents see closed tickets": a ticket can be Closed)."""
    if _status(entity) is None:
        return entity
    norms = [t.norm for t in tokenize(prompt) if t.is_word]
    for name in _names(entity, entities, language):
        size = len(name)
        for i in range(len(norms) - size + 1):
            if language == "en" and i > 0 and tuple(norms[i : i + size]) == name:
                state = norms[i - 1]
            elif language == "es" and i + size < len(norms) and tuple(norms[i : i + size]) == name:
                state = norms[i + size]
            else:
                continue
            if state in _STATE_WORDS:
                entity = _with_state(entity, (state,), language)
    return entity


def _status(entity: EntitySpec) -> str | None:
    return next((f.name for f in entity.fields if f.type == "enum" and f.name in _STATUS_FIELDS), None)


def _with_state(entity: EntitySpec, state: tuple[str, ...], language: Language) -> EntitySpec:
    """The entity, its status able to say `state` ("Closed") if it could not yet."""
    if state in {s for s, _, _ in _states(entity, language)}:
        return entity
    name = _status(entity)
    assert name is not None  # _view_of checked it
    word = " ".join(state)
    if language == "es" and word.endswith("s"):  # "abiertas" -> "Abierta"
        word = word[:-1]
    field = entity.field(name)
    choice = word[:1].upper() + word[1:]
    grown = field.model_copy(update={"choices": (*field.choices, choice)})
    fields = tuple(grown if f.name == name else f for f in entity.fields)
    return entity.model_copy(update={"fields": fields})


# States that mean "not yet" for a yes/no field that says something is done.
_NOT_DONE = frozenset({"pending", "open", "outstanding", "unfinished", "todo", "pendientes", "pendiente"})
_DONE_FIELDS = frozenset(
    {"completed", "done", "is_done", "finished", "completada", "completado", "hecha", "hecho", "terminada"}
)


def detect(prompt: str, entities: Sequence[EntitySpec], language: Language) -> tuple[ViewSpec, ...]:
    """The views the description names, in the order it names them, at most MAX_VIEWS; each titled
    with the description's own words ("Open calls")."""
    tokens = [t for t in tokenize(prompt) if t.is_word]
    norms = [t.norm for t in tokens]
    found: list[tuple[int, ViewSpec]] = []
    for entity in entities:
        for name in _names(entity, entities, language):
            for state, field, value in _states(entity, language):
                phrase = (*state, *name) if language == "en" else (*name, *state)
                at = _find(norms, phrase)
                if at is not None and not any(words(e.label_plural) == phrase for e in entities):
                    said = prompt[tokens[at].start : tokens[at + len(phrase) - 1].end]
                    title = (said[:1].upper() + said[1:])[:80]
                    found.append((at, ViewSpec(title=title, entity=entity.name, field=field, value=value)))
    views: list[ViewSpec] = []
    for _, view in sorted(found, key=lambda pair: pair[0]):
        if not any((v.entity, v.field, v.value) == (view.entity, view.field, view.value) for v in views):
            views.append(view)
    return tuple(views[:MAX_VIEWS])


def _names(
    entity: EntitySpec, entities: Sequence[EntitySpec], language: Language
) -> tuple[tuple[str, ...], ...]:
    """How a description may call an entity's records: its plural label, its table ("Call logs",
    "calls") and that label's head word ("logs") when no other entity shares it."""
    plural = words(entity.label_plural)
    head = plural[-1:] if language == "en" else plural[:1]
    shared = any(
        e is not entity
        and (words(e.label_plural)[-1:] if language == "en" else words(e.label_plural)[:1]) == head
        for e in entities
    )
    names = (plural, tuple(entity.table.split("_"))) + (() if shared else (head,))
    return tuple(dict.fromkeys(names))


def _find(norms: Sequence[str], phrase: tuple[str, ...]) -> int | None:
    size = len(phrase)
    return next((i for i in range(len(norms) - size + 1) if tuple(norms[i : i + size]) == phrase), None)


def _states(entity: EntitySpec, language: Language) -> list[tuple[tuple[str, ...], str, str]]:
    """(state words, field, value) an entity's records can be in."""
    out: list[tuple[tuple[str, ...], str, str]] = []
    for field in entity.fields:
        if field.type == "enum":
            for choice in field.choices:
                state = words(choice)
                out.append((state, field.name, choice))
                if language == "es" and not state[-1].endswith("s"):  # "llamadas abiertas"
                    out.append(((*state[:-1], state[-1] + "s"), field.name, choice))
                if state == ("to", "do"):
                    out.append((("todo",), field.name, choice))
        elif field.type == "boolean" and (field.name in _DONE_FIELDS or fold(field.label) in _DONE_FIELDS):
            word = field.name.removeprefix("is_")
            said = fold(field.label)  # "Completada" in a Spanish app whose column is "completed"
            done = [(word,), (said,)] + ([(said + "s",)] if language == "es" else [])
            not_done = [(f"un{word}",), ("not", word), ("incomplete",), ("to", "do")]
            out += [(state, field.name, "true") for state in done]
            out += [(state, field.name, "false") for state in not_done + [(w,) for w in _NOT_DONE]]
    return out
