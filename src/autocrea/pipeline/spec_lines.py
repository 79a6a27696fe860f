"""Spec lines: the compact AppSpec a model may answer with, read into a Sketch.

    app Library
    entity Book: title*, author, published_on:date, genre:enum(Fiction|History), isbn!=ISBN
    entity Loan: starts_on:date*, returned:boolean, book_id->Book*
    features search, filters

About a fifth of the tokens of the same spec as JSON, and it is what the architect's answer costs on
the critical path: every other role waits for it. The rest of the spec (tables, labels, pages,
charts, theme, integrations) is derived by blueprint/sketch.py. Reading is strict where it matters
and lenient where models wander: prose before the first spec line or after the last one is ignored,
`app: X` reads like `app X`, but an unknown line in the middle, a bad name or type, or an oversized
answer is an error that says which line and why, so the model can be re-asked with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, cast, get_args

from pydantic import ValidationError

from autocrea.blueprint.sketch import Sketch, SketchEntity, SketchField, SketchRelation
from autocrea.domain.appspec import Feature, FieldType, IntegrationSpec, Language

MAX_CHARS = 20_000  # a 12-entity spec is about 3,000 characters; anything far beyond is not a spec
MAX_LINES = 300
MAX_LINE_CHARS = 2_000
MAX_ENTITIES = 12
MAX_ERRORS = 6
KEYWORDS = ("app", "summary", "language", "features", "theme", "entity", "integration")

_FEATURES: tuple[str, ...] = get_args(Feature)
_TYPES: tuple[str, ...] = get_args(FieldType)
_TYPE_ALIASES = {
    "str": "string",
    "int": "integer",
    "bool": "boolean",
    "float": "decimal",
    "number": "decimal",
}
_CLASS = re.compile(r"[A-Z][A-Za-z0-9]{0,39}")
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE = re.compile(r"(?:[-*]\s+)?(?P<keyword>[A-Za-z]+)\b\s*:?\s*(?P<rest>.*)")
_SPEC_LINE = re.compile(r"^\s*(?:[-*]\s+)?(?:app|entity)\b", re.IGNORECASE | re.MULTILINE)
_ENTITY = re.compile(r"(?P<name>[^\s(:]+)\s*(?:\((?P<labels>[^()]*)\))?\s*:\s*(?P<items>.*)")
_RELATION = re.compile(
    r"(?P<field>[a-z][a-z0-9_]*)\s*->\s*(?P<target>[A-Za-z][A-Za-z0-9]*)\s*(?P<marks>[*!]*)\s*(?:=\s*(?P<label>.*))?"
)
_FIELD = re.compile(
    r"(?P<name>[a-z][a-z0-9_]*)\s*(?::\s*(?P<type>[a-z]+)\s*(?:\((?P<choices>[^()]*)\))?)?"
    r"\s*(?P<marks>[*!]*)\s*(?:=\s*(?P<label>.*))?"
)


class SpecLinesError(ValueError):
    """Spec lines that cannot be read; the message names the line and the problem."""


def looks_like_spec_lines(text: str) -> bool:
    """Whether an answer is spec lines (a line starting with `app` or `entity`), not JSON."""
    return _SPEC_LINE.search(text[:MAX_CHARS]) is not None


@dataclass
class _Reader:
    name: str | None = None
    summary: str | None = None
    language: Language | None = None
    features: tuple[Feature, ...] | None = None
    theme: tuple[str, str, str | None] | None = None
    entities: list[SketchEntity] = field(default_factory=list)
    integrations: list[IntegrationSpec] | None = None
    errors: list[str] = field(default_factory=list)

    def line(self, keyword: str, rest: str) -> None:
        if keyword in ("app", "summary") and not rest:
            raise ValueError(f"`{keyword}` needs a value")
        if keyword == "app":
            if self.name is not None:
                raise ValueError("the app is named twice")
            if len(rest) > 80:
                raise ValueError("the app name is longer than 80 characters")
            self.name = rest
        elif keyword == "summary":
            self.summary = rest[:400]
        elif keyword == "language":
            if rest not in ("en", "es"):
                raise ValueError(f"language {rest!r} is not en or es")
            self.language = cast(Language, rest)
        elif keyword == "features":
            self.features = _features(rest)
        elif keyword == "theme":
            self.theme = _theme(rest)
        elif keyword == "entity":
            if len(self.entities) == MAX_ENTITIES:
                raise ValueError(f"more than {MAX_ENTITIES} entities")
            self.entities.append(_entity(rest))
        else:  # integration
            self.integrations = [*(self.integrations or []), _integration(rest)]


def _features(rest: str) -> tuple[Feature, ...]:
    names = [n.strip() for n in rest.split(",") if n.strip() and n.strip() != "none"]
    unknown = [n for n in names if n not in _FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r} (known: {', '.join(_FEATURES)})")
    return tuple(cast(Feature, n) for n in dict.fromkeys(names))


def _theme(rest: str) -> tuple[str, str, str | None]:
    colours = rest.replace(",", " ").split()
    if len(colours) not in (2, 3) or not all(_HEX.fullmatch(c) for c in colours):
        raise ValueError("theme takes 2 or 3 #rrggbb colours: background, primary, [text]")
    return colours[0], colours[1], colours[2] if len(colours) == 3 else None


def _split_items(text: str) -> list[str]:
    """Comma-separated items; commas inside enum(...) choices do not split."""
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def _item(entity: str, item: str) -> SketchField | SketchRelation:
    relation = _RELATION.fullmatch(item)
    if relation:
        return SketchRelation(
            field=relation["field"],
            target=relation["target"],
            required="*" in relation["marks"],
            label=(relation["label"] or "").strip() or None,
        )
    found = _FIELD.fullmatch(item)
    if not found:
        raise ValueError(
            f"{entity}: cannot read {item[:60]!r}; write name[:type][*][=Label] or name_id->Entity[*]"
        )
    kind = _TYPE_ALIASES.get(found["type"] or "string", found["type"] or "string")
    if kind not in _TYPES:
        raise ValueError(f"{entity}.{found['name']}: unknown type {kind!r} (known: {', '.join(_TYPES)})")
    if found["choices"] is not None and kind != "enum":
        raise ValueError(f"{entity}.{found['name']}: only enum fields take choices")
    choices = tuple(c.strip() for c in (found["choices"] or "").split("|") if c.strip())
    return SketchField(
        name=found["name"],
        type=cast(FieldType, kind),
        required="*" in found["marks"],
        unique="!" in found["marks"],
        label=(found["label"] or "").strip() or None,
        choices=choices,
    )


def _entity(rest: str) -> SketchEntity:
    found = _ENTITY.fullmatch(rest)
    if not found:
        raise ValueError("write an entity as `entity Name: field, field:type, other_id->Other`")
    name = found["name"]
    if not _CLASS.fullmatch(name):
        raise ValueError(f"entity name {name[:60]!r} must be PascalCase letters and digits, e.g. Book")
    label, _, label_plural = (found["labels"] or "").partition("/")
    items = [_item(name, item) for item in _split_items(found["items"])]
    return SketchEntity(
        name=name,
        fields=tuple(i for i in items if isinstance(i, SketchField)),
        relations=tuple(i for i in items if isinstance(i, SketchRelation)),
        label=label.strip() or None,
        label_plural=label_plural.strip() or None,
    )


def _integration(rest: str) -> IntegrationSpec:
    kind, _, what = rest.partition(" ")
    requested, arrow, provided = what.partition("=>")
    if kind not in ("stub", "substitution") or not arrow:
        raise ValueError("write an integration as `integration stub|substitution <requested> => <provided>`")
    try:
        return IntegrationSpec(
            requested=requested.strip(),
            kind=cast(Literal["substitution", "stub"], kind),
            provided=provided.strip(),
        )
    except ValidationError as exc:
        raise ValueError(f"integration {requested.strip()[:40]!r}: {exc.errors()[0]['msg']}") from exc


def read_spec_lines(text: str) -> Sketch:
    """The sketch an answer in spec lines describes. Raises SpecLinesError saying what is wrong."""
    if len(text) > MAX_CHARS:
        raise SpecLinesError(
            f"the answer has {len(text):,} characters; a spec needs far fewer (at most {MAX_CHARS:,})"
        )
    if _CONTROL.search(text):
        raise SpecLinesError("the answer contains control characters")
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise SpecLinesError(f"the answer has {len(lines)} lines; a spec needs at most {MAX_LINES}")
    parsed: list[tuple[int, str, str] | tuple[int, None, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "```", "//")):
            continue
        if len(line) > MAX_LINE_CHARS:
            raise SpecLinesError(f"line {number} has {len(line):,} characters (at most {MAX_LINE_CHARS:,})")
        found = _LINE.fullmatch(line)
        keyword = found["keyword"].lower() if found else ""
        if found and keyword in KEYWORDS:
            parsed.append((number, keyword, found["rest"].strip()))
        else:
            parsed.append((number, None, line))
    known = [i for i, (_, keyword, _) in enumerate(parsed) if keyword is not None]
    if not known:
        raise SpecLinesError(
            "no spec lines found: start with `app <name>`, then one `entity` line per entity"
        )
    reader = _Reader()
    # Prose around the spec (before its first line, after its last) is the model being chatty.
    for number, keyword, rest in parsed[known[0] : known[-1] + 1]:
        try:
            if keyword is None:
                raise ValueError(f"unknown line {rest[:60]!r} (lines start with {', '.join(KEYWORDS)})")
            reader.line(keyword, rest)
        except ValueError as exc:
            reader.errors.append(f"line {number}: {exc}")
            if len(reader.errors) == MAX_ERRORS:
                break
    if reader.name is None:
        reader.errors.append("no `app <name>` line")
    if not reader.entities:
        reader.errors.append("no `entity` line")
    if reader.errors:
        raise SpecLinesError("; ".join(reader.errors[:MAX_ERRORS]))
    return Sketch(
        name=reader.name or "",
        entities=tuple(reader.entities),
        summary=reader.summary,
        language=reader.language,
        features=reader.features,
        theme=reader.theme,
        integrations=tuple(reader.integrations) if reader.integrations is not None else None,
    )
