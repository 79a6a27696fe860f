"""A generated real-time app in Chromium: a record saved elsewhere appears on an open dashboard and
an open list without a reload, through the app's change stream, and idle pages send no requests."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.fixtures.specs import library
from tests.generated_app import serving_files

SPEC = library()
IDLE_SECONDS = 7  # longer than the pages' fallback check (app.js REFRESH_MS = 5 s)


def _post(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    # Start empty: every row on screen is one this test saved.
    env = {"SAMPLE_DATA": "0"}
    with serving_files(tmp_path_factory.mktemp("live"), render_project(SPEC), runtimes, env) as url:
        yield url


def _book(n: int, genre: str) -> dict[str, Any]:
    return {
        "title": f"Libro en directo {n}",
        "author": "Autora",
        "isbn": f"isbn-live-{n}",
        "genre": genre,
        "published_year": 2000 + n,
        "available": True,
    }


def _api_calls(page: Page, path: str) -> list[str]:
    calls: list[str] = []

    def seen(request: Request) -> None:
        if request.url.split("?")[0].endswith(path):
            calls.append(request.url)

    page.on("request", seen)
    return calls


def test_a_saved_record_reaches_open_pages_without_a_reload(browser: Browser, app_url: str) -> None:
    dashboard_context = browser.new_context(locale="es-ES")
    list_context = browser.new_context(locale="es-ES")
    errors: list[str] = []
    try:
        dashboard = dashboard_context.new_page()
        dashboard.on("pageerror", lambda error: errors.append(str(error)))
        dashboard.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # a 404 too
        stats_calls = _api_calls(dashboard, "/api/stats")
        dashboard.goto(f"{app_url}/dashboard")
        genres = dashboard.locator('[data-chart-table="books-by-genre"]')
        expect(dashboard.locator('[data-chart-empty="books-by-genre"]')).to_be_visible()
        expect(dashboard.locator("#live")).to_contain_text("En directo")

        listing = list_context.new_page()
        listing.on("pageerror", lambda error: errors.append(str(error)))
        listing.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # a 404 too
        books_calls = _api_calls(listing, "/api/books")
        listing.goto(f"{app_url}/libros")
        expect(listing.locator("#rows")).to_contain_text("Todavía no hay nada aquí.")

        # Idle pages wait for the stream: no request goes out while nothing changes.
        time.sleep(IDLE_SECONDS)
        assert (len(stats_calls), len(books_calls)) == (1, 1), (stats_calls, books_calls)

        _post(f"{app_url}/api/books", _book(1, "poesía"))
        # Well inside the fallback check's 5 s: the page heard the change, it did not poll for it.
        expect(genres).to_contain_text("poesía", timeout=3_000)
        expect(listing.locator("#rows")).to_contain_text("Libro en directo 1", timeout=3_000)
        assert len(dashboard_context.pages) == 1 and dashboard.url == f"{app_url}/dashboard"

        # A list page waits while its user edits a record, and catches up when they are done.
        listing.get_by_role("button", name="Editar: Libro en directo 1").click()
        expect(listing.locator("dialog[open]")).to_have_count(1)
        _post(f"{app_url}/api/books", _book(2, "ensayo"))
        expect(genres).to_contain_text("ensayo", timeout=3_000)
        time.sleep(1)
        expect(listing.locator("#rows")).not_to_contain_text("Libro en directo 2")
        listing.keyboard.press("Escape")
        expect(listing.locator("#rows")).to_contain_text("Libro en directo 2", timeout=6_000)
        # The rows were redrawn under the keyboard user: focus is still on the same record's button.
        expect(listing.get_by_role("button", name="Editar: Libro en directo 1")).to_be_focused()
        assert not errors, errors
    finally:
        dashboard_context.close()
        list_context.close()
