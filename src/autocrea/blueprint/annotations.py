"""Annotations: the Python type and pydantic Field of each column in the generated schemas."""

from __future__ import annotations

from typing import Literal

from autocrea.blueprint.columns import Column
from autocrea.blueprint.context import EntityView
from autocrea.domain.naming import pascal

Mode = Literal["create", "update"]


def choice_alias(entity: EntityView, column: Column) -> str:
    """Name of the Literal alias of an enum column, e.g. BookGenreChoice."""
    return f"{entity.name}{pascal(column.name)}Choice"


def _base(entity: EntityView, column: Column) -> str:
    if column.type == "enum":
        return choice_alias(entity, column)
    if column.pattern is not None:
        return column.pattern.capitalize()
    return column.python_type


def _constraints(column: Column, *, not_blank: bool) -> list[str]:
    out: list[str] = []
    length = column.max_length
    if length is not None and column.type != "enum":
        if not_blank:
            out.append("min_length=1")
        out.append(f"max_length={length:_}")
    if column.minimum is not None:
        out.append(f"ge={column.minimum}")
    return out


def schema_field(entity: EntityView, column: Column, mode: Mode) -> str:
    """Right-hand side of `name: ...` in a Create or Update schema."""
    base = _base(entity, column)
    constraints = _constraints(column, not_blank=column.required)
    if mode == "create" and column.is_bool:
        return "bool" if column.required else "bool = False"
    if mode == "create" and column.required:
        return f"{base} = Field({', '.join(constraints)})" if constraints else base
    default = ["default=None", *constraints]
    if len(default) == 1:
        return f"{base} | None = None"
    return f"{base} | None = Field({', '.join(default)})"


def read_type(column: Column) -> str:
    """Annotation of the column in the Read schema."""
    return column.python_type + (" | None" if column.nullable else "")


def not_null_fields(entity: EntityView) -> tuple[str, ...]:
    """Fields a PATCH may leave out but may not set to null."""
    columns = [c.name for c in entity.columns if not c.nullable]
    return (*columns, *(link.field for link in entity.links if link.required))
