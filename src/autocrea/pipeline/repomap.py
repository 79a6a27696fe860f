"""A map of a project: every file with the names it defines, compact enough to put in a prompt.

Built from a tree (`ProjectRepo.tree(ref)`: path -> bytes), nothing run, nothing imported:

- Python, by `ast`: classes, functions, methods, class attributes (model and schema fields) and
  top-level assignments, with their lines (a file that does not parse falls back to a regex).
- HTML / Jinja templates: the title, headings, form field names, `{% block %}` names, element ids.
- JavaScript: functions, classes and top-level const/let/var (a small regex, not a parser).
- CSS: selectors and custom properties.
- JSON, YAML, TOML: top-level keys (and TOML tables). Markdown: headings.
- Anything else is listed by size alone; so are binary files and files over MAX_FILE_BYTES.

`render(map, budget_chars)` writes it as text a model reads (one line per file), never longer than
the budget: when everything does not fit, each file keeps its first N names (the largest N that
fits), then files are dropped from the end with a note saying how many. The same tree and budget
always give the same text.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

MAX_FILE_BYTES = 256 * 1024  # bigger files (data, bundles, lock files) are listed without names
MAX_SYMBOLS = 400  # per file: a generated file with thousands of ids says nothing more with all of them
_NAME_CHARS = 80  # a heading or title longer than this is cut

KINDS = {
    ".py": "python",
    ".pyi": "python",
    ".html": "html",
    ".htm": "html",
    ".j2": "html",
    ".jinja": "html",
    ".jinja2": "html",
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".css": "css",
    ".json": "json",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".toml": "toml",
    ".md": "markdown",
    ".markdown": "markdown",
}


@dataclass(frozen=True)
class Symbol:
    # python: class def method attr var | html: title h1-h6 field block id | js: function class const
    # css: selector property | json/yaml/toml: key table | markdown: heading
    kind: str
    name: str
    line: int  # 1-based
    end_line: int  # last line of a Python class or function; == line for everything else

    def label(self) -> str:
        if self.kind in ("class", "def"):
            return f"{self.kind} {self.name}:{self.line}"
        if self.kind == "method":
            return f"def {self.name}:{self.line}"
        if self.kind in ("title", "h1", "h2", "h3", "h4", "h5", "h6"):
            return f"{self.kind} '{self.name}'"
        if self.kind == "id":
            return f"#{self.name}"
        if self.kind == "field":
            return f"field {self.name}"
        if self.kind == "block":
            return f"block {self.name}"
        if self.kind == "function":
            return f"function {self.name}:{self.line}"
        if self.kind == "table":
            return f"[{self.name}]"
        if self.kind == "heading":
            return f"# {self.name}"
        return f"{self.name}:{self.line}" if self.kind in ("var", "const") else self.name


@dataclass(frozen=True)
class FileEntry:
    path: str
    kind: str  # python html js css json yaml toml markdown text binary huge
    size: int  # bytes
    lines: int
    symbols: tuple[Symbol, ...]

    def header(self) -> str:
        if self.kind in ("binary", "huge"):
            return f"{self.path} ({self.kind}, {self.size} bytes)"
        return f"{self.path} ({self.lines} lines)"


@dataclass(frozen=True)
class RepoMap:
    files: tuple[FileEntry, ...]  # sorted by path

    def get(self, path: str) -> FileEntry | None:
        for entry in self.files:
            if entry.path == path:
                return entry
        return None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(e.path for e in self.files)


# -- building ----------------------------------------------------------------------------------


def build(tree: Mapping[str, bytes]) -> RepoMap:
    """The map of a whole tree, files in path order."""
    return RepoMap(tuple(map_file(path, tree[path]) for path in sorted(tree)))


def kind_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return KINDS.get(name[dot:], "text") if dot > 0 else "text"


def decode(data: bytes) -> str | None:
    """The text of a file, or None when it is binary (a NUL byte, or not UTF-8)."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def map_file(path: str, data: bytes) -> FileEntry:
    """One file's entry; never raises, whatever the bytes."""
    if len(data) > MAX_FILE_BYTES:
        return FileEntry(path, "huge", len(data), data.count(b"\n"), ())
    text = decode(data)
    if text is None:
        return FileEntry(path, "binary", len(data), 0, ())
    kind = kind_of(path)
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    finder = _FINDERS.get(kind)
    symbols: list[Symbol] = []
    if finder is not None:
        try:
            symbols = list(finder(text))
        except (RecursionError, ValueError, MemoryError):  # pathological nesting, odd input
            symbols = []
    unique = list(dict.fromkeys(s for s in symbols if s.name))[:MAX_SYMBOLS]
    return FileEntry(path, kind, len(data), lines, tuple(unique))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _NAME_CHARS else text[: _NAME_CHARS - 1] + "…"


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# Python -------------------------------------------------------------------------------------

