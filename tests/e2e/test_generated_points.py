"""A generated app's points and invitations, in Chromium: an account that adds a recipe sees its
points go up in the header at once (no reload), on its profile and on the leaderboard, which anyone
can read and which says so when nobody has points yet; an account invites someone, who registers
through the link, and the inviter sees them joined and earns points for it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.generated_app import serving_files

SPEC = design(
    "Un sitio de recetas donde los usuarios se registran, publican recetas, invitan a otros usuarios y "
    "ganan puntos"
).spec
PASSWORD = secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    env = {"SAMPLE_DATA": "0"}
    with serving_files(tmp_path_factory.mktemp("points"), render_project(SPEC), runtimes, env) as url:
        yield url


def test_adding_a_recipe_earns_points_seen_at_once(browser: Browser, app_url: str) -> None:
    assert SPEC.points and SPEC.invites and [e.name for e in SPEC.entities] == ["Recipe"]
    context = browser.new_context(locale="es-ES")
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{app_url}/")
        page.get_by_role("navigation").get_by_role("link", name="Clasificación").click()
        expect(page).to_have_url(f"{app_url}/leaderboard")
        expect(page.locator("#standings-empty")).to_have_text(
            "Nadie tiene puntos todavía: añade algo y sé el primero."
        )

        page.get_by_role("link", name="Entrar").click()
        form = page.locator("#register-form")
        form.get_by_label("Nombre").fill("Ana")
        form.get_by_label("Correo electrónico").fill("ana@example.com")
        form.get_by_label("Contraseña").fill(PASSWORD)
        form.get_by_role("button", name="Crear una cuenta").click()
        expect(page).to_have_url(f"{app_url}/leaderboard")
        badge = page.locator("#my-points-badge")
        expect(badge).to_have_text("★ 0 pts")

        page.get_by_role("navigation").get_by_role("link", name="Recetas").click()
        page.get_by_role("button", name="Nuevo: Receta").click()
        page.locator("#field-title").fill("")
        page.get_by_role("button", name="Guardar").click()  # refused: no title, no points
        expect(page.locator('[data-error-for="title"]')).not_to_be_empty()
        expect(badge).to_have_text("★ 0 pts")
        page.locator("#field-title").fill("Tortilla de patatas")
        page.get_by_role("button", name="Guardar").click()
        expect(page.locator("#rows")).to_contain_text("Tortilla de patatas")
        expect(badge).to_have_text("★ 10 pts")  # without a reload

        badge.click()
        expect(page).to_have_url(f"{app_url}/leaderboard")
        row = page.locator("#standings tr").first
        expect(row).to_contain_text("1")
        expect(row).to_contain_text("Ana")
        expect(row).to_contain_text("10")
        expect(page.locator("#my-points")).to_have_text("Tus puntos: 10")
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-points.png"))
        page.locator("#account").get_by_role("link", name="Ana").click()
        expect(page.locator("#profile-points")).to_have_text("Tus puntos: 10")
        assert errors == []
    finally:
        context.close()


def test_an_invitation_link_brings_someone_in(browser: Browser, app_url: str) -> None:
    ana_context, bea_context = browser.new_context(locale="es-ES"), browser.new_context(locale="es-ES")
    errors: list[str] = []
    try:
        ana = ana_context.new_page()
        ana.on("pageerror", lambda error: errors.append(str(error)))
        ana.goto(f"{app_url}/invite")  # only an account invites: log in first
        expect(ana).to_have_url(f"{app_url}/login?next=%2Finvite")
        form = ana.locator("#register-form")
        form.get_by_label("Nombre").fill("Carla")
        form.get_by_label("Correo electrónico").fill("carla@example.com")
        form.get_by_label("Contraseña").fill(PASSWORD)
        form.get_by_role("button", name="Crear una cuenta").click()
        expect(ana).to_have_url(f"{app_url}/invite")
        invite = ana.locator("#invite-form")
        invite.get_by_label("Correo electrónico").fill("no-es-un-correo")
        invite.get_by_role("button", name="Crear la invitación").click()
        expect(invite.locator('[data-error-for="email"]')).not_to_be_empty()
        invite.get_by_label("Correo electrónico").fill("dani@example.com")
        invite.get_by_role("button", name="Crear la invitación").click()
        link = ana.locator("#invite-url")
        expect(link).to_have_value(re.compile(r"/login\?invite=[\w-]+$"))
        expect(ana.locator("#invites")).to_contain_text("dani@example.com · aún no se ha unido")
        points = ana.locator("#my-points-badge").inner_text()

        bea = bea_context.new_page()
        bea.on("pageerror", lambda error: errors.append(str(error)))
        bea.goto(link.input_value())
        expect(bea.locator("#invited-by")).to_have_text("Carla te ha invitado: crea tu cuenta para unirte.")
        form = bea.locator("#register-form")
        form.get_by_label("Nombre").fill("Dani")
        form.get_by_label("Correo electrónico").fill("dani@example.com")
        form.get_by_label("Contraseña").fill(PASSWORD)
        form.get_by_role("button", name="Crear una cuenta").click()
        expect(bea.locator("#account")).to_contain_text("Dani")

        ana.reload()
        expect(ana.locator("#invites")).to_contain_text("dani@example.com · se ha unido")
        expect(ana.locator("#my-points-badge")).not_to_have_text(points)  # 20 more for Dani
        assert errors == []
    finally:
        ana_context.close()
        bea_context.close()
