"""Briefing: what a role is shown of its files (pure)."""

from __future__ import annotations

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_backend
from autocrea.pipeline.briefing import FULL_TEXT_CHARS, REPAIR_TEXT_CHARS, outline, role_context

FILES = render_backend(design("a library system with books, members and loans").spec)


def full_text_of(context: str) -> set[str]:
    return {path for path in FILES if f'<file path="{path}">' in context}


def test_every_file_is_outlined_and_the_likely_ones_shown_within_the_budget() -> None:
    context = role_context(FILES, role="backend")
    shown = full_text_of(context)
    assert "app/main.py" in shown  # a focus file that fits: where routers are wired
    assert sum(len(FILES[p]) for p in shown) <= FULL_TEXT_CHARS
    for path in set(FILES) - shown:  # the rest: one line each, with the names they define
        assert outline(path, FILES[path]) in context
    assert "get_session" in outline("app/database.py", FILES["app/database.py"])


def test_a_repair_shows_the_files_the_failure_names_first() -> None:
    failure = "FAILED tests/test_loans.py::test_create - app/routers/loans.py:57: KeyError 'book_id'"
    shown = full_text_of(role_context(FILES, role="backend", task=failure))
    assert "app/routers/loans.py" in shown and "app/routers/books.py" not in shown
    assert sum(len(FILES[p]) for p in shown) <= REPAIR_TEXT_CHARS


def test_an_unknown_role_still_gets_its_small_files() -> None:
    shown = full_text_of(role_context(FILES, role="security"))
    assert shown and sum(len(FILES[p]) for p in shown) <= FULL_TEXT_CHARS
