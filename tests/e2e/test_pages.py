"""Every page renders (without console errors), guards its session, speaks both languages, and says
what went wrong in words; settings keep keys masked; the layout holds at phone width."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Browsing
from tests.platform import PASSWORD


def test_anonymous_visitors_see_the_public_pages_and_are_sent_to_log_in(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    page.goto(b.url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("De idea a aplicación en minutos")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.keyboard.press("Tab")  # the first stop is the skip link, and it is visible when focused
    expect(page.get_by_role("link", name="Saltar al contenido")).to_be_focused()
    b.shot("landing")
    for path in ("/chat", "/projects", "/projects/0123abc", "/settings"):
        page.goto(b.url(path))
        expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()

    b.console.expect(r"status of 401")
    page.get_by_label("Correo electrónico").fill("nadie@example.com")
    page.get_by_label("Contraseña").fill("not-the-password-1")
    page.get_by_role("button", name="Entrar", exact=True).click()
    expect(page.locator("#auth-alert")).to_have_text("Correo o contraseña incorrectos.")
    b.shot("login-error", full_page=False)

    page.goto(b.url("/pricing"))
    page.get_by_role("button", name="Suscribirme").first.click()
    expect(page.locator("#pricing-alert")).to_contain_text("Los pagos aún no están configurados")
    b.shot("pricing")

    page.get_by_role("link", name="Switch to English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pricing")
    page.goto(b.url("/"))  # the choice is remembered in a cookie
    expect(page.get_by_role("heading", level=1)).to_have_text("From idea to application in minutes")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    b.shot("landing-en", full_page=False)

    # A script failure leaves a banner with a way out, not a dead page.
    b.console.expect(r"uncaught: .*boom")
    page.evaluate("setTimeout(() => { throw new Error('boom'); })")
    expect(page.get_by_role("alert").filter(has_text="Something went wrong on this page.")).to_be_visible()
    expect(page.get_by_role("button", name="Reload")).to_be_visible()

    b.console.expect(r"status of 404")
    page.goto(b.url("/no/such/page"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("link", name="Go back")).to_be_visible()
    b.shot("not-found", full_page=False)


def test_signed_in_pages_settings_and_logout(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    email = b.sign_up()
    page.goto(b.url("/projects"))
    expect(page.get_by_role("heading", name="Aún no tienes proyectos")).to_be_visible()
    b.shot("projects-empty", full_page=False)

    page.goto(b.url("/settings"))
    expect(page.get_by_label("Correo electrónico")).to_have_value(email)
    profile = page.locator("#profile-form")
    profile.get_by_label("Nombre").fill("Alicia Pérez")
    profile.get_by_role("button", name="Guardar").click()
    expect(page.locator("#toasts")).to_contain_text("Guardado.")
    assert b.api("/api/auth/me")["user"]["display_name"] == "Alicia Pérez"

    secret = "sk-test-" + "x" * 24 + "9f3a"
    openai = page.locator('.key-form[data-provider="openai"]')
    openai.get_by_label("Clave").fill(secret)
    b.console.expect(r"status of 400 .*/api/keys/openai")  # the refused base URL below
    openai.get_by_label("URL del servidor").fill("http://169.254.169.254/latest/")  # the metadata service
    openai.get_by_role("button", name="Guardar clave").click()
    expect(page.locator("#toasts")).to_contain_text("apunta a una dirección privada o local")
    assert b.api("/api/keys") == []
    openai.get_by_label("URL del servidor").fill("")
    openai.get_by_role("button", name="Guardar clave").click()
    expect(page.get_by_test_id("key-state-openai")).to_contain_text("9f3a")
    assert secret not in page.content()  # shown masked, never in full

    page.locator("#token-form").get_by_label("Nombre").fill("ci")
    page.get_by_role("button", name="Crear token").click()
    expect(page.locator("#new-token-value")).to_have_text(re.compile(r"\S{20,}"))
    expect(page.locator("#token-table")).to_contain_text("ci")
    b.shot("settings")

    page.goto(b.url("/chat"))  # the saved key makes the OpenAI model choosable
    expect(page.locator('#model option[value^="openai:"]')).to_be_enabled()
    expect(page.locator('#model option[value^="anthropic:"]')).to_be_disabled()

    page.get_by_role("button", name="Salir").click()
    expect(page).to_have_url(b.url("/"))
    page.goto(b.url("/chat"))
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fchat"))
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar", exact=True).click()
    expect(page).to_have_url(b.url("/chat"))


def test_the_generate_page_fits_a_phone(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    page.set_viewport_size({"width": 390, "height": 844})
    b.sign_up()
    for path in ("/chat", "/projects", "/settings", "/pricing", "/"):
        page.goto(b.url(path))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at phone width"
    page.goto(b.url("/chat"))
    page.get_by_role("button", name="Generar aplicación").click()
    expect(page.locator("#prompt-error")).to_have_text(re.compile("Describe qué quieres crear"))
    expect(page.get_by_label("Describe qué quieres crear")).to_be_focused()
    b.shot("chat-phone")
