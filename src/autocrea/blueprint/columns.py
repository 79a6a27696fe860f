"""Column: one field of an entity as the generated code needs it (Python, SQL, HTML, test values)."""

from __future__ import annotations

from dataclasses import dataclass

from autocrea.blueprint.literals import py_str
from autocrea.domain.appspec import FieldSpec, FieldType

# Longest value each text-like type accepts (the DB column is sized to match).
MAX_LENGTH: dict[FieldType, int] = {
    "string": 200,
    "text": 10_000,
    "email": 254,
    "url": 2000,
    "phone": 30,
    "enum": 40,
}
_PYTHON: dict[FieldType, str] = {
    "string": "str",
    "text": "str",
    "integer": "int",
    "decimal": "float",
    "boolean": "bool",
    "date": "dt.date",
    "datetime": "dt.datetime",
    "email": "str",
    "url": "str",
    "phone": "str",
    "enum": "str",
}
_SQL: dict[FieldType, str] = {
    "text": "sa.Text()",
    "integer": "sa.Integer()",
    "decimal": "sa.Float()",
    "boolean": "sa.Boolean()",
    "date": "sa.Date()",
    "datetime": "sa.DateTime(timezone=True)",
}
_INPUT: dict[FieldType, str] = {
    "string": "text",
    "text": "textarea",
    "integer": "number",
    "decimal": "number",
    "boolean": "checkbox",
    "date": "date",
    "datetime": "datetime-local",
    "email": "email",
    "url": "url",
    "phone": "tel",
    "enum": "select",
}
# Numbers are non-negative (prices, quantities, counts) unless the name says they may go below zero.
_SIGNED_WORDS = frozenset(
    {
        "balance", "delta", "offset", "change", "difference", "adjustment", "temperature",
        "latitude", "longitude", "lat", "lng", "lon", "saldo", "diferencia", "ajuste",
        "temperatura", "latitud", "longitud", "variacion", "cambio",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    spec: FieldSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def type(self) -> FieldType:
        return self.spec.type

    @property
    def required(self) -> bool:
        return self.spec.required

    @property
    def unique(self) -> bool:
        return self.spec.unique

    @property
    def choices(self) -> tuple[str, ...]:
        return self.spec.choices

    @property
    def is_bool(self) -> bool:
        return self.type == "boolean"

    @property
    def nullable(self) -> bool:
        """Booleans are never null: unchecked means False."""
        return not self.required and not self.is_bool

    @property
    def searchable(self) -> bool:
        return self.spec.searchable

    @property
    def filterable(self) -> bool:
        return self.type in ("enum", "boolean")

    @property
    def max_length(self) -> int | None:
        return MAX_LENGTH.get(self.type)

    @property
    def minimum(self) -> int | None:
        if self.type not in ("integer", "decimal"):
            return None
        return None if set(self.name.split("_")) & _SIGNED_WORDS else 0

    @property
    def pattern(self) -> str | None:
        """Name of the format check the schema applies: email, url or phone."""
        return self.type if self.type in ("email", "url", "phone") else None

    @property
    def python_type(self) -> str:
        return _PYTHON[self.type]

    @property
    def sql_type(self) -> str:
        length = self.max_length
        if length is not None and self.type != "text":
            return f"sa.String({length})"
        return _SQL[self.type]

    @property
    def input_type(self) -> str:
        return _INPUT[self.type]

    @property
    def step(self) -> str | None:
        return {"integer": "1", "decimal": "0.01"}.get(self.type)

    def sample(self) -> str:
        """A Python expression of a valid value for row `n` (an int in scope); distinct per n."""
        t = self.type
        if t == "enum":
            return f"{_py_tuple(self.choices)}[n % {len(self.choices)}]"
        return {
            "string": f'f"{self.name} {{n}}"',
            "text": f'f"{self.name} text {{n}}"',
            "integer": "n",
            "decimal": "n + 0.5",
            "boolean": "n % 2 == 0",
            "date": 'f"2024-01-{n % 28 + 1:02d}"',
            "datetime": 'f"2024-01-{n % 28 + 1:02d}T10:30:00"',
            "email": f'f"{self.name}{{n}}@example.com"',
            "url": f'f"https://example.com/{self.name}/{{n}}"',
            "phone": 'f"+34 600 000 {n:03d}"',
        }[t]

    def invalid_values(self) -> tuple[tuple[str, str], ...]:
        """(Python expression, short name) of values the API must reject with 422."""
        t = self.type
        values: list[tuple[str, str]] = []
        if t in ("integer", "decimal"):
            values.append(('"abc"', "not-a-number"))
            if self.minimum is not None:
                values.append(("-1", "negative"))
        elif t == "boolean":
            values.append(('"maybe"', "not-a-boolean"))
        elif t in ("date", "datetime"):
            values.append(('"not-a-date"', "not-a-date"))
        elif t == "enum":
            values.append(('"not-a-choice"', "not-a-choice"))
        elif t in ("email", "url", "phone"):
            bad = {"email": '"not-an-email"', "url": '"not a url"', "phone": '"call me"'}[t]
            values.append((bad, f"bad-{t}"))
        length = self.max_length
        if length is not None and t != "enum":
            values.append((f'"x" * {length + 1}', "too-long"))
        return tuple(values)


def _py_tuple(values: tuple[str, ...]) -> str:
    inner = ", ".join(py_str(v) for v in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"
