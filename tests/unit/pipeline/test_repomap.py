"""The repository map: names per kind of file, and a rendering that always fits its budget."""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.pipeline.repomap import MAX_FILE_BYTES, build, map_file, render


def _names(path: str, text: str | bytes) -> list[tuple[str, str, int]]:
    data = text.encode() if isinstance(text, str) else text
    return [(s.kind, s.name, s.line) for s in map_file(path, data).symbols]


PYTHON = '''"""Models."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from x import Y

__all__ = ["Book"]
LIMIT: int = 20
a, b = 1, 2


class Book(Base):
    """Libros."""

    __tablename__ = "books"
    title: Mapped[str] = mapped_column(sa.String(200))
    isbn = None

    def label(self) -> str:
        return self.title

    async def save(self) -> None:
        pass


def list_books(session):
    return []


async def fetch():
    pass
'''


def test_python_symbols_with_lines() -> None:
    entry = map_file("app/models.py", PYTHON.encode())
    assert entry.kind == "python"
    assert entry.lines == PYTHON.count("\n")
    found = [(s.kind, s.name, s.line) for s in entry.symbols]
    assert found == [
        ("var", "LIMIT", 9),
        ("var", "a", 10),
        ("var", "b", 10),
        ("class", "Book", 13),
        ("attr", "Book.title", 17),
        ("attr", "Book.isbn", 18),
        ("method", "Book.label", 20),
        ("method", "Book.save", 23),
        ("def", "list_books", 27),
        ("def", "fetch", 31),
    ]
    book = next(s for s in entry.symbols if s.name == "Book")
    assert (book.line, book.end_line) == (13, 24)


def test_python_that_does_not_parse_falls_back_to_a_regex() -> None:
    found = _names("broken.py", "def ok():\n    pass\n\nclass Half(:\nVALUE = 1\n")
    assert ("def", "ok", 1) in found and ("class", "Half", 4) in found and ("var", "VALUE", 5) in found


def test_html_and_jinja() -> None:
    html = """{% extends "base.html" %}
{% block content %}
<html><head><title>Libros · Biblioteca</title></head>
<body>
  <h1 id="top">Libros</h1>
  <form id="record-form" action="{{ url_for('save', id=book.id) }}">
    <input id="field-title" name="title" value="{{ book.title }}">
    <select name="genre"></select><textarea name="notes"></textarea>
  </form>
  <h2>Nuevo: <em>Libro</em></h2>
  <footer class="site-footer"><p>Generado con AUTOCREA.</p></footer>
{%- block footer %}{% endblock %}
</body></html>
{% endblock %}
"""
    found = _names("app/templates/books.html", html)
    assert ("block", "content", 2) in found and ("block", "footer", 12) in found
    assert ("title", "Libros · Biblioteca", 3) in found
    assert ("h1", "Libros", 5) in found and ("id", "top", 5) in found
    assert ("id", "record-form", 6) in found
    assert [n for k, n, _ in found if k == "field"] == ["title", "genre", "notes"]
    assert ("h2", "Nuevo: Libro", 10) in found


def test_js_names_near_the_top_level() -> None:
    # A regex, not a parser: const/let/var at most two spaces in, functions and classes four, which
    # is the top level and the body of an IIFE (the generated app.js) in the usual 2-space style.
    js = """"use strict";
const API = "/api";
export async function load(url) {
    const local = 1;
}
(function () {
  const S = {};
  function format(template) {
    const inner = 2;
    function helper() {}
  }
  class ApiError extends Error {}
})();
"""
    found = [(k, n) for k, n, _ in _names("app/static/app.js", js)]
    assert found == [
        ("const", "API"),
        ("function", "load"),
        ("const", "S"),
        ("function", "format"),
        ("function", "helper"),
        ("class", "ApiError"),
    ]


