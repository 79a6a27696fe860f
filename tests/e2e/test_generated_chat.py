"""A generated app's chat, in Chromium with two browsers at once: in a community chat a message
sent in one appears in the other without a reload; in customer support a visitor gets the honest
automatic reply at once, an administrator sees the conversation and answers, and the answer
appears on the visitor's page live. Messages are shown as text, never as markup."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint import i18n
from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.generated_app import serving_files

COMMUNITY = design("A technical website with solutions where users communicate with other users").spec
SUPPORT = design("A website for a phone operator with service plans and an online customer support tool").spec


@pytest.fixture(scope="module")
def community_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    files = render_project(COMMUNITY)
    with serving_files(tmp_path_factory.mktemp("chat"), files, runtimes, {"SAMPLE_DATA": "0"}) as url:
        yield url


@pytest.fixture(scope="module")
def support_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    files = render_project(SUPPORT)
    with serving_files(tmp_path_factory.mktemp("support"), files, runtimes, {"SAMPLE_DATA": "0"}) as url:
        yield url


def test_a_message_appears_in_the_other_browser_without_a_reload(
    browser: Browser, community_url: str
) -> None:
    assert COMMUNITY.chat == "community"
    ana_context, bea_context = browser.new_context(), browser.new_context()
    errors: list[str] = []
    try:
        ana, bea = ana_context.new_page(), bea_context.new_page()
        for page in (ana, bea):
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{community_url}/chat")
            expect(page.locator("#chat-send")).to_be_enabled()
            expect(page.locator(".chat-message")).to_have_count(1)  # the room's welcome message
        ana.fill("#chat-input", "hello")
        ana.press("#chat-input", "Enter")
        expect(ana.locator("#chat-error")).to_have_text(i18n.text("en", "chat_name_needed"))
        expect(ana.locator("#chat-input")).to_have_value("hello")  # nothing typed is lost
        ana.fill("#chat-name", "Ana")
        ana.fill("#chat-input", "Hi <b>Bea</b>")
        ana.press("#chat-input", "Enter")
        expect(ana.locator("#chat-input")).to_have_value("")
        message = bea.locator(".chat-message", has_text="Hi <b>Bea</b>")
        expect(message).to_be_visible()  # live, as text
        expect(message.locator("strong")).to_have_text("Ana")
        assert bea.locator(".chat-body b").count() == 0
        # Another room keeps its own messages.
        bea.get_by_role("button", name="Help").click()
        expect(bea.locator(".chat-message")).to_have_count(1)
        bea.fill("#chat-input", " ")
        bea.press("#chat-input", "Enter")
        expect(bea.locator("#chat-error")).to_have_text(i18n.text("en", "chat_empty"))
    finally:
        ana_context.close()
        bea_context.close()
    assert errors == []


def test_the_visitor_gets_the_automatic_reply_and_the_answer_live(browser: Browser, support_url: str) -> None:
    assert SUPPORT.chat == "support"
    visitor_context, admin_context = browser.new_context(), browser.new_context()
    errors: list[str] = []
    try:
        visitor = visitor_context.new_page()
        visitor.on("pageerror", lambda error: errors.append(str(error)))
        visitor.goto(f"{support_url}/support")
        expect(visitor.locator("#chat-send")).to_be_enabled()
        visitor.fill("#chat-name", "Ana")
        visitor.fill("#chat-input", "My phone has no signal")
        visitor.press("#chat-input", "Enter")
        automatic = visitor.locator(".chat-message.staff")
        expect(automatic).to_contain_text(i18n.text("en", "chat_auto_reply"))
        expect(automatic).to_contain_text(i18n.text("en", "chat_automatic"))

        # The first account is the administrator.
        body = {"email": "boss@example.com", "name": "Boss", "password": secrets.token_urlsafe(12)}
        assert admin_context.request.post(f"{support_url}/api/auth/register", data=body).status == 201
        admin = admin_context.new_page()
        admin.on("pageerror", lambda error: errors.append(str(error)))
        admin.goto(f"{support_url}/support")
        admin.locator("#chat-conversations button", has_text="Ana").click()
        expect(admin.locator(".chat-message", has_text="My phone has no signal")).to_be_visible()
        admin.fill("#chat-input", "Restart it, please.")
        admin.press("#chat-input", "Enter")
        expect(visitor.locator(".chat-message", has_text="Restart it, please.")).to_be_visible()
        # Another visitor sees none of it.
        other = browser.new_context()
        try:
            stranger = other.new_page()
            stranger.goto(f"{support_url}/support")
            expect(stranger.locator("#chat-send")).to_be_enabled()
            expect(stranger.locator(".chat-message")).to_have_count(0)
        finally:
            other.close()
    finally:
        visitor_context.close()
        admin_context.close()
    assert errors == []
