"""The seed example "Dashboard con gráficos en tiempo real", generated and previewed in AUTOCREA: a
metric saved from a second tab appears on the dashboard open in the project's preview, without a
reload, through the app's change stream passing AUTOCREA's preview proxy."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Browsing

DASHBOARD = "Dashboard con gráficos en tiempo real"


def test_a_metric_saved_in_another_tab_reaches_the_previewed_dashboard(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    project_id = b.generate(DASHBOARD)
    page.get_by_role("tab", name="Vista previa").click()
    page.get_by_role("button", name="Iniciar vista previa").click()
    frame = page.locator("#preview-frame")
    expect(frame).to_be_visible(timeout=90_000)
    app = page.frame_locator("#preview-frame")
    with page.expect_response(lambda response: response.url.endswith("/api/stats")):
        app.get_by_role("navigation").get_by_role("link", name="Panel").click()
    expect(app.locator("#live")).to_contain_text("En directo")
    by_category = app.locator('[data-chart-table="metrics-by-category"]')
    before = by_category.text_content() or ""

    # A second tab, opened with the owner's link to the preview (as "open in a new tab" does).
    preview = b.api(f"/api/projects/{project_id}/preview")
    other = b.context.new_page()
    other.goto(preview["open_url"])
    other.goto(preview["url"].rstrip("/") + "/metrics")
    other.get_by_role("button", name=re.compile("^Nuevo")).click()
    other.locator("#field-name").fill("Pedidos de la tarde")
    other.locator("#field-value").fill("42")
    other.locator("#field-category").select_option("Finanzas")
    other.get_by_role("button", name="Guardar").click()
    expect(other.locator("#rows")).to_contain_text("Pedidos de la tarde")

    # Inside the fallback check's 5 s: the dashboard heard the change through the proxy.
    expect(by_category).not_to_have_text(before, timeout=4_000)
    expect(by_category).to_contain_text("Finanzas")
    b.shot("live-preview-dashboard", full_page=False)
    other.close()
