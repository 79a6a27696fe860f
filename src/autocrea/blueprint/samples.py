"""Sample records: a few plausible rows per entity that a generated app adds on its first start.

`sample_records` is pure: the rows follow the spec's rules (required fields, enum choices, unique
columns, lengths, no negative numbers where the schema says `ge=0`) and its language, and come in an
order where every required link points at an entity loaded earlier. A link holds the 1-based
position of a row among the target entity's sample rows (app/sample_data.py turns it into that
row's id); a link that cannot point back yet (a self-link's first row, a cycle) is left null, which
only optional links can be. The vocabulary lives in `lexicon/samples.yml`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from autocrea.blueprint import activities, i18n, sample_texts
from autocrea.blueprint.columns import Column
from autocrea.domain.appspec import AppSpec, EntitySpec, Language
from autocrea.domain.naming import ascii_fold, snake

ROWS = 4  # rows per entity, fewer when a unique enum or boolean column has fewer values
SampleValue = str | int | float | bool | None
_DATA = Path(__file__).with_name("lexicon") / "samples.yml"
_NAME_COLUMNS = frozenset({"name", "nombre", "nombre_completo"})
_IMAGE_WORDS = frozenset(
    {"image", "photo", "picture", "avatar", "cover", "thumbnail", "logo", "imagen", "foto"}
)
# Words of a date or time column that comes after another (ends_on after starts_on, due after loaned).
_END_WORDS = frozenset(
    {
        "end", "ends", "due", "until", "expires", "returned", "delivered", "arrives", "out", "died",
        "fin", "hasta",
    }
)  # fmt: skip
_BIRTH_WORDS = frozenset({"birth", "born", "birthday", "nacimiento"})
# Names a secrets scanner (detect-secrets) reads as credentials: their sample text is a <placeholder>,
# which it knows is not a secret (and which reads as one).
_SECRET = re.compile(
    r"(api|auth|service|account|db|database|priv|private|client)_?key|(db|database|key)_?pass"
    r"|password|passwd|pwd|secret|contrasena|token"
)
_FIRST_DAY = dt.date(2025, 3, 3)
_BIRTH_DAYS = (dt.date(1988, 4, 12), dt.date(1995, 9, 3), dt.date(1979, 1, 27), dt.date(2001, 6, 18))
_INTEGERS = (3, 8, 12, 5, 20, 1)
_DECIMALS = (10.5, 24.0, 7.25, 15.75, 32.5, 4.0)


@dataclass(frozen=True)
class _About:
    """What an entity's sample texts are written in and about."""

    language: Language
    subjects: tuple[str, ...]
    domain: bool  # the description names a subject (else titles are "<Label> Alpha", ...)


@dataclass(frozen=True)
class SampleTable:
    """The sample rows of one entity, in load order: column values and link positions by name."""

    entity: EntitySpec
    rows: tuple[Mapping[str, SampleValue], ...]


def sample_records(spec: AppSpec) -> tuple[SampleTable, ...]:
    """Every entity's sample rows, ordered so that required links point at earlier tables."""
    order = load_order(spec)
    counts: dict[str, int] = {}
    tables: list[SampleTable] = []
    subjects = sample_texts.topics(spec.prompt, spec.language)
    domain = sample_texts.has_domain(spec.prompt)
    for entity in order:
        # Each entity starts at another topic, so the first rows of two lists differ.
        start = spec.entities.index(entity) % len(subjects)
        about = _About(spec.language, subjects[start:] + subjects[:start], domain)
        count = table_size(spec, entity)
        if count == 0:
            continue  # a wheel's wins: only the wheel adds them
        played = activities.sample_rows(spec, entity)  # real words, questions, prizes for the games
        rows = tuple(
            {**row, **{k: _clip(Column(entity.field(k)), v) for k, v in played[i].items()}} if played else row
            for i, row in enumerate(_row(about, entity, i, counts) for i in range(count))
        )
        counts[entity.name] = count
        tables.append(SampleTable(entity=entity, rows=rows))
    return tuple(tables)


def load_order(spec: AppSpec) -> tuple[EntitySpec, ...]:
    """The entities, each after those its required links point at (and, where a cycle allows,
    after those its optional links point at too), otherwise in the spec's order."""
    placed: list[EntitySpec] = []
    names: set[str] = set()
    waiting = list(spec.entities)
    while waiting:
        ready = [e for e in waiting if all(r.target in names for r in e.relations if r.required)]
        settled = [e for e in ready if all(r.target in names | {e.name} for r in e.relations)]
        # The spec forbids loops of required links, so some entity is always ready.
        entity = (settled or ready)[0]
        placed.append(entity)
        names.add(entity.name)
        waiting.remove(entity)
    return tuple(placed)


def table_size(spec: AppSpec, entity: EntitySpec) -> int:
    """How many sample rows `entity` gets: ROWS (fewer when a unique column says so), every sample
    word, question or prize of an activity that plays with it, none for a wheel's wins."""
    if activities.starts_empty(spec, entity):
        return 0
    played = activities.sample_rows(spec, entity)
    return len(played) if played and not _unique_limit(entity) else row_count(entity)


def _unique_limit(entity: EntitySpec) -> bool:
    """Whether a unique choice or flag column limits how many rows the entity can have."""
    return any(f.unique and f.type in ("enum", "boolean") for f in entity.fields)


