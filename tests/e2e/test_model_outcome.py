"""A run with a model that cannot keep the format, seen through the chat page: built offline by the
Blueprint and said so (card, log, project badge) at the offline price; with the fallback box unticked
the same run fails and says why, in the page's language. The model is the local OpenAI-compatible
server, which the platform reaches through the official SDK."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint.architect import design
from autocrea.testing import FakeModelServer, ModelScript, Reply
from tests.e2e.conftest import Browsing, open_page
from tests.served import Served, serve

KEY = "sk-e2e-outcome-0123456789abcdef"
GARBAGE = Reply("Sure! I would build this with Django, React and a few microservices.")


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer(ModelScript(default=GARBAGE), api_key=KEY) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, runtime_root: Path, model_server: FakeModelServer
) -> Iterator[Served]:
    with serve(
        tmp_path_factory.mktemp("outcome"),
        runtime_dir=runtime_root,
        openai_api_key=KEY,
        openai_base_url=f"{model_server.url}/v1",
        offline_generation_cost=20,
    ) as running:
        yield running


@pytest.fixture
def browsing(browser: Browser, served: Served) -> Iterator[Browsing]:
    session = open_page(browser, served)
    yield session
    session.context.close()
    assert not session.console.unexpected(), f"console errors: {session.console.unexpected()}"


def start(b: Browsing, *, fallback: bool) -> None:
    page = b.page
    page.get_by_label("Describe what you want to build").fill("A todo app with tasks and due dates")
    expect(page.locator("#fallback")).to_be_hidden()  # the Blueprint needs no fallback
    expect(page.locator("#cost")).to_have_text("20 credits")
    expect(page.get_by_test_id("estimate")).to_be_hidden()  # the Blueprint costs credits, no money
    page.locator("#model").select_option("openai:gpt-4o-mini")
    expect(page.locator("#cost")).to_have_text("50 credits")
    # Before the run: what the model would be sent and may cost, at the catalog's prices.
    estimate = page.get_by_test_id("estimate")
    expect(estimate).to_contain_text(
        re.compile(r"With the model: ≈[\d,]+ tokens sent and answers of up to 24,384")
    )
    expect(estimate).to_contain_text(re.compile(r"at most \$0\.\d+ at gpt-4o-mini's prices"))
    box = page.get_by_label(re.compile("If the chosen AI fails"))
    expect(box).to_be_checked()
    if not fallback:
        box.uncheck()
    page.get_by_role("button", name="Generate application").click()
    page.wait_for_url(re.compile(r"/chat\?run=[0-9a-f]+"))


def test_a_model_that_cannot_keep_the_format_is_said_to_have_failed(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat?lang=en"))
    start(b, fallback=True)
    card = page.get_by_test_id("built-offline")
    expect(card).to_contain_text(
        "Built offline: openai:gpt-4o-mini failed (its answers were not in the required format)",
        timeout=180_000,
    )
    expect(page.locator("#run-status")).to_have_text("App ready and verified!")
    architect_log = page.locator('.step[data-step="architect"] .step-log')
    expect(architect_log).to_contain_text("it is dropped for the rest of the run")
    expect(page.get_by_test_id("balance")).to_have_text("80 credits")  # the offline price, 30 returned
    # What the model really used before it was dropped: the architect's answers, priced.
    usage = page.get_by_test_id("usage")
    expect(usage.locator("caption")).to_have_text("Model usage")
    expect(usage.locator("tbody tr")).to_have_count(1)
    expect(usage.locator("tbody tr")).to_contain_text("Architect")
    expect(usage.locator("tfoot")).to_contain_text(re.compile(r"Total\s*[\d,]+\s*[\d,]+\s*\$0\.\d+"))
    b.shot("chat-built-offline", full_page=False)
    page.get_by_role("link", name="Open project").click()
    expect(page.get_by_test_id("built-offline")).to_have_text(
        "built offline: openai:gpt-4o-mini failed (its answers were not in the required format)"
    )
    page.goto(page.url.split("?")[0] + "?lang=es")
    expect(page.get_by_test_id("built-offline")).to_have_text(
        "creada sin conexión: openai:gpt-4o-mini falló (sus respuestas no tenían el formato pedido)"
    )


def test_with_the_fallback_unticked_the_run_fails_and_says_why(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat?lang=en"))
    start(b, fallback=False)
    expect(page.locator("#run-status")).to_have_text("The generation failed.", timeout=60_000)
    expect(page.locator("#run-result")).to_contain_text(
        "openai:gpt-4o-mini failed (its answers were not in the required format) and this run was set "
        "not to fall back to the Blueprint, so it stopped."
    )
    expect(page.get_by_test_id("balance")).to_have_text("100 credits")
    expect(page.get_by_test_id("usage").locator("tbody tr")).to_contain_text("Architect")


def test_a_model_run_shows_its_usage_and_a_change_its_estimate(
    browsing: Browsing, model_server: FakeModelServer
) -> None:
    spec = design("A todo app with tasks and due dates").spec.model_dump_json()
    model_server.reset(ModelScript({"architect": Reply(spec)}, default=Reply("NO CHANGES")), api_key=KEY)
    try:
        b = browsing
        page = b.page
        b.sign_up()
        page.goto(b.url("/chat?lang=en"))
        start(b, fallback=True)
        expect(page.locator("#run-status")).to_have_text("App ready and verified!", timeout=180_000)
        rows = page.get_by_test_id("usage").locator("tbody tr")
        expect(rows).to_have_count(5)  # architect, backend, frontend, devops, tester
        expect(rows.first).to_contain_text("Architect")
        b.shot("chat-model-usage")

        page.get_by_role("link", name="Open project").click()
        # The page's scripts are running once the thread has loaded.
        expect(page.get_by_test_id("thread").get_by_test_id("msg-generation")).to_be_visible()
        estimate = page.get_by_test_id("change-estimate")
        page.locator("#change-request").fill("add a priority field to the tasks")
        # The project's builder would make it: its tokens and money, at most.
        expect(estimate).to_contain_text(
            re.compile(r"With the model: ≈[\d,]+ tokens sent and answers of up to 4,096")
        )
        fallback = page.get_by_label(re.compile("If the model fails, let the Blueprint make the change"))
        expect(fallback).to_be_checked()
        page.locator("#change-model").select_option("blueprint")
        expect(estimate).to_be_hidden()
        expect(fallback).to_be_hidden()  # the Blueprint has nothing to fall back from
        # Back to the builder, without the fallback: the change run is asked for exactly that.
        page.locator("#change-model").select_option("")
        expect(fallback).to_be_visible()
        fallback.uncheck()
        page.get_by_role("button", name="Send change").click()
        project = page.url.split("/projects/")[1].split("?")[0].split("#")[0]
        expect(page.get_by_test_id("thread").get_by_test_id("msg-change")).to_be_visible()
        change = b.api(f"/api/projects/{project}/runs")[0]
        assert (change["kind"], change["fallback"]) == ("change", False)
    finally:
        model_server.reset(ModelScript(default=GARBAGE), api_key=KEY)
