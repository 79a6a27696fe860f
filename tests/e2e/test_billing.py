"""Buying credits in the browser: a user with no credits left buys a pack on /pricing, pays on the
local Stripe's checkout page and comes back to see the credits arrive; cancelling charges nothing;
a subscriber's renewal adds the month's credits and the portal cancels the plan.

Its own AUTOCREA (with Stripe settings) beside the local Stripe, so the other browser tests keep a
server without payments."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from autocrea.billing import credits
from autocrea.storage.db import create_engine, session_factory
from tests.e2e.conftest import Browsing, open_page
from tests.stripe_world import StripeWorld, stripe_world

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture
def world(tmp_path: Path) -> Iterator[StripeWorld]:
    with stripe_world(tmp_path / "data") as found:
        yield found


@pytest.fixture
def shopper(browser: Browser, world: StripeWorld) -> Iterator[Browsing]:
    session = open_page(browser, world.served)
    yield session
    session.context.close()
    assert not session.console.unexpected(), f"console errors: {session.console.unexpected()}"


def _spend_everything(world: StripeWorld, user_id: str) -> None:
    async def spend() -> None:
        engine = create_engine(world.served.settings.database_url)
        sessions = session_factory(engine)
        try:
            hold = await credits.place_hold(sessions, user_id=user_id, amount=100, idempotency_key="e2e")
            await credits.settle(sessions, hold_id=hold)
        finally:
            await engine.dispose()

    # Playwright's sync API runs an event loop on this thread: the ledger call gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, spend()).result()


def test_a_user_with_no_credits_buys_a_pack_through_checkout_and_sees_them(
    shopper: Browsing, world: StripeWorld
) -> None:
    b, page = shopper, shopper.page
    b.sign_up()
    _spend_everything(world, b.api("/api/auth/me")["user"]["id"])
    page.goto(b.url("/pricing"))
    expect(page.get_by_test_id("credits-available")).to_have_text("0")

    page.locator("button.buy[data-kind=pack][data-item='250']").click()
    expect(page).to_have_url(re.compile(r"/pay/cs_test_"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay 5.00 EUR once")
    b.shot("billing-checkout", full_page=False)
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(r"/billing/success\?session_id=cs_test_"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pago recibido")
    expect(page.get_by_test_id("billing-available")).to_have_text("250", timeout=30_000)
    expect(page.locator("#billing-status")).to_have_text("Listo: 250 créditos añadidos.")
    expect(page.get_by_test_id("credits-available")).to_have_text("250")
    b.shot("billing-success", full_page=False)
    assert b.api("/api/credits")["entries"][0]["amount"] == 250

    # The billing page tells the story in words, newest first, each line with what it changed.
    page.get_by_test_id("credits-available").click()
    expect(page).to_have_url(b.url("/billing"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Facturación")
    rows = page.get_by_test_id("history").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Compraste un paquete de 250 créditos")
    expect(rows.nth(0).locator("td.num")).to_have_text("+250")
    expect(rows.nth(1).locator("td.num")).to_have_text("-100")
    expect(rows.nth(2)).to_contain_text("Créditos de bienvenida")
    expect(page.get_by_test_id("plan")).to_contain_text("Sin plan mensual")
    b.shot("billing-page")

    # A second purchase, cancelled on the checkout page: back on AUTOCREA, nothing charged.
    page.goto(b.url("/pricing"))
    page.locator("button.buy[data-kind=pack][data-item='1000']").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(b.url("/billing/cancel"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pago cancelado")
    expect(page.get_by_test_id("billing-available")).to_have_text("250")


def test_a_subscriber_sees_the_plan_its_renewals_and_the_portal(
    shopper: Browsing, world: StripeWorld
) -> None:
    b, page = shopper, shopper.page
    b.sign_up()
    page.goto(b.url("/pricing"))
    page.locator("button.buy[data-kind=plan][data-item='Pro']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay 19.00 EUR a month")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_test_id("billing-available")).to_have_text("1100", timeout=30_000)

    subscription = next(iter(world.stripe.objects.subscriptions))
    world.stripe.renew(subscription)  # a month later
    world.settle()
    page.goto(b.url("/pricing"))
    expect(page.get_by_test_id("credits-available")).to_have_text("2100")
    expect(page.get_by_text("Tu plan: Pro (activo).")).to_be_visible()

    page.goto(b.url("/billing"))
    plan = page.get_by_test_id("plan")
    expect(plan).to_contain_text("Pro")
    expect(plan).to_contain_text("1000 créditos cada mes.")
    expect(page.get_by_test_id("renewal")).to_contain_text("Se renueva el")
    expect(page.get_by_test_id("history").locator("tr[data-what=plan]")).to_have_count(2)

    page.get_by_role("button", name="Gestionar plan, tarjeta y facturas").click()
    expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
    page.get_by_role("button", name="Cancel plan").click()
    expect(page.get_by_text("Pro: active (ends at period end)")).to_be_visible()
    world.settle()
    assert b.api("/api/billing")["subscriptions"][0]["cancel_at_period_end"] is True
    page.goto(b.url("/billing"))
    expect(page.get_by_test_id("renewal")).to_contain_text("Termina el")
    page.goto(b.url("/pricing"))
    expect(page.get_by_role("button", name="Gestionar plan y facturas")).to_be_visible()
