"""Sharing a run: the owner turns a public link on, a stranger's browser replays the run read-only
(steps, evidence, a file), the owner turns it off and the stranger's reload is a 404."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Browsing, open_page
from tests.served import Served


def test_a_shared_run_is_seen_by_a_stranger_until_it_is_turned_off(
    browsing: Browsing, browser: Browser, server: Served
) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat"))
    page.get_by_label("Describe qué quieres crear").fill("Biblioteca con libros (título, autor) y socios")
    page.get_by_role("button", name="Generar aplicación").click()
    expect(page.get_by_role("link", name="Abrir proyecto")).to_be_visible(timeout=180_000)

    expect(page.locator("#run-result")).not_to_contain_text("null")
    switch = page.get_by_label("Compartir (enlace público de solo lectura)")
    expect(switch).not_to_be_checked()
    switch.check()
    link = page.get_by_test_id("share-url")
    expect(link).to_have_value(re.compile(r"/share/[A-Za-z0-9_-]{43}$"))
    expect(page.locator("#share-note")).to_contain_text("solo se muestra una vez")
    url = link.input_value()
    b.shot("share-owner")

    stranger = open_page(browser, server)
    try:
        seen = stranger.page
        assert url.startswith(server.url + "/share/")
        seen.goto(url)
        expect(seen.get_by_test_id("share-request")).to_contain_text("Biblioteca con libros")
        for role in ("architect", "backend", "frontend", "devops", "tester", "security"):
            expect(seen.locator(f'.step[data-step="{role}"]')).to_have_attribute("data-status", "succeeded")
        expect(seen.locator("#run-percent")).to_have_text("100%")
        expect(seen.get_by_test_id("evidence")).to_be_visible()
        # The entry point opens by itself; another file on a click, read-only.
        expect(seen.locator("#share-path")).to_have_text("app/main.py")
        expect(seen.locator("#share-file")).to_contain_text("FastAPI")
        seen.locator('.tree-file[data-path="README.md"]').click()
        expect(seen.locator("#share-path")).to_have_text("README.md")
        expect(seen.locator("#share-file")).not_to_contain_text("FastAPI(")
        # Nothing of the owner's: no account bar, no project actions, no session cookie.
        expect(seen.get_by_role("button", name="Salir")).to_have_count(0)
        expect(seen.get_by_role("link", name="Abrir proyecto")).to_have_count(0)
        expect(seen.locator("textarea, #editor, #save-form")).to_have_count(0)
        assert not [c for c in stranger.context.cookies() if c["name"] == "autocrea_session"]
        stranger.shot("share-public")

        switch.uncheck()
        expect(page.locator("#share-note")).to_contain_text("ya no funciona")
        expect(link).to_be_hidden()

        stranger.console.expect(r"404")
        answer = seen.reload()
        assert answer is not None and answer.status == 404
        expect(seen.get_by_test_id("share-project")).to_have_count(0)
        assert not [c for c in stranger.context.cookies() if c["name"] == "autocrea_session"]
    finally:
        stranger.context.close()
    assert not stranger.console.unexpected(), stranger.console.unexpected()
