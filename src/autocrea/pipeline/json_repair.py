"""Get a JSON object out of a model's answer: find it in prose or fences, fix trivial syntax.

Small models wrap JSON in chat text and markdown, leave trailing commas and comments, or write
Python literals. Everything here is a pure string transformation; validation is the caller's.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_CHARS = 200_000
_FENCE = re.compile(r"```(?:json|JSON|javascript|js)?\s*\n(.*?)```", re.DOTALL)
_PY_LITERALS = {"True": "true", "False": "false", "None": "null"}


def _opens_string(text: str, index: int) -> bool:
    """A quote starts a string in JSON-ish text only where a value or key may start."""
    if text[index] == '"':
        return True
    before = text[:index].rstrip()
    return not before or before[-1] in "{[,:"


def _balanced_object(text: str, start: int) -> str | None:
    """The {...} starting at `start`, matching braces outside strings and comments; None if never closed."""
    depth = 0
    index = start
    n = len(text)
    while index < n:
        char = text[index]
        if char in "\"'" and _opens_string(text, index):
            index += 1
            while index < n and text[index] != char:
                index += 2 if text[index] == "\\" else 1
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = n if newline < 0 else newline
            continue
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = n if end < 0 else end + 2
            continue
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
        index += 1
    return None


def candidates(text: str) -> list[str]:
    """Balanced {...} spans in `text`: those inside markdown fences first, then the rest, in order."""
    found: list[str] = []
    for candidate in [m.group(1) for m in _FENCE.finditer(text)] + [text]:
        start = candidate.find("{")
        while start >= 0:
            span = _balanced_object(candidate, start)
            if span is None:
                start = candidate.find("{", start + 1)
                continue
            if span not in found:
                found.append(span)
            start = candidate.find("{", start + len(span))
    return found


def extract_json(text: str) -> str | None:
    """The first span that parses as JSON (as is or repaired), else the first span, else None."""
    spans = candidates(text)
    for span in spans:
        for attempt in (span, repair_json(span)):
            try:
                json.loads(attempt)
            except json.JSONDecodeError:
                continue
            return span
    return spans[0] if spans else None


def _strip_comments_and_fix_tokens(text: str) -> str:
    """Drop // and /* */ comments, turn single-quoted strings and Python literals into JSON."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in "\"'" and _opens_string(text, i):
            quote = char
            j = i + 1
            buf: list[str] = []
            while j < n and text[j] != quote:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j : j + 2])
                    j += 2
                    continue
                buf.append('\\"' if text[j] == '"' and quote == "'" else text[j])
                j += 1
            body = "".join(buf)
            if quote == "'":
                body = body.replace("\\'", "'")
            out.append(f'"{body}"')
            i = j + 1
        elif text.startswith("//", i) or char == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif char.isalpha():
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            out.append(_PY_LITERALS.get(word, word))
            i = j
        else:
            out.append(char)
            i += 1
    return "".join(out)


_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def repair_json(text: str) -> str:
    """Fix the trivial syntax errors models make; leaves valid JSON semantically unchanged."""
    fixed = _strip_comments_and_fix_tokens(text.replace("\u201c", '"').replace("\u201d", '"'))
    return _TRAILING_COMMA.sub(r"\1", fixed)


def load_object(text: str) -> dict[str, Any]:
    """Parse the JSON object in a model's answer, repairing it if needed.

    Raises ValueError with a short reason a re-prompt can quote.
    """
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"the answer is over {MAX_JSON_CHARS:,} characters")
    found = extract_json(text)
    if found is None:
        raise ValueError("the answer contains no JSON object")
    for attempt in (found, repair_json(found)):
        try:
            value = json.loads(attempt)
        except json.JSONDecodeError as exc:
            error = f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            continue
        if not isinstance(value, dict):
            raise ValueError("the JSON is not an object")
        return value
    raise ValueError(error)
