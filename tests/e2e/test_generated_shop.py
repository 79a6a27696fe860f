"""A generated shop in Chromium: two products in the cart, priced by the app, paid through the local
Stripe (autocrea.testing's, with its checkout page) with the app's real SDK calls, and the order paid
once although Stripe delivers the webhook twice at once."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.testing.stripe_server import FakeStripe
from tests.fixtures.specs import shop
from tests.generated_app import serving_files

SPEC = shop()


def _call(method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def stripe() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        fake.webhooks.copies = 2  # every event delivered twice, at the same moment
        yield fake


@pytest.fixture(scope="module")
def app_url(
    tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache, stripe: FakeStripe
) -> Iterator[str]:
    env = {
        "STRIPE_SECRET_KEY": stripe.api_key,
        "STRIPE_WEBHOOK_SECRET": stripe.webhook_secret,
        "STRIPE_API_BASE": stripe.url,
    }
    with serving_files(tmp_path_factory.mktemp("shop"), render_project(SPEC), runtimes, env) as url:
        stripe.webhooks.url = f"{url}/api/checkout/webhook"
        yield url


def _product(url: str, name: str, price: float) -> dict[str, Any]:
    body = {"name": name, "price": price, "stock": 5, "category": "hogar", "active": True}
    made: dict[str, Any] = _call("POST", f"{url}/api/products", body)
    return made


def test_two_products_are_paid_through_stripe_and_the_order_is_paid_once(
    browser: Browser, app_url: str, stripe: FakeStripe
) -> None:
    _product(app_url, "Lámpara", 12.5)
    _product(app_url, "Taza", 4.25)
    context = browser.new_context(locale="es-ES")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{app_url}/productos")
        page.get_by_role("button", name="Añadir al carrito: Lámpara").click()
        page.get_by_role("button", name="Añadir al carrito: Lámpara").click()
        page.get_by_role("button", name="Añadir al carrito: Taza").click()
        cart = page.locator("#cart")
        expect(cart.locator(".cart-line")).to_have_count(2)
        expect(page.locator("#cart-total")).to_have_text("29,25\xa0€")  # 2 × 12,50 + 4,25, by the app
        page.get_by_label("Cantidad de Taza").fill("3")
        page.get_by_label("Cantidad de Taza").dispatch_event("change")
        expect(page.locator("#cart-total")).to_have_text("37,75\xa0€")
        page.screenshot(
            path=str(Path(__file__).parent / "artifacts" / "generated-shop-cart.png"), full_page=True
        )

        page.get_by_role("button", name="Pagar").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Pay 37.75 EUR once")  # the local Stripe
        page.get_by_role("button", name="Pay").click()

        expect(page).to_have_url(f"{app_url}/productos?order=1")
        expect(page.locator("#cart-status")).to_have_text(
            "El pedido n.º 1 está pagado. ¡Gracias!", timeout=20_000
        )
        expect(cart.locator(".cart-line")).to_have_count(0)
        assert stripe.webhooks.wait_idle()
        order = _call("GET", f"{app_url}/api/checkout/1")
        assert (order["status"], order["amount"], order["provider"]) == ("paid", 37.75, "stripe")
        deliveries = [a for a in stripe.webhooks.attempts if a.type == "checkout.session.completed"]
        assert len(deliveries) == 2 and all(a.status == 200 for a in deliveries)
        # Both copies were answered 200 and exactly one of them paid the order: paid_at never moves.
        assert _call("GET", f"{app_url}/api/checkout/1")["paid_at"] == order["paid_at"]
        assert not errors, errors
    finally:
        context.close()
