from autocrea.pipeline.evidence import CaseResult, Evidence, Finding, PageProbe


def done_evidence() -> Evidence:
    return Evidence(
        files=10,
        lines=500,
        deps_resolved=True,
        tests=[CaseResult("t::a", "passed", 0.1)],
        booted=True,
        pages=[PageProbe("/", 200, 3.0, True)],
        security_scanned=True,
        commits=["a" * 40],
    )


def test_complete_evidence_is_done() -> None:
    assert done_evidence().unmet() == []


def test_each_missing_criterion_is_named() -> None:
    ev = done_evidence()
    ev.tests.append(CaseResult("t::b", "failed", 0.1, "boom"))
    ev.pages.append(PageProbe("/books", 500, 2.0, False))
    ev.findings.append(Finding("detect-secrets", "Secret Keyword", "high", ".env", 1, "possible secret"))
    ev.booted = False
    unmet = ev.unmet()
    assert "tests: 1 passed, 1 failed" in unmet
    assert "pages: 1 of 2 answered 200" in unmet
    assert "the app did not boot" in unmet
    assert "1 high-severity security finding(s)" in unmet


def test_no_tests_is_not_done() -> None:
    ev = done_evidence()
    ev.tests.clear()
    assert ev.unmet() == ["tests: 0 passed, 0 failed"]


def test_medium_findings_are_reported_but_do_not_fail() -> None:
    ev = done_evidence()
    ev.findings.append(Finding("ruff", "S311", "medium", "app/x.py", 3, "random"))
    assert ev.unmet() == []
    assert ev.summary()["findings"] == 1 and ev.summary()["findings_high"] == 0
