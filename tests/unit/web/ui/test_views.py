"""The pure parts behind the pages: pricing settings, the file tree, the evidence, safe redirects."""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import design
from autocrea.pipeline.evidence import Finding
from autocrea.pipeline.security_report import render_security_md
from autocrea.web.ui.evidence import build_evidence, parse_findings
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
