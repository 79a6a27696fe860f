"""A generated survey, in Chromium: from the home page to the survey's form, a wrong answer is
refused next to its field (what was typed stays), a right one is thanked; a visitor cannot read the
responses, the administrator sees the new one in the list and counted on the dashboard."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.generated_app import serving_files

PROMPT = (
    "Please implement a health survey website for women to fill out and submit health information. "
    "The system will collect the information and provide data management, permission management, "
    "data review, and reporting functions."
)
SPEC = design(PROMPT).spec


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    env = {"SAMPLE_DATA": "0"}
    with serving_files(tmp_path_factory.mktemp("forms"), render_project(SPEC), runtimes, env) as url:
        yield url


def test_a_survey_is_filled_in_refused_thanked_and_counted(browser: Browser, app_url: str) -> None:
    response = next(e for e in SPEC.entities if e.name == "HealthSurveyResponse")
    form_page = next(p for p in SPEC.pages if p.kind == "form")
    list_page = next(p for p in SPEC.pages if p.kind == "entity" and p.entity == response.name)
    admin = browser.new_context()
    visitor = browser.new_context()
    errors: list[str] = []
    try:
        # The first account is the administrator.
        password = secrets.token_urlsafe(12)
        body = {"email": "admin@example.com", "name": "Admin", "password": password}
        assert admin.request.post(f"{app_url}/api/auth/register", data=body).status == 201

        page = visitor.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(app_url)
        page.locator(".nav-links").get_by_role("link", name=form_page.title).click()
        expect(page).to_have_url(f"{app_url}{form_page.path}")
        page.locator("#form-respondent_name").fill("Lucía")
        page.locator("#form-email").fill("not an e-mail")
        page.locator("#form-age").fill("-3")
        page.locator("#form-general_health").select_option("Good")
        page.locator("#form-smoker").check()
        page.get_by_role("button", name="Send").click()
        expect(page.locator('[data-error-for="age"]')).not_to_be_empty()
        expect(page.locator('[data-error-for="email"]')).not_to_be_empty()
        expect(page.locator("#status")).to_be_empty()
        expect(page.locator("#form-respondent_name")).to_have_value("Lucía")  # nothing typed is lost
        expect(page.locator("#form-general_health")).to_have_value("Good")

        page.locator("#form-email").fill("lucia@example.com")
        page.locator("#form-age").fill("34")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#status")).to_have_text("Thank you! Your answers were received.")
        expect(page.locator('[data-error-for="age"]')).to_be_empty()
        expect(page.locator("#form-respondent_name")).to_have_value("")
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-forms.png"))
        assert page.request.get(f"{app_url}/api/{response.table}").status == 401

        # The administrator reads the response and sees it counted.
        login = {"email": "admin@example.com", "password": password}
        assert admin.request.post(f"{app_url}/api/auth/login", data=login).status in (200, 204)
        boss = admin.new_page()
        boss.on("pageerror", lambda error: errors.append(str(error)))
        boss.goto(f"{app_url}{list_page.path}")
        expect(boss.locator("#rows")).to_contain_text("Lucía")
        boss.goto(f"{app_url}/dashboard")
        table = boss.locator('[data-chart-table="health-survey-responses-by-general-health"]')
        expect(table).to_contain_text("Good")
        expect(table.locator("tr", has_text="Good")).to_contain_text("1")
        assert not errors, errors
    finally:
        visitor.close()
        admin.close()
