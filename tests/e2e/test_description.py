"""The description box counts characters as the server does and refuses a too-long description with
the API's own words (nothing cut, nothing started, nothing held); the architect's card claims only
what was built and says what was not, in the page's language."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from autocrea.domain.prompt import MAX_PROMPT_CHARS, clean_prompt
from autocrea.errors import PromptTooLong
from tests.e2e.conftest import Browsing

WORDS = "Biblioteca con libros, socios y préstamos de libros a socios con fecha de devolución. "
TOO_LONG = (WORDS * (25_000 // len(WORDS) + 1))[:25_000]  # ends mid-word, as a real paste would
JOB_BOARD = "A job board where candidates upload their CV as a PDF"
TOO_LONG_MESSAGE = {
    "es": "La descripción tiene 25.000 caracteres; el límite es 20.000. Acórtala.",
    "en": "The description has 25,000 characters; the limit is 20,000. Shorten it.",
}
# The page's fetch with its CSRF token: what a script that skipped the box's check would send.
POST_PROJECT = """async (prompt) => {
  const r = await fetch('/api/projects', {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', Accept: 'application/json',
              'X-CSRF-Token': document.body.dataset.csrf},
    body: JSON.stringify({prompt, name: '', model: 'blueprint'})});
  return {status: r.status, body: await r.json()};
}"""
# The page's own error wording (lib/errors.js) for an answer of the API.
DESCRIBE = """async (error) => {
  const { describe } = await import('/static/js/lib/errors.js');
  return describe({...error, retryAfter: null}).text;
}"""


def server_count(value: str) -> int:
    """What clean_prompt counts for the text a textarea holds (its length check, not its refusals)."""
    return len(unicodedata.normalize("NFC", value).strip())


def shown_count(page: Page) -> int:
    text = page.locator("#prompt-count .count-value").inner_text()
    return int(re.sub(r"\D", "", text.split("/")[0]))


def project_posts(page: Page) -> list[str]:
    posts: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/projects"):
            posts.append(request.url)

    page.on("request", seen)
    return posts


def nothing_started(b: Browsing) -> None:
    assert b.api("/api/projects")["total"] == 0
    assert b.api("/api/auth/me")["credits"] == {"granted": 100, "spent": 0, "held": 0, "available": 100}


def test_a_too_long_description_is_kept_whole_counted_and_refused_with_the_apis_words(
    browsing: Browsing,
) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    posts = project_posts(page)
    page.goto(b.url("/chat"))
    box = page.get_by_label("Describe qué quieres crear")
    counter = page.get_by_test_id("prompt-count")
    generate = page.get_by_role("button", name="Generar aplicación")
    expect(counter).to_have_text("Caracteres: 0 / 20.000")
    page.get_by_role("button", name="Blog con CMS y autenticación").click()
    expect(counter).to_have_text("Caracteres: 28 / 20.000")

    box.fill(TOO_LONG)  # a paste: one input event with the whole text
    assert len(box.input_value()) == 25_000  # not cut at 20,000 mid-word
    expect(counter).to_have_text("Caracteres: 25.000 / 20.000")
    expect(counter).to_have_attribute("data-state", "over")
    expect(page.locator("#prompt-error")).to_have_text(TOO_LONG_MESSAGE["es"])
    expect(page.locator("#prompt-error")).to_be_visible()
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(generate).to_be_disabled()
    b.shot("chat-prompt-too-long", full_page=False)

    # Enter in the name field, or a script, cannot send it either: the form refuses before any request.
    page.evaluate("document.getElementById('generate-form').requestSubmit()")
    expect(page.locator("#prompt-error")).to_have_text(TOO_LONG_MESSAGE["es"])
    expect(box).to_be_focused()
    page.wait_for_timeout(300)
    assert posts == []
    nothing_started(b)

    # The API stays the authority: a request past the box gets its error shape, and the page words that
    # answer exactly as the box did (in English, the very sentence of the API).
    b.console.expect(r"status of 413")
    answer: dict[str, Any] = page.evaluate(POST_PROJECT, TOO_LONG)
    assert answer["status"] == 413
    error = answer["body"]["error"]
    assert error["code"] == "prompt_too_long"
    assert error["details"] == {"reason": "too_long", "length": 25_000, "limit": MAX_PROMPT_CHARS}
    assert error["message"] == TOO_LONG_MESSAGE["en"]
    assert page.evaluate(DESCRIBE, error) == TOO_LONG_MESSAGE["es"]
    nothing_started(b)
    assert len(posts) == 1  # that request only
    posts.clear()

    # Shortened to the limit, it may go: the error leaves, the button comes back.
    box.fill(TOO_LONG[:MAX_PROMPT_CHARS])
    expect(counter).to_have_text("Caracteres: 20.000 / 20.000")
    expect(counter).to_have_attribute("data-state", "near")
    expect(page.locator("#prompt-error")).to_be_hidden()
    expect(box).to_have_attribute("aria-invalid", "false")
    expect(generate).to_be_enabled()

    page.goto(b.url("/chat?lang=en"))
    page.get_by_label("Describe what you want to build").fill(TOO_LONG)
    expect(page.get_by_test_id("prompt-count")).to_have_text("Characters: 25,000 / 20,000")
    expect(page.locator("#prompt-error")).to_have_text(TOO_LONG_MESSAGE["en"])
    expect(page.get_by_role("button", name="Generate application")).to_be_disabled()
    b.shot("chat-prompt-too-long-en", full_page=False)
    assert posts == []
    nothing_started(b)


HOSTILE = [
    "Tienda 🛒 con productos 👟👕 y pedidos 📦",
    "Familia 👩‍👩‍👧‍👦 con banderas 🇪🇸🇬🇧 y tonos 👍🏽",
    "Cafe\u0301 con gra\u0301ficos y mu\u0301sica",  # decomposed: NFC makes one character of each pair
    "q\u0301 y a\u0308\u0304 sin forma compuesta",  # combining marks with no precomposed form
    "\u3000\u2003 espacios anchos alrededor \u00a0\u2009\n",
    "\x1c\x1d separadores que Python recorta \x1e\x1f\x85",
    "\ufeffBOM que Python no recorta\ufeff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 fuera del plano básico 𐐷 \U0001f9ea",
    "Hangul 한국어 y jamo \u1100\u1161\u11a8 que se componen",
    "Línea uno\r\nlínea dos\rlínea tres",
]


def test_the_counter_counts_hostile_text_as_the_server_does(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat"))
    box = page.locator("#prompt")
    counter = page.get_by_test_id("prompt-count")
    for text in HOSTILE:
        box.fill(text)
        held = box.input_value()  # what the page would send (a textarea keeps \n for \r\n and \r)
        assert shown_count(page) == server_count(held) == len(clean_prompt(held)), repr(text)

    # At the limit in code points, not in UTF-16 units: 20,000 emoji are 40,000 units in JavaScript.
    for unit in ("😀", "e\u0301"):  # one code point; two that NFC makes one
        box.fill(unit * MAX_PROMPT_CHARS)
        units = page.evaluate("document.getElementById('prompt').value.length")
        assert units == 2 * MAX_PROMPT_CHARS  # two UTF-16 units per character for JavaScript
        expect(counter).to_have_attribute("data-state", "near")
        assert shown_count(page) == MAX_PROMPT_CHARS == len(clean_prompt(unit * MAX_PROMPT_CHARS))
        expect(page.locator("#prompt-error")).to_be_hidden()
        box.fill(unit * (MAX_PROMPT_CHARS + 1))
        expect(counter).to_have_attribute("data-state", "over")
        assert shown_count(page) == MAX_PROMPT_CHARS + 1
        with pytest.raises(PromptTooLong):
            clean_prompt(unit * (MAX_PROMPT_CHARS + 1))
        expect(page.locator("#prompt-error")).to_have_text(
            "La descripción tiene 20.001 caracteres; el límite es 20.000. Acórtala."
        )

    # And the API, given the same 20,001 emoji, counts the same 20,001.
    b.console.expect(r"status of 413")
    answer = page.evaluate(POST_PROJECT, "😀" * (MAX_PROMPT_CHARS + 1))
    assert answer["status"] == 413
    assert answer["body"]["error"]["details"]["length"] == MAX_PROMPT_CHARS + 1
    nothing_started(b)


def test_the_architect_card_lists_only_built_features_and_says_what_is_not_built(
    browsing: Browsing,
) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat?lang=en"))
    # Uploads are asked for, but no field of the app can hold a CV: a stub, said apart.
    page.get_by_label("Describe what you want to build").fill(JOB_BOARD)
    page.get_by_role("button", name="Generate application").click()
    page.wait_for_url(re.compile(r"/chat\?run=[0-9a-f]+$"))
    architect = page.locator('.step[data-step="architect"]')
    expect(architect).to_have_attribute("data-status", "succeeded", timeout=60_000)
    summary = architect.locator(".step-summary")
    expect(summary).to_have_text(re.compile(r"^\d+ entit(y|ies) \(.+\), \d+ pages, features: [A-Za-z ,]+$"))
    expect(summary).not_to_contain_text("uploads")
    expect(architect.locator(".step-stubs")).to_have_text("Not built yet: file uploads")
    expect(page.locator('.step[data-step="security"]')).to_have_attribute(
        "data-status", "succeeded", timeout=180_000
    )
    b.shot("chat-architect-stubs-en", full_page=False)

    # The same run in Spanish: the words are the page's, from the same facts.
    page.goto(page.url + "&lang=es")
    architect = page.locator('.step[data-step="architect"]')
    expect(architect.locator(".step-summary")).to_have_text(
        re.compile(r"^\d+ entidad(es)? \(.+\), \d+ páginas, funciones: [A-Za-zá-ú ,]+$")
    )
    expect(architect.locator(".step-summary")).not_to_contain_text("subida")
    expect(architect.locator(".step-stubs")).to_have_text("Sin construir aún: subida de archivos")

    # The project's Evidence tab words the architect's step the same way.
    page.get_by_role("link", name="Abrir proyecto").click()
    page.get_by_role("tab", name="Evidencias").click()
    # The run's evidence is stored when its last event is: on a loaded machine the tab may be opened
    # a moment before that, so open it again until the steps are there.
    for _ in range(30):
        if page.locator(".ev-step").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
        page.get_by_role("tab", name="Evidencias").click()
    step = page.locator(".ev-step").first
    said = re.compile(r"\d+ páginas, funciones: [A-Za-zá-ú ,]+ · Sin construir aún: subida de archivos")
    expect(step).to_contain_text(said)
    expect(step.locator(".ev-stubs")).to_have_text("Sin construir aún: subida de archivos")
    b.shot("project-evidence-stubs", full_page=False)