_PY_FALLBACK = re.compile(
    r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)|^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=(?!=)", re.M
)


def _targets(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        out: list[str] = []
        for target in node.targets:
            elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
            out += [e.id for e in elements if isinstance(e, ast.Name)]
        return out
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _python(text: str) -> Iterator[Symbol]:
    try:
        module = ast.parse(text)
    except SyntaxError:
        for match in _PY_FALLBACK.finditer(text):
            name = match.group(1) or match.group(2)
            kind = "class" if match.group(0).startswith("class") else "def" if match.group(1) else "var"
            line = _line_at(text, match.start())
            yield Symbol(kind, name, line, line)
        return
    for node in module.body:
        yield from _python_node(node, prefix="")


def _python_node(node: ast.stmt, *, prefix: str) -> Iterator[Symbol]:
    end = node.end_lineno or node.lineno
    if isinstance(node, ast.ClassDef):
        name = prefix + node.name
        yield Symbol("class", name, node.lineno, end)
        for child in node.body:
            yield from _python_node(child, prefix=name + ".")
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        yield Symbol("method" if prefix else "def", prefix + node.name, node.lineno, end)
    elif isinstance(node, ast.If | ast.Try) and not prefix:  # `if TYPE_CHECKING:`, `try: import`
        for child in [*node.body, *getattr(node, "orelse", [])]:
            yield from _python_node(child, prefix=prefix)
    else:
        for target in _targets(node):
            if not (target.startswith("__") and target.endswith("__")):  # __all__, __tablename__
                yield Symbol("attr" if prefix else "var", prefix + target, node.lineno, end)


# HTML and Jinja -----------------------------------------------------------------------------

_JINJA_BLOCK = re.compile(r"{%-?\s*block\s+([A-Za-z_]\w*)")
_JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
_HEADINGS = frozenset({"title", "h1", "h2", "h3", "h4", "h5", "h6"})


class _HtmlSymbols(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Symbol] = []
        self._open: tuple[str, int, list[str]] | None = None  # title/heading being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {k: v for k, v in attrs if v}
        if tag in _HEADINGS and self._open is None:
            self._open = (tag, line, [])
        if "id" in values:
            self.found.append(Symbol("id", values["id"].strip(), line, line))
        if tag in ("input", "select", "textarea", "button") and "name" in values:
            self.found.append(Symbol("field", values["name"].strip(), line, line))

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            kind, line, parts = self._open
            self._open = None
            text = _short("".join(parts))
            if text:
                self.found.append(Symbol(kind, text, line, line))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2].append(data)


def _html(text: str) -> Iterator[Symbol]:
    blocks = [
        Symbol("block", m.group(1), line, line)
        for m in _JINJA_BLOCK.finditer(text)
        for line in [_line_at(text, m.start())]
    ]
    # Jinja tags become spaces of the same length, so lines and columns stay where they were.
    plain = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    parser = _HtmlSymbols()
    try:
        parser.feed(plain)
        parser.close()
    except AssertionError:  # HTMLParser's own checks on very broken markup
        pass
    found = blocks + parser.found
    yield from sorted(found, key=lambda s: (s.line, s.kind, s.name))


# JavaScript, CSS ----------------------------------------------------------------------------

_JS = re.compile(
    r"^[ \t]{0,4}(?:export\s+(?:default\s+)?)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)"
    r"|^[ \t]{0,4}(?:export\s+(?:default\s+)?)?class\s+([A-Za-z_$][\w$]*)"
    r"|^[ \t]{0,2}(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)",
    re.M,
)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_RULE = re.compile(r"([^{}]+?)\s*\{", re.S)
_KEYFRAME = re.compile(r"(?:from|to|[\d.]+%)(?:\s*,\s*(?:from|to|[\d.]+%))*")
_CSS_PROPERTY = re.compile(r"(?<![\w-])(--[A-Za-z_][\w-]*)\s*:")


def _js(text: str) -> Iterator[Symbol]:
    for match in _JS.finditer(text):
        line = _line_at(text, match.start())
        if match.group(1):
            yield Symbol("function", match.group(1), line, line)
        elif match.group(2):
            yield Symbol("class", match.group(2), line, line)
        else:
            yield Symbol("const", match.group(3), line, line)


