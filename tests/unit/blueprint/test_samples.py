"""Sample records: for every spec (the hand-built ones, the seed prompts and the development set),
each row keeps the spec's rules, passes the app's own Create schema, and links only to rows that
are loaded before it."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import types
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from autocrea.blueprint.architect import design
from autocrea.blueprint.columns import Column
from autocrea.blueprint.render import render_backend, render_project
from autocrea.blueprint.samples import (
    ROWS,
    SampleTable,
    _vocabulary,
    load_order,
    row_count,
    sample_records,
    table_size,
)
from autocrea.domain.appspec import AppSpec, EntitySpec, FieldSpec, PageSpec, RelationSpec
from autocrea.domain.examples import SEED_EXAMPLES
from tests.fixtures.specs import ALL, edge

DEVSET = Path(__file__).resolve().parents[4] / "shared" / "benchmarks" / "webgen-bench-instructions.jsonl"
PROMPTS = (*SEED_EXAMPLES, "a library system with books, members and loans", "Biblioteca con libros y socios")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{4,24}[0-9]$")


def _devset() -> list[str]:
    if not DEVSET.exists():
        return []
    return [json.loads(line)["instruction"] for line in DEVSET.read_text().splitlines() if line.strip()]


def _cycle() -> AppSpec:
    """Two entities that point at each other (one link optional), unique enum and boolean columns."""
    team = EntitySpec(
        name="Team",
        table="teams",
        label="team",
        label_plural="teams",
        display_field="name",
        fields=(
            FieldSpec(name="name", label="Name", type="string", required=True, unique=True),
            FieldSpec(
                name="tier", label="Tier", type="enum", unique=True, choices=("gold", "silver", "bronze")
            ),
            FieldSpec(name="code", label="Code", type="string", unique=True),
        ),
        relations=(RelationSpec(field="captain_id", target="Player", label="Captain", required=False),),
    )
    player = EntitySpec(
        name="Player",
        table="players",
        label="player",
        label_plural="players",
        display_field="name",
        fields=(
            FieldSpec(name="name", label="Name", type="string", required=True),
            FieldSpec(name="is_captain", label="Captain", type="boolean", unique=True),
            FieldSpec(name="balance", label="Balance", type="decimal", required=True),
            FieldSpec(name="email", label="Email", type="email", required=True, unique=True),
        ),
        relations=(
            RelationSpec(field="team_id", target="Team", label="Team"),
            RelationSpec(field="mentor_id", target="Player", label="Mentor", required=False),
        ),
    )
    return AppSpec(
        name="League",
        slug="league",
        summary="Teams and players.",
        language="en",
        prompt="a league",
        entities=(player, team),
        pages=(PageSpec(path="/", title="League", kind="home"),),
    )


def _specs() -> dict[str, Callable[[], AppSpec]]:
    specs: dict[str, Callable[[], AppSpec]] = {**ALL, "edge": edge, "cycle": _cycle}
    for i, prompt in enumerate((*PROMPTS, *_devset())):
        specs[f"prompt {i:03d}: {prompt[:50]}"] = lambda prompt=prompt: design(prompt).spec
    return specs


SPECS = _specs()


@cache
def _schemas(spec: AppSpec) -> types.ModuleType:
    """The generated app/schemas.py, imported (it needs only pydantic)."""
    module = types.ModuleType(f"generated_schemas_{id(spec)}")
    sys.modules[module.__name__] = module  # pydantic resolves the postponed annotations through it
    exec(compile(render_backend(spec)["app/schemas.py"], "app/schemas.py", "exec"), module.__dict__)
    return module


def _check_value(column: Column, value: Any) -> None:
    name = column.name
    if value is None:
        assert not column.required and not column.is_bool, f"{name} is required"
        return
    kind = column.type
    if kind == "enum":
        assert value in column.choices, name
    elif kind == "boolean":
        assert isinstance(value, bool), name
    elif kind in ("integer", "decimal"):
        assert isinstance(value, int if kind == "integer" else float) and not isinstance(value, bool), name
        assert column.minimum is None or value >= column.minimum, name
    elif kind == "date":
        dt.date.fromisoformat(value)
    elif kind == "datetime":
        dt.datetime.fromisoformat(value)
    else:
        assert isinstance(value, str) and value.strip() == value and value, name
        assert column.max_length is None or len(value) <= column.max_length, name
        pattern = {"email": _EMAIL, "url": _URL, "phone": _PHONE}.get(kind)
        assert pattern is None or pattern.match(value), (name, value)


def _check(spec: AppSpec, tables: tuple[SampleTable, ...]) -> None:
    # Every entity, in load order, but a wheel's wins (only the wheel adds them).
    sampled = [e.name for e in load_order(spec) if table_size(spec, e)]
    assert [t.entity.name for t in tables] == sampled
    assert len(sampled) >= len(spec.entities) - len(spec.activities)
    schemas = _schemas(spec)
    sizes: dict[str, int] = {}
    for table in tables:
        entity = table.entity
        # An activity's words, questions or prizes are all its samples (the week's ten new words).
        limit = ROWS if not any(p.entity == entity.name for p in spec.activities) else 10
        assert 1 <= len(table.rows) == table_size(spec, entity) <= limit, entity.name
        assert len(table.rows) == row_count(entity) or limit > ROWS
        for field in entity.fields:
            values = [row[field.name] for row in table.rows]
            if field.unique:
                present = [v for v in values if v is not None]
                assert len(set(present)) == len(present), f"{entity.name}.{field.name} repeats a value"
            for value in values:
                _check_value(Column(field), value)
        schema: type[BaseModel] = getattr(schemas, f"{entity.name}Create")
        for position, row in enumerate(table.rows, start=1):
            assert set(row) == {f.name for f in entity.fields} | {r.field for r in entity.relations}
            schema.model_validate(row)
            for relation in entity.relations:
                target = row[relation.field]
                if target is None:
                    assert not relation.required, f"{entity.name}.{relation.field} is required"
                    continue
                assert isinstance(target, int) and not isinstance(target, bool)
                if relation.target == entity.name:  # only rows added before it
                    assert 1 <= target < position, f"{entity.name}.{relation.field}"
                else:  # a table loaded earlier
                    assert relation.target in sizes, f"{entity.name}.{relation.field} points ahead"
                    assert 1 <= target <= sizes[relation.target], f"{entity.name}.{relation.field}"
        sizes[entity.name] = len(table.rows)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_sample_rows_keep_the_rules_and_link_to_rows_loaded_before(name: str) -> None:
    spec = SPECS[name]()
    tables = sample_records(spec)
    _check(spec, tables)
    assert sample_records(spec) == tables  # pure and deterministic


def test_required_links_come_first_and_a_cycle_leaves_the_optional_link_empty() -> None:
    spec = _cycle()
    tables = {t.entity.name: t for t in sample_records(spec)}
    assert [e.name for e in load_order(spec)] == ["Team", "Player"]  # players need a team
    assert len(tables["Team"].rows) == ROWS - 1  # a unique enum with three choices
    assert all(row["captain_id"] is None for row in tables["Team"].rows)  # players come later
    players = tables["Player"].rows
    assert len(players) == 2  # a unique boolean: True and False
    assert [row["mentor_id"] for row in players] == [None, 1]  # a self-link points back only
    assert all(row["team_id"] is not None for row in players)


def test_values_speak_the_app_language() -> None:
    spanish = {t.entity.name: t.rows for t in sample_records(ALL["library"]())}
    english = {t.entity.name: t.rows for t in sample_records(ALL["todo"]())}
    assert spanish["Book"][0]["title"] == "El puerto tranquilo"
    assert spanish["Member"][0]["name"] == "Lucía Martín"
    assert spanish["Member"][0]["email"] == "lucia.martin@example.com"
    assert english["Task"][0]["title"] == "Prepare the monthly report"
    assert english["Task"][0]["notes"] == "Include last month's numbers and send it to the team."


def test_the_vocabulary_has_enough_different_values() -> None:
    vocabulary = _vocabulary()
    for kind, languages in vocabulary["values"].items():
        assert set(languages) == {"es", "en"}, kind
        for values in languages.values():
            assert len(set(values)) == len(values) >= ROWS, kind
    for table in ("integer", "decimal"):
        for word, values in vocabulary[table].items():
            assert len(set(values)) == len(values) >= ROWS, word
            assert all(isinstance(v, int if table == "integer" else float) for v in values), word
    kinds = set(vocabulary["kinds"])
    assert kinds - {"code"} <= set(vocabulary["values"]), kinds


def test_credential_like_columns_get_placeholders_no_scanner_takes_for_secrets(tmp_path: Path) -> None:
    data = ALL["todo"]().model_dump()
    data["entities"][0]["fields"] = [
        *data["entities"][0]["fields"],
        {"name": "password", "label": "Password", "type": "string", "required": True},
        {"name": "api_key", "label": "API key", "type": "string", "unique": True},
        {"name": "secret_code", "label": "Secret code", "type": "text"},
    ]
    spec = AppSpec.model_validate(data)
    rows = {t.entity.name: t.rows for t in sample_records(spec)}
    assert rows["Project"][0]["password"] == "<Password 1>"
    _check(spec, sample_records(spec))
    (tmp_path / "sample_data.py").write_text(render_project(spec)["app/sample_data.py"], encoding="utf-8")
    scan = [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."]
    result = subprocess.run(scan, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["results"] == {}