def test_css_selectors_and_custom_properties() -> None:
    css = """/* Styles. .not-a-selector { } */
:root {
  --primary: #06b6d4;
  --on-primary: #111;
}
.button.primary, a:hover { color: var(--primary); }
@media (max-width: 600px) {
  .site-header { position: sticky; }
}
@keyframes spin { from { opacity: 0; } 50% { opacity: .5; } to { opacity: 1; } }
"""
    found = _names("app/static/styles.css", css)
    selectors = [n for k, n, _ in found if k == "selector"]
    assert selectors == [":root", ".button.primary, a:hover", ".site-header"]
    assert [n for k, n, _ in found if k == "property"] == ["--primary", "--on-primary"]
    assert ("selector", ".site-header", 8) in found


def test_data_files_and_markdown() -> None:
    assert [n for _, n, _ in _names("autocrea.json", '{\n  "name": "x",\n  "entities": [{"a": 1}]\n}')] == [
        "name",
        "entities",
    ]
    assert _names("broken.json", "{nope") == []
    assert _names("list.json", "[1, 2]") == []
    yaml = "name: CI\non:\n  push:\njobs:\n  test:\n    runs-on: ubuntu\n# comment: no\n"
    assert [n for _, n, _ in _names(".github/workflows/ci.yml", yaml)] == ["name", "on", "jobs"]
    toml = 'title = "x"\n[project]\nname = "a"\n[tool.ruff]\nline-length = 100\n[[tool.mypy.overrides]]\n'
    assert [(k, n) for k, n, _ in _names("pyproject.toml", toml)] == [
        ("table", "project"),
        ("table", "tool.ruff"),
        ("table", "tool.mypy.overrides"),
        ("key", "title"),
    ]
    md = "# Biblioteca\n\nText\n\n```bash\n# not a heading\n```\n\n## Cómo ejecutarla ##\n"
    assert _names("README.md", md) == [("heading", "Biblioteca", 1), ("heading", "Cómo ejecutarla", 9)]


def test_binary_and_huge_files_are_listed_without_names() -> None:
    png = map_file("app/static/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert (png.kind, png.symbols) == ("binary", ())
    latin1 = map_file("notes.txt", "café".encode("latin-1"))
    assert latin1.kind == "binary"
    huge = map_file("data.py", b"x = 1\n" * (MAX_FILE_BYTES // 6 + 1))
    assert (huge.kind, huge.symbols) == ("huge", ())
    assert "huge" in huge.header() and "binary" in png.header()
    assert map_file("empty.py", b"").symbols == ()


@pytest.fixture(scope="module")
def project() -> dict[str, bytes]:
    spec = design("Biblioteca con libros, socios y préstamos").spec
    files = {**render_project(spec), "autocrea.json": spec.to_json()}
    return {path: text.encode() for path, text in files.items()}


def test_a_generated_project(project: dict[str, bytes]) -> None:
    repo_map = build(project)
    assert repo_map.paths == tuple(sorted(project))
    models = repo_map.get("app/models.py")
    assert models is not None
    names = {s.name for s in models.symbols}
    assert {"Book", "Member", "Loan", "Book.isbn", "Member.phone"} <= names
    page = repo_map.get("app/templates/books.html")
    assert page is not None
    assert any(s.kind == "field" and s.name == "isbn" for s in page.symbols)
    text = render(repo_map, 1_000_000)
    assert all(path in text for path in project)
    assert "class Book:" in text and "Book.isbn" in text and "field isbn" in text


@pytest.mark.parametrize("budget", [0, 1, 40, 200, 1_000, 3_000, 6_000, 12_000, 100_000])
def test_render_never_exceeds_its_budget_and_is_deterministic(project: dict[str, bytes], budget: int) -> None:
    repo_map = build(project)
    text = render(repo_map, budget)
    assert len(text) <= budget
    assert text == render(build(dict(reversed(project.items()))), budget)
    if budget >= 3_000:  # enough for every path: all listed, names cut with "+N more"
        assert all(path in text for path in project)
        assert "more" in text or budget >= len(render(repo_map, 10**9))
    elif budget >= 200:
        assert text.endswith("more files")


def test_render_keeps_definitions_before_members_when_short(project: dict[str, bytes]) -> None:
    repo_map = build(project)
    text = render(repo_map, 6_000)
    line = next(li for li in text.splitlines() if li.startswith("app/models.py"))
    assert "class Book:" in line and "class Member:" in line and "class Loan:" in line
