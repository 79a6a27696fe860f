"""The admin view in the browser: an administrator finds a user on /admin, grants credits and takes
some back with a reason, and sees the balance change (the user's ledger keeps the reasons); asking
for more than is available is refused; a non-admin gets the 404 page at /admin.

Its own AUTOCREA with AUTOCREA_ADMIN_EMAILS, so the shared browser-test server keeps no admin."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing, open_page
from tests.platform import PASSWORD
from tests.served import Served, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ADMIN = "e2e-admin@example.com"


@pytest.fixture
def served(tmp_path: Path, runtime_root: Path) -> Iterator[Served]:
    with serve(tmp_path / "data", runtime_dir=runtime_root, admin_emails=ADMIN) as found:
        yield found


def _signed_in(browser: Browser, served: Served, email: str) -> Browsing:
    session = open_page(browser, served)
    response = session.context.request.post(
        session.url("/api/auth/register"), data={"email": email, "password": PASSWORD}
    )
    assert response.status == 201, response.text()
    return session


@pytest.fixture
def boss(browser: Browser, served: Served) -> Iterator[Browsing]:
    session = _signed_in(browser, served, ADMIN)
    yield session
    session.context.close()
    assert not session.console.unexpected(), f"console errors: {session.console.unexpected()}"


@pytest.fixture
def customer(browser: Browser, served: Served) -> Iterator[Browsing]:
    session = _signed_in(browser, served, f"e2e-{uuid.uuid4().hex[:10]}@example.com")
    yield session
    session.context.close()
    assert not session.console.unexpected(), f"console errors: {session.console.unexpected()}"


def test_the_admin_grants_and_takes_back_credits_and_a_non_admin_gets_404(
    boss: Browsing, customer: Browsing
) -> None:
    email = customer.api("/api/auth/me")["user"]["email"]
    page = boss.page
    page.goto(boss.url("/chat"))
    page.get_by_test_id("nav-admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administración")
    page.get_by_label("Buscar por e-mail").fill(email)
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_test_id("admin-total")).to_have_text("1 usuario")
    row = page.locator(f"#admin-users tr[data-email='{email}']")
    expect(row.get_by_test_id("available")).to_have_text("100")

    row.get_by_role("button", name="Créditos").click()
    form = page.get_by_role("form", name=f"Créditos de {email}")
    form.get_by_label("Cantidad").fill("25")
    form.get_by_label("Motivo (queda en el historial)").fill("soporte: ejecución perdida")
    form.get_by_role("button", name="Conceder").click()
    expect(row.get_by_test_id("available")).to_have_text("125")

    form.get_by_label("Cantidad").fill("30")
    form.get_by_label("Motivo (queda en el historial)").fill("concedidos dos veces")
    form.get_by_role("button", name="Retirar").click()
    expect(row.get_by_test_id("available")).to_have_text("95")

    boss.console.expect(r"status of 409")  # the refused take-back below, as the browser logs it
    form.get_by_label("Cantidad").fill("500")
    form.get_by_label("Motivo (queda en el historial)").fill("demasiado")
    form.get_by_role("button", name="Retirar").click()
    expect(page.locator("#toasts")).to_contain_text(
        "Solo hay 95 créditos disponibles: no se pueden retirar 500"
    )
    expect(row.get_by_test_id("available")).to_have_text("95")
    boss.shot("admin-users")

    entries = customer.api("/api/credits")["entries"]
    assert [(e["kind"], e["amount"], e["reason"]) for e in entries[:2]] == [
        ("revoke", 30, f"concedidos dos veces (admin {ADMIN})"),
        ("grant", 25, f"soporte: ejecución perdida (admin {ADMIN})"),
    ]
    customer.page.goto(customer.url("/chat"))
    expect(customer.page.get_by_test_id("credits-available")).to_have_text("95")
    expect(customer.page.get_by_test_id("nav-admin")).to_have_count(0)

    customer.console.expect(r"status of 404")
    shown = customer.page.goto(customer.url("/admin"))
    assert shown is not None and shown.status == 404
    expect(customer.page.get_by_role("heading", level=1)).to_be_visible()
    customer.shot("admin-not-found", full_page=False)

    page.goto(boss.url("/admin/runs"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ejecuciones de todos los usuarios")
    boss.shot("admin-runs", full_page=False)

    # Disabled, the customer's open session gets the 403 page at once; enabled again, it works.
    page.goto(boss.url(f"/admin?q={email}"))
    row = page.locator(f"#admin-users tr[data-email='{email}']")
    row.get_by_role("button", name="Desactivar").click()
    expect(row.get_by_text("Desactivada")).to_be_visible()
    customer.console.expect(r"status of 403")
    refused = customer.page.goto(customer.url("/chat"))
    assert refused is not None and refused.status == 403
    expect(customer.page.get_by_role("heading", level=1)).to_have_text("Cuenta desactivada")
    customer.shot("admin-disabled", full_page=False)
    row.get_by_role("button", name="Activar").click()
    expect(row.get_by_text("Activa", exact=True)).to_be_visible()
    allowed = customer.page.goto(customer.url("/chat"))
    assert allowed is not None and allowed.status == 200
