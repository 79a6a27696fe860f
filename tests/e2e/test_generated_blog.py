"""The seed example "Blog con CMS y autenticación" in Chromium: register, publish a post as its
author, and a second account can read it but not change it; a visitor is sent to log in; the post's
own page shows its comments, each linked to its own page; the author's profile lists the post and
changes her name and password."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.generated_app import serving_files

PASSWORD = "una contraseña larga"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    files = render_project(design("Blog con CMS y autenticación").spec)
    with serving_files(tmp_path_factory.mktemp("blog"), files, runtimes, {"SAMPLE_DATA": "0"}) as url:
        yield url


def _register(context: BrowserContext, url: str, name: str, email: str, errors: list[str]) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/posts")
    page.get_by_role("link", name="Entrar").click()
    expect(page).to_have_url(f"{url}/login?next=%2Fposts")
    form = page.locator("#register-form")
    form.get_by_label("Nombre").fill(name)
    form.get_by_label("Correo electrónico").fill(email)
    form.get_by_label("Contraseña").fill(PASSWORD)
    form.get_by_role("button", name="Crear una cuenta").click()
    expect(page).to_have_url(f"{url}/posts")  # back where they were
    expect(page.locator("#account")).to_contain_text(name)
    return page


def test_an_author_publishes_and_nobody_else_may_change_the_post(browser: Browser, app_url: str) -> None:
    errors: list[str] = []
    contexts = [browser.new_context(locale="es-ES") for _ in range(3)]
    try:
        # Before the page's script is ready (here: it never is), nothing typed can be sent in the URL.
        early = contexts[2].new_page()
        early.route("**/api/auth/session", lambda route: None)  # the session check never answers
        early.goto(f"{app_url}/login")
        early.locator("#register-form").get_by_label("Contraseña").fill(PASSWORD)
        early.locator("#register-form").get_by_label("Contraseña").press("Enter")
        early.locator("#register-form").get_by_role("button", name="Crear una cuenta").click(force=True)
        expect(
            early.locator("#register-form").get_by_role("button", name="Crear una cuenta")
        ).to_be_disabled()
        assert early.url == f"{app_url}/login", early.url
        early.close()

        ana = _register(contexts[0], app_url, "Ana", "ana@example.com", errors)
        # A short password is refused next to its field, in Spanish, and nothing is lost.
        bea = contexts[1].new_page()
        bea.on("pageerror", lambda error: errors.append(str(error)))
        bea.goto(f"{app_url}/login")
        form = bea.locator("#register-form")
        form.get_by_label("Nombre").fill("Bea")
        form.get_by_label("Correo electrónico").fill("bea@example.com")
        form.get_by_label("Contraseña").fill("corta")
        form.get_by_role("button", name="Crear una cuenta").click()
        expect(form.locator('[data-error-for="password"]')).to_have_text("Usa al menos 8 caracteres.")
        expect(form.get_by_label("Nombre")).to_have_value("Bea")
        bea.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-blog-login.png"))
        form.get_by_label("Contraseña").fill(PASSWORD)
        form.get_by_role("button", name="Crear una cuenta").click()
        expect(bea).to_have_url(f"{app_url}/")
        expect(bea.locator("#account")).to_contain_text("Bea")

        ana.get_by_role("button", name="Nuevo: Publicación").click()
        ana.locator("#field-title").fill("Hola, mundo")
        ana.locator("#field-content").fill("La primera publicación del blog.")
        ana.get_by_role("button", name="Guardar").click()
        expect(ana.locator("#rows")).to_contain_text("Hola, mundo")
        expect(ana.get_by_role("button", name="Editar: Hola, mundo")).to_be_visible()
        expect(ana.locator("#rows tr", has_text="Hola, mundo")).to_contain_text("Ana")  # signed by its author
        ana.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-blog-author.png"))

        # Bea reads the post, sees no way to change it, and the API refuses her anyway.
        bea.goto(f"{app_url}/posts")
        expect(bea.locator("#rows")).to_contain_text("Hola, mundo")
        expect(bea.get_by_role("button", name="Editar: Hola, mundo")).to_have_count(0)
        expect(bea.get_by_role("button", name="Eliminar: Hola, mundo")).to_have_count(0)
        refused: Any = bea.evaluate(
            """async () => {
              const csrf = document.cookie.split('; ').find((c) => c.startsWith('csrf_token=')).slice(11);
              const response = await fetch('/api/posts/1', {
                method: 'DELETE', headers: {'X-App-CSRF': csrf},
              });
              return [response.status, (await response.json()).error.code];
            }"""
        )
        assert refused == [403, "forbidden"]

        # A visitor reads too, and is sent to log in to write.
        visitor = contexts[2].new_page()
        visitor.goto(f"{app_url}/posts")
        expect(visitor.locator("#rows")).to_contain_text("Hola, mundo")
        visitor.get_by_role("button", name="Nuevo: Publicación").click()
        expect(visitor).to_have_url(f"{app_url}/login?next=%2Fposts")

        # A comment on the post, then the post's own page: its fields and its comments.
        ana.get_by_role("navigation").get_by_role("link", name="Comentarios").click()
        ana.get_by_role("button", name="Nuevo: Comentario").click()
        ana.locator("#field-author_name").fill("Ana")
        ana.locator("#field-content").fill("¡Bienvenidos!")
        ana.locator("#field-post_id").select_option(label="Hola, mundo")
        ana.get_by_role("button", name="Guardar").click()
        expect(ana.locator("#rows")).to_contain_text("Hola, mundo")  # the post it is on
        ana.get_by_role("navigation").get_by_role("link", name="Publicaciones").click()
        ana.locator("#rows").get_by_role("link", name="Hola, mundo").click()
        expect(ana).to_have_url(re.compile(r"/posts/\d+$"))
        expect(ana.get_by_role("heading", level=1)).to_have_text("Hola, mundo")
        expect(ana.locator("#record-fields")).to_contain_text("La primera publicación del blog.")
        comments = ana.get_by_role("region", name=re.compile("^Comentarios"))
        expect(comments).to_contain_text("(1)")
        expect(comments).to_contain_text("¡Bienvenidos!")  # what it says, beside its author
        # A second comment from the post's own page: the editor opens already on this post.
        post_page = ana.url
        comments.get_by_role("link", name="Nuevo: Comentario").click()
        ana.locator("#field-author_name").fill("Ana")
        ana.locator("#field-content").fill("Y otro más.")
        ana.get_by_role("button", name="Guardar").click()
        expect(ana).to_have_url(post_page)  # back on the post
        comments = ana.get_by_role("region", name=re.compile("^Comentarios"))
        expect(comments).to_contain_text("(2)")
        expect(comments).to_contain_text("Y otro más.")
        comments.get_by_role("link", name="Ana").last.click()  # a comment is titled by its author
        expect(ana).to_have_url(re.compile(r"/comments/\d+$"))
        expect(ana.locator("#record-fields")).to_contain_text("¡Bienvenidos!")
        expect(ana.locator("#record-fields").get_by_role("link", name="Hola, mundo")).to_be_visible()
        # Beside the link, what the post says of itself (its author); and the page prints.
        expect(ana.locator("#record-fields .linked-fields")).to_contain_text("Autor")
        expect(ana.get_by_role("button", name="Imprimir")).to_be_visible()
        ana.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-blog-record.png"))
        ana.goto(f"{app_url}/posts/999999")
        expect(ana.locator("#status")).to_have_text("Este registro no existe (o ya no existe).")

        # Her profile: what she wrote, her name (a bad one is refused in place) and her password.
        ana.locator("#account").get_by_role("link", name="Ana").click()
        expect(ana).to_have_url(f"{app_url}/profile")
        expect(ana.get_by_role("heading", level=1)).to_have_text("Mi perfil")
        expect(ana.locator("#profile-summary")).to_contain_text("Miembro desde el")
        mine = ana.get_by_role("region", name=re.compile("^Publicaciones"))
        expect(mine).to_contain_text("(1)")
        expect(mine.get_by_role("link", name="Hola, mundo")).to_have_attribute(
            "href", re.compile(r"^/posts/\d+$")
        )
        profile = ana.locator("#profile-form")
        profile.get_by_label("Nombre").fill("   ")
        profile.get_by_role("button", name="Guardar").click()
        expect(profile.locator('[data-error-for="name"]')).not_to_be_empty()
        profile.get_by_label("Nombre").fill("Ana María")
        profile.get_by_role("button", name="Guardar").click()
        expect(profile.locator("[data-form-status]")).to_have_text("Guardado.")
        expect(ana.locator("#account")).to_contain_text("Ana María")
        # Her profile picture: one of the offered avatars, in the header too.
        expect(ana.locator("#account .avatar")).to_have_text("A")  # her initial until she chooses
        profile.get_by_label("Búho").check()
        profile.get_by_role("button", name="Guardar").click()
        expect(ana.locator("#account .avatar svg")).to_have_count(1)
        expect(ana.locator("#account .avatar")).not_to_have_class(re.compile("initial"))
        expect(ana.locator("#profile-avatar svg")).to_have_count(1)
        ana.reload()  # kept by the server
        expect(ana.get_by_label("Búho")).to_be_checked()
        password = ana.locator("#password-form")
        password.get_by_label("Contraseña actual").fill("no es esta")
        password.get_by_label("Nueva contraseña").fill("otra contraseña larga")
        password.get_by_role("button", name="Cambiar la contraseña").click()
        expect(password.locator('[data-error-for="current_password"]')).to_have_text(
            "La contraseña actual no es correcta."
        )
        password.get_by_label("Contraseña actual").fill(PASSWORD)
        password.get_by_role("button", name="Cambiar la contraseña").click()
        expect(password.locator("[data-form-status]")).to_contain_text("Contraseña cambiada")
        ana.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-blog-profile.png"))
        # A visitor who opens the profile is sent to log in.
        visitor.goto(f"{app_url}/profile")
        expect(visitor).to_have_url(f"{app_url}/login?next=%2Fprofile")

        # Ana logs out: the session ends, and the post stays hers.
        ana.get_by_role("button", name="Salir").click()
        expect(ana).to_have_url(f"{app_url}/")
        expect(ana.locator("#account")).to_contain_text("Entrar")
        assert not errors, errors
    finally:
        for context in contexts:
            context.close()