def _css(text: str) -> Iterator[Symbol]:
    plain = _CSS_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for match in _CSS_RULE.finditer(plain):
        # Declarations before a nested rule end at ';': keep the selector part only.
        selector = " ".join(match.group(1).rsplit(";", 1)[-1].split())
        if selector and not selector.startswith("@") and not _KEYFRAME.fullmatch(selector):
            line = _line_at(plain, match.start(1) + len(match.group(1)) - len(match.group(1).lstrip()))
            yield Symbol("selector", _short(selector), line, line)
    for match in _CSS_PROPERTY.finditer(plain):
        line = _line_at(plain, match.start())
        yield Symbol("property", match.group(1), line, line)


# Data files and Markdown --------------------------------------------------------------------

_YAML_KEY = re.compile(r"""^(?!#|-|\s)(["']?)([^\s:#'"][^:#\n]*?)\1\s*:(?:\s|$)""", re.M)
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]\n]+?)\s*\]\]?\s*(?:#.*)?$", re.M)
_TOML_KEY = re.compile(r"""^([A-Za-z0-9_"'.-][^=\n]*?)\s*=""", re.M)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _json(text: str) -> Iterator[Symbol]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    for key in data:
        match = re.search(r"^\s{0,8}" + re.escape(json.dumps(key)) + r"\s*:", text, re.M)
        line = _line_at(text, match.start()) if match else 1
        yield Symbol("key", str(key), line, line)


def _yaml(text: str) -> Iterator[Symbol]:
    for match in _YAML_KEY.finditer(text):
        line = _line_at(text, match.start())
        yield Symbol("key", match.group(2).strip(), line, line)


def _toml(text: str) -> Iterator[Symbol]:
    first_table = len(text)
    for match in _TOML_TABLE.finditer(text):
        first_table = min(first_table, match.start())
        line = _line_at(text, match.start())
        yield Symbol("table", match.group(1).replace(" ", ""), line, line)
    for match in _TOML_KEY.finditer(text[:first_table]):
        line = _line_at(text, match.start())
        yield Symbol("key", match.group(1).strip().strip("\"'"), line, line)


def _markdown(text: str) -> Iterator[Symbol]:
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _MD_HEADING.match(line)
        if match:
            yield Symbol("heading", _short(match.group(2)), number, number)


_FINDERS = {
    "python": _python,
    "html": _html,
    "js": _js,
    "css": _css,
    "json": _json,
    "yaml": _yaml,
    "toml": _toml,
    "markdown": _markdown,
}


# -- rendering ---------------------------------------------------------------------------------


# Which names a file keeps when the budget is short: what it defines first, then its members.
_RANK = {
    "class": 0,
    "def": 0,
    "function": 0,
    "title": 0,
    "h1": 0,
    "table": 0,
    "heading": 0,
    "block": 0,
    "h2": 1,
    "method": 1,
    "field": 1,
    "key": 1,
    "property": 1,
    "h3": 2,
    "attr": 2,
    "var": 2,
    "id": 2,
}


def _line(entry: FileEntry, cap: int) -> str:
    if cap < len(entry.symbols):
        ranked = sorted(range(len(entry.symbols)), key=lambda i: (_RANK.get(entry.symbols[i].kind, 3), i))
        chosen = [entry.symbols[i] for i in sorted(ranked[:cap])]
    else:
        chosen = list(entry.symbols)
    names = [s.label() for s in chosen]
    more = len(entry.symbols) - len(names)
    if more > 0:
        names.append(f"+{more} more")
    return entry.header() + (": " + ", ".join(names) if names else "")


def _fits(lines: Iterable[str], budget: int) -> bool:
    total = 0
    for line in lines:
        total += len(line) + 1
        if total > budget + 1:  # the last line has no newline
            return False
    return True


def render(repo_map: RepoMap, budget_chars: int) -> str:
    """The map as text of at most `budget_chars` characters, one line per file (path order)."""
    if budget_chars <= 0 or not repo_map.files:
        return ""
    files = repo_map.files
    most = max((len(e.symbols) for e in files), default=0)
    if _fits((_line(e, most) for e in files), budget_chars):
        return "\n".join(_line(e, most) for e in files)
    # The largest per-file cap on names that fits (fits(cap) only gets harder as cap grows).
    low, high = 0, most
    while low < high:
        mid = (low + high + 1) // 2
        if _fits((_line(e, mid) for e in files), budget_chars):
            low = mid
        else:
            high = mid - 1
    lines = [_line(e, low) for e in files]
    if _fits(lines, budget_chars):
        return "\n".join(lines)
    # Not even the bare paths fit: keep the first ones and say how many are left out.
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        note = f"… {len(lines) - index} more files"
        if used + len(line) + 1 + len(note) > budget_chars:
            return "\n".join([*kept, note]) if used + len(note) <= budget_chars else "\n".join(kept)
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)  # pragma: no cover - the whole list fitted, handled above