def row_count(entity: EntitySpec) -> int:
    """ROWS, or fewer when a unique enum or boolean column cannot take ROWS different values."""
    count = ROWS
    for field in entity.fields:
        if field.unique and field.type == "enum":
            count = min(count, len(field.choices))
        elif field.unique and field.type == "boolean":
            count = min(count, 2)
    return count


def _row(about: _About, entity: EntitySpec, i: int, counts: Mapping[str, int]) -> dict[str, SampleValue]:
    row: dict[str, SampleValue] = {}
    for field in entity.fields:
        row[field.name] = _clip(Column(field), _value(about, entity, Column(field), i, row))
    for relation in entity.relations:
        if relation.target == entity.name:  # a self-link: every row but the first points at the first
            row[relation.field] = 1 if i > 0 else None
        elif relation.target in counts:
            row[relation.field] = i % counts[relation.target] + 1
        else:  # optional (the order puts required targets first): a cycle leaves it empty
            row[relation.field] = None
    return row


def _value(
    about: _About, entity: EntitySpec, column: Column, i: int, row: Mapping[str, SampleValue]
) -> SampleValue:
    language = about.language
    kind = column.type
    if kind == "enum":
        return column.choices[i % len(column.choices)]
    if kind == "boolean":
        return i % 2 == 0
    if kind == "integer":
        return _number(column, i, integer=True)
    if kind == "decimal":
        return _number(column, i, integer=False)
    if kind == "date":
        return _day(column, i).isoformat()
    if kind == "datetime":
        hour = 11 if _words(column) & _END_WORDS else 9
        return f"{_day(column, i).isoformat()}T{hour:02d}:30:00"
    if kind == "email":
        return _email(entity, i, row)
    if kind == "url":
        if _words(column) & _IMAGE_WORDS:
            return f"https://example.com/images/{entity.table}-{i + 1}.jpg"
        return f"https://example.com/{entity.table}/{i + 1}"
    if kind == "phone":
        return _pick("phone", language, i)
    if _SECRET.search(column.name):
        return f"<{i18n.text(language, 'sample_value', label=column.label, n=i + 1)}>"
    text_kind = _text_kind(entity, column)
    if text_kind == "code":  # BOO-001: unique, short, plain
        return f"{snake(entity.name).replace('_', '')[:3].upper()}-{i + 1:03d}"
    if text_kind is not None:
        return _pick(text_kind, language, i)
    if column.name == entity.display_field:
        return sample_texts.title(entity, language, about.subjects, i, domain=about.domain)
    if kind == "text" or sample_texts.is_text_column(column.name):
        return sample_texts.text(entity, column.name, language, about.subjects, i, domain=about.domain)
    return i18n.text(language, "sample_value", label=column.label, n=i + 1)


def _text_kind(entity: EntitySpec, column: Column) -> str | None:
    """The vocabulary a string or text column takes its values from, if any."""
    name = column.name
    if name in _NAME_COLUMNS:
        if entity.name in _vocabulary()["people"]:
            return "person"
        if entity.name in _vocabulary()["organisations"]:
            return "company"
        return None
    last = name.rsplit("_", 1)[-1]
    for kind, match in _vocabulary()["kinds"].items():
        if name in match.get("columns", ()) or last in match.get("words", ()):
            return str(kind)
    return None


def _number(column: Column, i: int, *, integer: bool) -> int | float:
    tables = (_vocabulary()["integer"],) if integer else (_vocabulary()["decimal"], _vocabulary()["integer"])
    values: tuple[int | float, ...] = _INTEGERS if integer else _DECIMALS
    parts = column.name.split("_")
    for table in tables:
        key = next((k for k in table if k in parts), None)
        if key is not None:
            values = tuple(table[key])
            break
    value = values[i % len(values)]
    if column.minimum is not None and value < column.minimum:
        value = abs(value)
    return int(value) if integer else float(value)


def _day(column: Column, i: int) -> dt.date:
    words = _words(column)
    if words & _BIRTH_WORDS:
        return _BIRTH_DAYS[i % len(_BIRTH_DAYS)]
    day = _FIRST_DAY + dt.timedelta(days=9 * i)
    return day + dt.timedelta(days=14) if words & _END_WORDS else day


def _email(entity: EntitySpec, i: int, row: Mapping[str, SampleValue]) -> str:
    """An address at example.com, after the person or company of the row when it has one."""
    for field in entity.fields:
        value = row.get(field.name)
        if isinstance(value, str) and _text_kind(entity, Column(field)) in ("person", "company"):
            local = ".".join(ascii_fold(value).lower().replace("&", " ").replace(".", " ").split())
            return f"{local}@example.com"
    return f"{snake(entity.name).replace('_', '.')}{i + 1}@example.com"


def _clip(column: Column, value: SampleValue) -> SampleValue:
    length = column.max_length
    if isinstance(value, str) and length is not None and column.type != "enum":
        return value[:length]
    return value


def _words(column: Column) -> set[str]:
    return set(column.name.split("_"))


def _pick(kind: str, language: Language, i: int) -> str:
    values = _vocabulary()["values"][kind][language]
    return str(values[i % len(values)])


@cache
def _vocabulary() -> dict[str, Any]:
    with _DATA.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data
