"""The pure parts behind the pages: pricing settings, the file tree, the evidence, safe redirects."""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import design
from autocrea.pipeline.evidence import Finding
from autocrea.pipeline.security_report import render_security_md
from autocrea.web.ui.evidence import StepRow, build_evidence, parse_findings, step_words
from autocrea.web.ui.i18n import translator
from autocrea.web.ui.pricing import Pack, Plan, parse_packs, parse_plans
from autocrea.web.ui.render import frame_source, safe_next
from autocrea.web.ui.tree import file_tree


def test_plans_and_packs_come_from_their_settings() -> None:
    assert parse_plans("Pro:1000:19, Team:5000:79") == [Plan("Pro", 1000, 19), Plan("Team", 5000, 79)]
    assert parse_packs("250:5,") == [Pack(250, 5)]
    assert parse_plans("") == []


@pytest.mark.parametrize(
    ("value", "message"),
    [("Pro:1000", "is not name:credits:price"), ("Pro:many:19", "'many' is not a positive whole number")],
)
def test_a_bad_plan_setting_names_the_setting_and_the_item(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"AUTOCREA_PRICING_PLANS: .*{message}"):
        parse_plans(value)


def test_the_tree_nests_folders_first_then_files() -> None:
    root = file_tree({"app/main.py": 10, "README.md": 3, "app/routers/books.py": 5, "Dockerfile": 1})
    assert [f.name for f in root.folders] == ["app"]
    assert [name for name, _, _ in root.files] == ["Dockerfile", "README.md"]
    app = root.folders[0]
    assert app.path == "app" and app.folders[0].path == "app/routers"
    assert app.files == [("main.py", "app/main.py", 10)]
    assert app.folders[0].files == [("books.py", "app/routers/books.py", 5)]


def test_evidence_folds_the_events_of_a_run() -> None:
    events = [
        {
            "type": "run.started",
            "data": {"steps": [{"name": "architect", "title": "Architect"}, {"name": "tester"}]},
        },
        {"type": "step.started", "step": "architect", "data": {}},
        {"type": "step.log", "step": "architect", "data": {"message": "Entidades: Libro"}},
        {
            "type": "step.finished",
            "step": "architect",
            "data": {"status": "succeeded", "summary": "1 entity", "seconds": 0.1},
        },
        {"type": "step.started", "step": "tester", "data": {}},
        {
            "type": "test.result",
            "step": "tester",
            "data": {"kind": "unit", "name": "t1", "outcome": "passed"},
        },
        {
            "type": "test.result",
            "step": "tester",
            "data": {"kind": "unit", "name": "t2", "outcome": "failed", "message": "boom"},
        },
        {
            "type": "test.result",
            "step": "tester",
            "data": {"kind": "page", "path": "/", "status": 200, "outcome": "passed", "ms": 12.5},
        },
        {
            "type": "test.result",
            "step": "tester",
            "data": {"kind": "page", "path": "/x", "status": 500, "outcome": "failed", "ms": 3},
        },
    ]
    view = build_evidence(events, None)
    assert [(s.name, s.status) for s in view.steps] == [("architect", "succeeded"), ("tester", "running")]
    assert view.steps[0].summary == "1 entity" and view.steps[0].seconds == 0.1
    assert (view.tests_passed, view.tests_failed) == (1, 1)
    assert view.pages_ok == 1 and view.pages[1].status == 500 and not view.pages[1].ok
    assert view.findings == []


def architect_finished(facts: dict[str, object]) -> list[dict[str, object]]:
    text = "2 entities (Post, Comment), 3 pages, features: search; not built yet: auth"
    return [
        {"type": "run.started", "step": None, "data": {"steps": [{"name": "architect", "title": "A"}]}},
        {"type": "step.finished", "step": "architect", "data": {"summary": text, "facts": facts}},
    ]


def test_evidence_words_a_step_in_the_pages_language_and_says_stubs_apart() -> None:
    facts = {"n": 2, "entities": "Post, Comment", "pages": 3, "features": ["search"], "stubs": ["auth"]}
    step = build_evidence(architect_finished(facts), None).steps[0]
    es, en = step_words(step, translator("es")), step_words(step, translator("en"))
    assert es.summary == "2 entidades (Post, Comment), 3 páginas, funciones: búsqueda"
    assert es.stubs == "Sin construir aún: cuentas"
    assert en.summary == "2 entities (Post, Comment), 3 pages, features: search"
    assert en.stubs == "Not built yet: accounts"
    nothing = dict(facts, features=[], stubs=["auth", "file_upload"])
    words = step_words(build_evidence(architect_finished(nothing), None).steps[0], translator("es"))
    assert words.summary.endswith("funciones: ninguna")
    assert words.stubs == "Sin construir aún: cuentas, subida de archivos"


def test_evidence_keeps_the_servers_line_when_the_facts_do_not_fit() -> None:
    t = translator("es")
    no_facts = build_evidence(architect_finished({}), None).steps[0]
    assert step_words(no_facts, t).summary.startswith("2 entities") and step_words(no_facts, t).stubs == ""
    odd = build_evidence(architect_finished({"n": 1, "features": ["teleport"], "stubs": "auth"}), None)
    words = step_words(odd.steps[0], t)  # no entities/pages to fill in; an id without words
    assert words.summary.startswith("2 entities") and words.stubs == ""
    other = step_words(StepRow("linter", "Linter", "succeeded", "ok", 1.0, {"n": 3}), t)
    assert (other.summary, other.stubs) == ("ok", "")
    feature = step_words(StepRow("architect", "A", "succeeded", "x", None, {"stubs": ["teleport"]}), t)
    assert feature.stubs == "Sin construir aún: teleport"


def test_findings_are_read_back_from_the_security_report_the_pipeline_writes() -> None:
    spec = design("Biblioteca con libros y socios").spec
    findings = [
        Finding("ruff", "S105", "high", "app/config.py", 3, "Possible hardcoded password: 'a|b'"),
        Finding("detect-secrets", "Secret Keyword", "medium", ".env.example", 2, "secret"),
    ]
    parsed = parse_findings(render_security_md(spec, findings, allowlist={"fastapi": "0.115.0"}))
    assert [(f.severity, f.tool, f.rule, f.location) for f in parsed] == [
        ("high", "ruff", "S105", "app/config.py:3"),
        ("medium", "detect-secrets", "Secret Keyword", ".env.example:2"),
    ]
    assert parsed[0].message == "Possible hardcoded password: 'a|b'"
    assert parse_findings(render_security_md(spec, [], allowlist={})) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/projects/abc?x=1", "/projects/abc?x=1"),
        ("//evil.example/", "/chat"),
        ("https://evil.example/", "/chat"),
        ("/\\evil.example", "/chat"),
        (None, "/chat"),
    ],
)
def test_only_local_paths_follow_a_login(raw: str | None, expected: str) -> None:
    assert safe_next(raw) == expected


def test_the_preview_origin_becomes_a_frame_source_wildcard() -> None:
    assert frame_source("http://{run}.preview.localhost:8000") == "http://*.preview.localhost:8000"
    assert frame_source("https://p-{run}.apps.example.com") == "https://*.apps.example.com"
