"""A run seen through the page: it survives a reload mid-run; too few credits is said plainly."""

from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

from autocrea.billing import credits
from autocrea.storage.db import create_engine, session_factory
from tests.e2e.conftest import Browsing

DONE_BEFORE_TESTER = ["architect", "backend", "frontend", "devops"]


def test_a_reload_during_a_run_resumes_the_live_steps(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat"))
    page.get_by_label("Describe qué quieres crear").fill(
        "Tienda con productos (nombre, precio) y pedidos de clientes"
    )
    page.get_by_role("button", name="Generar aplicación").click()
    page.wait_for_url(re.compile(r"/chat\?run=[0-9a-f]+$"))
    expect(page.locator('.step[data-step="tester"]')).to_have_attribute(
        "data-status", "running", timeout=60_000
    )
    address = page.url

    page.reload()
    # The same run, replayed from its stored events and then followed live.
    assert page.url == address
    expect(page.locator("#run-project")).to_contain_text("Tienda con productos")
    for role in DONE_BEFORE_TESTER:
        expect(page.locator(f'.step[data-step="{role}"]')).to_have_attribute("data-status", "succeeded")
    # Step summaries in the page's language, from the facts the server sends with its English line.
    expect(page.locator('.step[data-step="backend"] .step-summary')).to_have_text(
        re.compile(r"^\d+ archivos, \d+ líneas$")
    )
    expect(page.locator('.step[data-step="architect"] .step-summary')).to_have_text(
        re.compile(r"^\d+ entidades \(.+\), \d+ páginas, funciones: búsqueda, filtros")
    )
    expect(page.locator('.step[data-step="security"]')).to_have_attribute("data-status", "pending")
    expect(page.locator('.step[data-step="tester"]')).to_have_attribute("data-status", "running")
    expect(page.get_by_role("button", name="Generando…")).to_be_disabled()
    b.shot("chat-after-reload", full_page=False)
    expect(page.locator('.step[data-step="security"]')).to_have_attribute(
        "data-status", "succeeded", timeout=180_000
    )
    expect(page.locator("#run-percent")).to_have_text("100%")
    expect(page.locator('.step[data-step="tester"] .step-summary')).to_contain_text("pruebas superadas")
    tester_log = page.locator('.step[data-step="tester"] .step-log')
    expect(tester_log).to_contain_text("ejecutando pytest en el sandbox")
    expect(tester_log).to_contain_text(re.compile(r"pytest: \d+ superadas, 0 fallidas en [\d.]+ s"))
    expect(page.locator('.step[data-step="security"] .step-summary')).to_contain_text("graves")
    expect(page.get_by_role("link", name="Abrir proyecto")).to_be_visible()
    expect(page.get_by_role("button", name="Generar aplicación")).to_be_enabled()


def hold_credits(database_url: str, user_id: str, amount: int) -> None:
    """Reserve credits in the ledger, as a generation started elsewhere would."""

    async def hold() -> None:
        engine = create_engine(database_url)
        try:
            await credits.place_hold(
                session_factory(engine), user_id=user_id, amount=amount, idempotency_key=uuid.uuid4().hex
            )
        finally:
            await engine.dispose()

    # Playwright's sync API owns this thread's event loop; the ledger call gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, hold()).result()


def test_too_few_credits_gets_a_readable_402_and_keeps_the_credits(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    me = b.api("/api/auth/me")
    hold_credits(b.server.settings.database_url, me["user"]["id"], 60)
    page.goto(b.url("/chat"))
    expect(page.get_by_test_id("balance")).to_have_text("40 créditos")
    expect(page.locator("#low-credits")).to_contain_text("Necesitas 50 créditos y tienes 40.")
    page.get_by_role("button", name="API REST con MongoDB").click()
    b.console.expect(r"status of 402")
    page.get_by_role("button", name="Generar aplicación").click()
    alert = page.locator("#form-alert")
    expect(alert).to_have_text(
        re.compile(r"No tienes créditos suficientes: necesitas 50 y tienes 40\. No se ha cobrado nada\.")
    )
    expect(alert.get_by_role("link", name="Ver planes")).to_have_attribute("href", "/pricing")
    expect(page.get_by_role("button", name="Generar aplicación")).to_be_enabled()
    assert page.url.endswith("/chat")
    b.shot("chat-402", full_page=False)
    after = b.api("/api/auth/me")["credits"]
    assert after == {"granted": 100, "spent": 0, "held": 60, "available": 40}
    assert b.api("/api/projects")["total"] == 0


def test_cancelling_a_run_stops_it_and_returns_the_credits(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat"))
    page.get_by_role("button", name="Blog con CMS y autenticación").click()
    page.get_by_role("button", name="Generar aplicación").click()
    expect(page.locator('.step[data-step="tester"]')).to_have_attribute(
        "data-status", "running", timeout=60_000
    )
    expect(page.get_by_test_id("credits-available")).to_have_text("50")  # held while it runs
    # Accounts were asked for and are built: the architect's card says so, with nothing unbuilt.
    architect = page.locator('.step[data-step="architect"]')
    expect(architect.locator(".step-summary")).to_contain_text("funciones: cuentas")
    expect(architect.locator(".step-stubs")).to_be_hidden()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancelar generación").click()
    expect(page.locator("#run-status")).to_have_text("Generación cancelada.", timeout=30_000)
    expect(page.locator("#run-result")).to_contain_text("Tus 50 créditos se han devuelto.")
    expect(page.locator('.step[data-step="security"]')).to_have_attribute("data-status", "skipped")
    expect(page.get_by_test_id("credits-available")).to_have_text("100")
    expect(page.get_by_role("button", name="Cancelar generación")).to_be_hidden()
    b.shot("chat-cancelled", full_page=False)
    assert b.api("/api/auth/me")["credits"]["available"] == 100

    page.locator("#run-result").get_by_role("link", name="Abrir proyecto").click()
    expect(page.locator(".alert-warn")).to_contain_text("se canceló")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Eliminar proyecto").click()
    expect(page).to_have_url(b.url("/projects"), timeout=15_000)  # removes the repository: slower under load
    expect(page.get_by_role("heading", name="Aún no tienes proyectos")).to_be_visible()


def test_a_description_the_engine_cannot_read_is_explained_in_its_language(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    page.goto(b.url("/chat"))
    page.get_by_label("Describe qué quieres crear").fill("asdf qwer zxcv")
    b.console.expect(r"status of 400")
    page.get_by_role("button", name="Generar aplicación").click()
    expect(page.locator("#form-alert")).to_contain_text(
        "No podemos generar esto: No queda claro qué debe gestionar"
    )
    assert b.api("/api/auth/me")["credits"]["available"] == 100
    assert page.url.endswith("/chat")

    # Every attempt counts against the generation limit (10 a minute): the 11th is told to wait.
    b.console.expect(r"status of 429")
    button = page.get_by_role("button", name="Generar aplicación")
    for _ in range(9):
        with page.expect_response("**/api/projects"):
            button.click()
    button.click()
    expect(page.locator("#form-alert")).to_have_text(
        re.compile(r"Has iniciado demasiadas generaciones seguidas\. Espera \d+ s y vuelve a intentarlo\.")
    )
    b.shot("chat-429", full_page=False)
