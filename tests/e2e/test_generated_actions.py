"""A generated app's flags and statuses change in one click, in Chromium: a ticket's status from its
list row, a task's "completed" from the list and from its own page; the change is saved, survives a
reload, and a change the API refuses (the record was deleted meanwhile) is put back with the reason;
a record's page opens the list's editor on it."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.generated_app import serving_files

SPEC = design("A helpdesk with tickets and tasks").spec


def _call(method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    env = {"SAMPLE_DATA": "0"}
    with serving_files(tmp_path_factory.mktemp("actions"), render_project(SPEC), runtimes, env) as url:
        yield url


def test_a_status_and_a_flag_change_in_one_click(browser: Browser, app_url: str) -> None:
    ticket = SPEC.entity("Ticket")
    status = ticket.field("status")
    assert status.type == "enum" and len(status.choices) >= 2
    first, last = status.choices[0], status.choices[-1]
    kept = _call("POST", f"{app_url}/api/tickets", {"code": "T-1", "status": first})
    gone = _call("POST", f"{app_url}/api/tickets", {"code": "T-2", "status": first})
    task = _call("POST", f"{app_url}/api/tasks", {"title": "Water the plants", "completed": False})

    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{app_url}/tickets")
        choice = page.get_by_label(f"{status.label}: T-1")
        expect(choice).to_have_value(first)
        choice.select_option(last)
        expect(page.locator("#status")).to_have_text("Changes saved.")
        assert _call("GET", f"{app_url}/api/tickets/{kept['id']}")["status"] == last
        page.reload()
        expect(page.get_by_label(f"{status.label}: T-1")).to_have_value(last)

        # Deleted elsewhere: the API says so, and the row shows the status it really had.
        _call("DELETE", f"{app_url}/api/tickets/{gone['id']}")
        other = page.get_by_label(f"{status.label}: T-2")
        other.select_option(last)
        expect(page.locator("#status")).not_to_have_text("Changes saved.")
        expect(page.locator("#status")).not_to_be_empty()
        expect(other).to_have_value(first)

        page.goto(f"{app_url}/tasks")
        done = page.get_by_label("Completed: Water the plants")
        expect(done).not_to_be_checked()
        done.check()
        expect(page.locator("#status")).to_have_text("Changes saved.")
        assert _call("GET", f"{app_url}/api/tasks/{task['id']}")["completed"] is True
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-actions.png"))

        page.goto(f"{app_url}/tasks/{task['id']}")
        on_page = page.get_by_label("Completed: Water the plants")
        expect(on_page).to_be_checked()
        on_page.uncheck()
        expect(page.locator("#status")).to_have_text("Changes saved.")
        assert _call("GET", f"{app_url}/api/tasks/{task['id']}")["completed"] is False

        # The record's page opens the list's editor on it; a record that is gone says so.
        page.get_by_role("link", name="Edit: Water the plants").click()
        expect(page).to_have_url(f"{app_url}/tasks")
        expect(page.locator("#field-title")).to_have_value("Water the plants")
        page.locator("#field-title").fill("Water the ferns")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#rows")).to_contain_text("Water the ferns")
        page.goto(f"{app_url}/tasks?edit=999999")
        expect(page.locator("#status")).to_have_text("This record does not exist (any more).")
        expect(page.locator("#editor")).not_to_be_visible()
        assert not errors, errors
    finally:
        context.close()


def _query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_a_filtered_list_lives_in_its_address(browser: Browser, app_url: str) -> None:
    """/tasks?completed=false&priority=High opens the list filtered so (a bookmark, a shared link, a
    menu link), changing a filter or the search rewrites the address, a reload keeps the view, and a
    value the list does not know is ignored instead of emptying it."""
    for title, priority, completed in (
        ("Call the bank", "High", False),
        ("Renew the passport", "High", True),
        ("Buy stamps", "Low", False),
    ):
        _call("POST", f"{app_url}/api/tasks", {"title": title, "priority": priority, "completed": completed})
    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{app_url}/tasks?completed=false&priority=High")
        rows = page.locator("#rows")
        expect(rows).to_contain_text("Call the bank")
        expect(rows).not_to_contain_text("Renew the passport")
        expect(rows).not_to_contain_text("Buy stamps")
        expect(page.locator("#filter-priority")).to_have_value("High")
        expect(page.locator("#filter-completed")).to_have_value("false")

        page.locator("#filter-priority").select_option("Low")
        expect(rows).to_contain_text("Buy stamps")
        assert _query(page.url) == {"completed": "false", "priority": "Low"}
        page.locator("#search").fill("stamps")
        page.wait_for_url(re.compile(r"[?&]q=stamps"))  # the search waits for typing to pause
        assert _query(page.url) == {"q": "stamps", "completed": "false", "priority": "Low"}
        page.reload()
        expect(page.locator("#search")).to_have_value("stamps")
        expect(rows).to_contain_text("Buy stamps")
        expect(rows).not_to_contain_text("Call the bank")

        page.goto(f"{app_url}/tasks?priority=Nonsense&completed=maybe")  # ignored, not an empty list
        expect(rows).to_contain_text("Call the bank")
        expect(rows).to_contain_text("Renew the passport")
        expect(page.locator("#filter-priority")).to_have_value("")
        # The list is browsed by its category too: a row of links, the one shown marked.
        chips = page.get_by_role("navigation", name="Browse by Priority")
        expect(chips.get_by_role("link", name="All")).to_have_attribute("aria-current", "page")
        chips.get_by_role("link", name="Low").click()
        expect(page).to_have_url(f"{app_url}/tasks?priority=Low")
        expect(rows).to_contain_text("Buy stamps")
        expect(rows).not_to_contain_text("Call the bank")
        expect(chips.get_by_role("link", name="Low")).to_have_attribute("aria-current", "page")
        assert not errors, errors
    finally:
        context.close()
