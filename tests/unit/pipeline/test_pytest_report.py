from autocrea.pipeline.pytest_report import failure_excerpt, parse_short_summary

OUTPUT = """\
....F.                                                                   [100%]
=================================== FAILURES ===================================
_________________________________ test_delete __________________________________
    def test_delete(client):
>       assert client.delete("/api/books/1").status_code == 204
E       assert 500 == 204
=========================== short test summary info ============================
PASSED tests/test_books.py::test_create
PASSED tests/test_books.py::test_list[page-2]
FAILED tests/test_books.py::test_delete - assert 500 == 204
ERROR tests/test_pages.py::test_home - RuntimeError: no db
SKIPPED [1] tests/test_pages.py:9: no charts
1 failed, 2 passed, 1 error, 1 skipped in 0.42s
"""


def test_parses_each_outcome() -> None:
    cases = parse_short_summary(OUTPUT)
    assert [(c.name, c.outcome) for c in cases] == [
        ("tests/test_books.py::test_create", "passed"),
        ("tests/test_books.py::test_list[page-2]", "passed"),
        ("tests/test_books.py::test_delete", "failed"),
        ("tests/test_pages.py::test_home", "error"),
        ("[1] tests/test_pages.py:9: no charts", "skipped"),
    ]
    assert cases[2].message == "assert 500 == 204"


def test_lines_before_the_summary_are_ignored() -> None:
    assert parse_short_summary("PASSED fake::test\nnothing else") == []


def test_failure_excerpt_starts_at_failures() -> None:
    excerpt = failure_excerpt(OUTPUT)
    assert excerpt.startswith("= FAILURES =") and "assert 500 == 204" in excerpt
    assert len(failure_excerpt("x" * 10_000, limit=100)) == 100
