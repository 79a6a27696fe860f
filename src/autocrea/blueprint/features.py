"""Features: what the app does besides lists and forms, and the charts of its dashboard."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, get_args

from autocrea.blueprint.lexicon import Lexicon
from autocrea.blueprint.text import Token
from autocrea.domain.appspec import ChartSpec, EntitySpec, Feature, FieldSpec, Language

ORDER: tuple[Feature, ...] = get_args(Feature)
MAX_CHARTS = 4
_BY = {"en": "by", "es": "por"}
_OVER_TIME = {"en": "over time", "es": "a lo largo del tiempo"}
# Dates that are not "when it happened": summing a value over them makes no sense.
_NOT_EVENTS = frozenset(
    {
        "birth_date",
        "hired_on",
        "expires_on",
        "valid_until",
        "due_date",
        "ends_on",
        "died_on",
        "target_date",
        "effective_on",
        "registered_on",
        "arrives_at",
        "ends_at",
        "joined_on",
    }
)


def detect(
    tokens: Sequence[Token], lexicon: Lexicon, implied: Iterable[Feature], entities: Sequence[EntitySpec]
) -> tuple[Feature, ...]:
    """Features the prompt asks for, those its app type implies, and the ones its entities call for."""
    found: set[Feature] = {m.value for m in lexicon.feature_index.find(tokens)}
    found.update(implied)
    if found & {"points", "invites"}:  # accounts earn points and invite people
        found.add("auth")
    if any(e.name == "ContactMessage" for e in entities):
        found.add("contact_form")
    fields = [f for e in entities for f in e.fields]
    # Search and filters are cheap and expected wherever there is something to search or filter by.
    if any(f.searchable for f in fields):
        found.add("search")
    if any(f.type in ("enum", "boolean") for f in fields) or any(e.relations for e in entities):
        found.add("filters")
    if "support_chat" in found:  # "chat de atención al cliente": the support chat, not a community's
        found.discard("chat")
        found.add("auth")  # the staff who answer log in as administrators
    return tuple(f for f in ORDER if f in found)


def names_the_voting(name: str) -> bool:
    """A thing that is the voting itself ("Vote", "VotingResult"), never what is voted for."""
    return "vot" in name.lower()


def voted_default(entities: Sequence[EntitySpec]) -> str | None:
    """What people vote for when the description does not say: the first entity that is neither a
    person (it has an e-mail), the contact form's messages, nor the voting itself."""
    return next(
        (
            e.name
            for e in entities
            if e.name != "ContactMessage"
            and not names_the_voting(e.name)
            and not any(f.type == "email" for f in e.fields)
        ),
        None,
    )


# Entities the chat words of a description make ("an online customer support tool", "chat
# messages"): the chat keeps its own messages, so they go when the chat is built.
CHAT_ENTITIES = frozenset(
    {"Message", "Chat", "ChatMessage", "Chats", "Conversation", "CustomerSupport", "OnlineCustomer"}
    | {"Support", "SupportChat", "LiveChat", "Messaging", "Mensaje", "Conversacion", "Soporte"}
    | {"AtencionCliente", "AtencionAlCliente"}
)


# Rooms are the chat's only when the description says "chat rooms" (a hotel's rooms are records).
CHAT_ROOMS = frozenset({"Room", "ChatRoom", "Sala", "Channel", "Canal"})


def without_chat_entities(entities: Sequence[EntitySpec], rooms: bool = False) -> tuple[EntitySpec, ...]:
    """The entities left when the chat is built: a chat word's own table goes (its rooms too when
    `rooms`: "chat rooms", "salas de chat"), unless another entity points at it or it is all the
    app has."""
    used = {r.target for e in entities for r in e.relations}
    junk = CHAT_ENTITIES | (CHAT_ROOMS if rooms else frozenset())
    kept = tuple(e for e in entities if e.name not in junk or e.name in used)
    return kept or tuple(entities)


_COUNT_FIELDS = frozenset({"votes", "votos", "likes", "upvotes", "vote_count"})


def with_votes(entities: Sequence[EntitySpec], voted: set[str]) -> tuple[EntitySpec, ...]:
    """`voted` take votes; a count they kept by hand ("votes": an integer anyone could type) goes,
    since the votes themselves now count."""

    def voting(entity: EntitySpec) -> EntitySpec:
        fields = tuple(
            f
            for f in entity.fields
            if not (f.name in _COUNT_FIELDS and f.type == "integer" and f.name != entity.display_field)
        )
        return entity.model_copy(update={"votes": True, "fields": fields or entity.fields})

    return tuple(voting(e) if e.name in voted else e for e in entities)


def _title(*parts: str) -> str:
    return " ".join(parts)[:80]


def _lower(label: str) -> str:
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _count(
    entity: EntitySpec, column: str, label: str, kind: Literal["bar", "doughnut"], language: Language
) -> ChartSpec:
    title = _title(entity.label_plural, _BY[language], _lower(label))
    return ChartSpec(title=title, entity=entity.name, kind=kind, group_by=column)


def _entity_charts(entity: EntitySpec, language: Language) -> list[ChartSpec]:
    """Candidate charts for one entity, most telling first."""
    dates = [f for f in entity.fields if f.type in ("date", "datetime") and f.name not in _NOT_EVENTS]
    numbers: list[FieldSpec] = [f for f in entity.fields if f.type == "decimal"]
    numbers += [f for f in entity.fields if f.type == "integer"]
    out: list[ChartSpec] = []
    if numbers:
        value = numbers[0]
        # A sum over a date is a trend; with no date, compare the rows themselves ("Population by area").
        group = dates[0].name if dates else entity.display_field
        title = (
            _title(f"{entity.label_plural}:", _lower(value.label), _OVER_TIME[language])
            if dates
            else _title(value.label, _BY[language], _lower(entity.label))
        )
        kind: Literal["line", "bar"] = "line" if dates else "bar"
        out.append(
            ChartSpec(
                title=title,
                entity=entity.name,
                kind=kind,
                group_by=group,
                metric="sum",
                value_field=value.name,
            )
        )
    for enum in [f for f in entity.fields if f.type == "enum"][:1]:
        out.append(
            _count(entity, enum.name, enum.label, "doughnut" if len(enum.choices) <= 5 else "bar", language)
        )
    for relation in entity.relations[:1]:
        out.append(_count(entity, relation.field, relation.label, "bar", language))
    for flag in [f for f in entity.fields if f.type == "boolean"][:1]:
        out.append(_count(entity, flag.name, flag.label, "doughnut", language))
    return out


def charts(entities: Sequence[EntitySpec], language: Language) -> tuple[ChartSpec, ...]:
    """1-4 charts, taking turns between entities so the dashboard covers the whole app."""
    per_entity = [_entity_charts(e, language) for e in entities]
    chosen: list[ChartSpec] = []
    for round_ in range(4):
        for options in per_entity:
            if round_ < len(options) and len(chosen) < MAX_CHARTS:
                chosen.append(options[round_])
    if not chosen and entities:  # nothing to group by: at least count the rows by their title
        first = entities[0]
        shown = first.field(first.display_field)
        chosen.append(_count(first, shown.name, shown.label, "bar", language))
    return tuple(chosen)
