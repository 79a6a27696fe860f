"""Literals: spec strings written safely into generated Python, Markdown and TOML, and the few
line-wrapping rules that keep the generated Python formatted like a human (or ruff) would."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

# The generated pyproject.toml sets 100; imports wrap at ruff's default 88 so that `ruff check
# --isolated` (isort rules) agrees, and their trailing comma keeps the formatter from joining them.
LINE_LENGTH = 100
IMPORT_LINE_LENGTH = 88

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_str(value: str, *, double: bool = False) -> str:
    """A Python string literal of `value` that reads back exactly as `value`.

    Double-quoted, or single-quoted when that avoids escapes (as the formatter would). With
    `double=True` always double-quoted, which is also a valid TOML basic string.
    """
    quote = "'" if not double and '"' in value and "'" not in value else '"'
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char == quote:
            out.append("\\" + char)
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return quote + "".join(out) + quote


def toml_str(value: str) -> str:
    return py_str(value, double=True)


def py_value(value: str | int | float | bool | None) -> str:
    """A Python literal of a plain value: text, a number, a boolean or None."""
    return py_str(value) if isinstance(value, str) else repr(value)


def md_text(value: str) -> str:
    """One line of Markdown text: no line breaks, table pipes and HTML brackets escaped."""
    flat = " ".join(value.split())
    for char in ("\\", "|", "<", ">", "`", "*", "_", "[", "]"):
        flat = flat.replace(char, "\\" + char)
    return flat


def md_quote(value: str) -> str:
    """A Markdown blockquote of multi-line text, each line escaped."""
    lines = value.strip().splitlines() or [""]
    return "\n".join(f"> {md_text(line)}".rstrip() for line in lines)


def py_def(name: str, params: Iterable[str], returns: str) -> str:
    """A `def` line wrapped the way a formatter would at LINE_LENGTH."""
    args = list(params)
    one_line = f"def {name}({', '.join(args)}) -> {returns}:"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    inner = "    " + ", ".join(args)
    if len(inner) <= LINE_LENGTH:
        return f"def {name}(\n{inner}\n) -> {returns}:"
    body = "".join(f"    {arg},\n" for arg in args)
    return f"def {name}(\n{body}) -> {returns}:"


def py_import(module: str, names: Iterable[str]) -> str:
    """`from module import a, b`, wrapped one name a line when longer than IMPORT_LINE_LENGTH."""
    # isort's order-by-type: CONSTANTS, then Classes, then functions, each alphabetical.
    ordered = sorted(names, key=lambda name: (0 if name.isupper() else 1 if name[:1].isupper() else 2, name))
    line = f"from {module} import {', '.join(ordered)}"
    if len(line) <= IMPORT_LINE_LENGTH:
        return line
    body = "".join(f"    {name},\n" for name in ordered)
    return f"from {module} import (\n{body})"


def pydoc(value: str) -> str:
    """Text safe inside a one-line triple-quoted docstring."""
    flat = " ".join(value.split()).replace("\\", "\\\\").replace('"', '\\"')
    return flat


def pystr_wrap(value: str, prefix: int, indent: int = 0) -> str:
    """A string literal after `prefix` columns of text; split into parenthesised parts if long."""
    literal = py_str(value)
    if prefix + len(literal) <= LINE_LENGTH:
        return literal
    width = LINE_LENGTH - indent - 4 - 2
    words = value.split(" ")
    parts: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and len(py_str(candidate + " ")) > width:
            parts.append(current + " ")
            current = word
        else:
            current = candidate
    parts.append(current)
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{py_str(part)}\n" for part in parts)
    return f"(\n{body}{' ' * indent})"


def docwrap(value: str, indent: int = 0) -> str:
    """Docstring text wrapped at LINE_LENGTH (continuation lines indented by `indent`)."""
    lines = textwrap.wrap(
        value, width=LINE_LENGTH - indent - 3, break_long_words=False, break_on_hyphens=False
    )
    return ("\n" + " " * indent).join(lines)


def period(value: str) -> str:
    """The text as a sentence: a full stop added unless it already ends in punctuation."""
    stripped = value.rstrip()
    return stripped if stripped.endswith((".", "!", "?", "…")) else stripped + "."


def sentence(value: str) -> str:
    """First letter upper-case, the rest as written ('libros' -> 'Libros', 'ISBN' stays)."""
    return value[:1].upper() + value[1:]
