"""A new user's whole path in a real browser: sign up, generate, watch, edit, preview, download."""

from __future__ import annotations

import io
import re
import zipfile

from playwright.sync_api import expect

from tests.e2e.conftest import Browsing
from tests.platform import PASSWORD

ROLES = ["architect", "backend", "frontend", "devops", "tester", "security"]
LIBRARY = "Biblioteca con libros (título, autor, ISBN), socios y préstamos de libros a socios"
EDIT = " del barrio"


def sign_up_in_the_form(b: Browsing) -> None:
    page = b.page
    page.goto(b.url("/register"))
    page.get_by_role("button", name="Crear cuenta gratis").click()
    expect(page.locator("#email-error")).to_have_text("Escribe tu correo electrónico.")
    page.get_by_label("Correo electrónico").fill("alicia@example.com")
    page.get_by_label("Contraseña").fill("password")  # long enough locally; the server knows it is common
    page.get_by_role("button", name="Crear cuenta gratis").click()
    expect(page.locator("#password-error")).to_contain_text("demasiado común")
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    b.shot("register-validation", full_page=False)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Crear cuenta gratis").click()
    page.wait_for_url("**/chat")


def generate_and_watch(b: Browsing) -> str:
    """Start a Blueprint generation and see every step go running → succeeded; returns the run id."""
    page = b.page
    expect(page.get_by_test_id("credits-available")).to_have_text("100")
    expect(page.get_by_test_id("balance")).to_have_text("100 créditos")
    expect(page.get_by_role("button", name="Landing page con formulario de contacto")).to_be_visible()
    page.get_by_role("button", name="Dashboard con gráficos en tiempo real").click()
    expect(page.get_by_label("Describe qué quieres crear")).to_have_value(
        "Dashboard con gráficos en tiempo real"
    )
    page.get_by_label("Describe qué quieres crear").fill(LIBRARY)
    page.get_by_label("Nombre del proyecto").fill("Biblioteca")
    expect(page.get_by_label("Modelo")).to_have_value("blueprint")
    b.shot("chat-ready", full_page=False)
    page.get_by_role("button", name="Generar aplicación").click()
    page.wait_for_url(re.compile(r"/chat\?run=[0-9a-f]+$"))
    run_id = page.url.rsplit("=", 1)[1]
    steps = page.locator("#steps > li")
    expect(steps).to_have_count(6)
    assert [s.get_attribute("data-step") for s in steps.all()] == ROLES
    # Live, not replayed at the end: the tester is seen at work while the security step still waits.
    expect(page.locator('.step[data-step="tester"]')).to_have_attribute(
        "data-status", "running", timeout=60_000
    )
    expect(page.locator('.step[data-step="security"]')).to_have_attribute("data-status", "pending")
    expect(page.locator('.step[data-step="backend"]')).to_have_attribute("data-status", "succeeded")
    expect(page.locator("#run-percent")).to_have_text(re.compile(r"^(50|67|83)%$"))
    b.shot("chat-running")
    for role in ROLES:
        expect(page.locator(f'.step[data-step="{role}"]')).to_have_attribute(
            "data-status", "succeeded", timeout=180_000
        )
    expect(page.locator("#run-percent")).to_have_text("100%")
    expect(page.locator("#run-progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#run-status")).to_have_text("¡Aplicación lista y verificada!")
    expect(page.locator('.step[data-step="tester"] .step-meta')).to_contain_text("páginas: 5/5")
    expect(page.get_by_test_id("credits-available")).to_have_text("50")
    b.shot("chat-finished")
    return run_id


def edit_and_save(b: Browsing) -> None:
    page = b.page
    page.get_by_role("link", name="Abrir proyecto").click()
    page.wait_for_url(re.compile(r"/projects/[0-9a-f]+$"))
    expect(page.locator("#editor-path")).to_have_text("app/main.py")
    expect(page.locator(".CodeMirror-code .cm-keyword").first).to_be_visible()  # highlighted as Python
    page.get_by_role("button", name="index.html").click()
    expect(page.locator("#editor-path")).to_have_text("app/templates/index.html")
    expect(page.locator(".CodeMirror-code .cm-tag").first).to_be_visible()  # highlighted as HTML
    # Put the cursor right before </h1> and type, as a person would.
    page.evaluate(
        """() => {
          const cm = document.querySelector('.CodeMirror').CodeMirror;
          const line = cm.getValue().split('\\n').findIndex((l) => l.includes('<h1>'));
          cm.focus();
          cm.setCursor({line, ch: cm.getLine(line).indexOf('</h1>')});
        }"""
    )
    page.keyboard.type(EDIT)
    expect(page.locator("#editor-dirty")).to_be_visible()
    page.get_by_label("Mensaje del commit (opcional)").fill("Título del barrio")
    page.locator(".CodeMirror textarea").focus()
    page.keyboard.press("Control+s")
    expect(page.locator("#editor-status")).to_have_text(re.compile(r"Guardado como commit [0-9a-f]{7}\."))
    expect(page.locator("#editor-dirty")).to_be_hidden()
    b.shot("project-code", full_page=False)


def check_history(b: Browsing) -> None:
    page = b.page
    page.get_by_role("tab", name="Historial").click()
    first = page.locator(".commit").first
    expect(first).to_contain_text("Título del barrio")
    expect(first.locator(".role-tag")).to_have_text("Tú")
    tags = page.locator(".commit .role-tag")
    expect(tags).to_have_count(7)
    # Backend, frontend, devops and the tester's tests are written in parallel, so their order varies.
    roles = tags.all_inner_texts()
    assert roles[:2] == ["Tú", "Seguridad"] and roles[-1] == "Arquitecto"
    assert sorted(roles[2:6]) == ["Backend", "DevOps", "Frontend", "Tester"]
    first.get_by_role("button", name="Ver cambios").click()
    expect(page.locator("#diff-view .d-add")).to_contain_text(f"<h1>Biblioteca{EDIT}</h1>")
    b.shot("project-history", full_page=False)


def check_preview(b: Browsing) -> None:
    page = b.page
    page.get_by_role("tab", name="Vista previa").click()
    expect(page).to_have_url(re.compile(r"#preview$"))
    page.get_by_role("button", name="Iniciar vista previa").click()
    frame_el = page.locator("#preview-frame")
    expect(frame_el).to_be_visible(timeout=90_000)
    assert frame_el.get_attribute("sandbox") == "allow-scripts allow-forms allow-same-origin"
    app = page.frame_locator("#preview-frame")
    expect(app.locator("h1")).to_have_text(f"Biblioteca{EDIT}")  # the saved edit is what runs
    for entity in ("Libros", "Socios", "Préstamos"):
        expect(app.locator(".cards")).to_contain_text(entity)
    # Its own API answered through the proxy: the count of its sample records, added on the first start.
    expect(app.locator(".count strong").first).to_have_text(re.compile(r"^[1-9][0-9]*$"))
    b.shot("project-preview", full_page=False)

    # The generated code runs on another origin (its own, hence allow-same-origin): no session
    # cookie, no pass cookie to read (HttpOnly), no API as the user.
    frame = next(f for f in page.frames if ".preview.localhost" in f.url)
    b.console.expect(r"/api/auth/me")  # the blocked cross-origin call below
    probe = frame.evaluate(
        """async (app) => {
          let cookie;
          try { cookie = document.cookie; } catch (err) { cookie = 'blocked: ' + err.name; }
          let api;
          try {
            const r = await fetch(app + '/api/auth/me', {credentials: 'include'});
            api = 'status ' + r.status;
          } catch (err) { api = 'blocked: ' + err.name; }
          return {cookie, api, origin: self.origin};
        }""",
        b.server.url,
    )
    assert "autocrea_session" not in probe["cookie"] and "autocrea_preview" not in probe["cookie"]
    assert probe["api"] in ("blocked: TypeError", "status 401"), probe
    assert ".preview.localhost" in probe["origin"] and probe["origin"] != b.server.url

    # Its address alone opens nothing: another browser (no pass) gets a 403; the owner's link works.
    origin = probe["origin"]
    stranger = b.context.browser.new_context()  # type: ignore[union-attr]
    try:
        refused = stranger.new_page().goto(origin + "/")
        assert refused is not None and refused.status == 403
    finally:
        stranger.close()

    page.get_by_role("button", name="Detener").click()
    expect(frame_el).to_be_hidden()
    expect(page.get_by_role("button", name="Iniciar vista previa")).to_be_visible()


def check_zip_and_credits(b: Browsing, project_id: str) -> None:
    page = b.page
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar ZIP").click()
    data = download.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = {n.split("/", 1)[1] for n in archive.namelist() if not n.endswith("/")}
        index = archive.read(next(n for n in archive.namelist() if n.endswith("app/templates/index.html")))
    tree = b.api(f"/api/projects/{project_id}/tree")
    assert names == {f["path"] for f in tree["files"]}
    assert f"<h1>Biblioteca{EDIT}</h1>".encode() in index
    assert b.api("/api/auth/me")["credits"]["available"] == 50
    expect(page.get_by_test_id("credits-available")).to_have_text("50")


def restore_before_the_edit(b: Browsing) -> None:
    """Restore the security role's commit: a new commit by the user undoes the edit."""
    page = b.page
    page.get_by_role("tab", name="Historial").click()
    security = page.locator(".commit").nth(1)
    sha = security.get_attribute("data-sha") or ""
    page.once("dialog", lambda dialog: dialog.accept())
    security.get_by_role("button", name="Restaurar").click()
    page.wait_for_load_state("load")
    first = page.locator(".commit").first
    expect(first).to_contain_text(f"Restore {sha[:7]}")
    expect(first.locator(".role-tag")).to_have_text("Tú")
    expect(page.locator(".commit")).to_have_count(8)
    page.get_by_role("tab", name="Código").click()
    page.get_by_role("button", name="index.html").click()
    expect(page.locator(".CodeMirror-code")).to_contain_text("<h1>Biblioteca</h1>")


def test_new_user_generates_edits_previews_and_downloads(browsing: Browsing) -> None:
    b = browsing
    sign_up_in_the_form(b)
    b.console.expect(r"status of 400")  # the common password the form was refused
    generate_and_watch(b)
    edit_and_save(b)
    project_id = b.page.url.rsplit("/", 1)[1].split("#")[0]
    check_history(b)
    check_preview(b)
    # The tabs work from the keyboard too (arrow keys move between them).
    b.page.get_by_role("tab", name="Vista previa").focus()
    b.page.keyboard.press("ArrowRight")
    expect(b.page.get_by_role("tab", name="Historial")).to_be_focused()
    expect(b.page.get_by_role("tab", name="Historial")).to_have_attribute("aria-selected", "true")
    b.page.keyboard.press("ArrowRight")
    expect(b.page.get_by_role("tab", name="Evidencias")).to_have_attribute("aria-selected", "true")
    expect(b.page.get_by_test_id("ev-pages")).to_have_text("5/5")
    expect(b.page.get_by_test_id("ev-findings")).to_have_text("0")
    b.shot("project-evidence")
    check_zip_and_credits(b, project_id)
    restore_before_the_edit(b)
    b.page.goto(b.url("/projects"))
    row = b.page.locator(f'tr[data-project-id="{project_id}"]')
    expect(row).to_contain_text("Verificada")
    expect(row.locator("td").nth(4)).to_have_text("50")
    b.shot("projects")
    b.page.set_viewport_size({"width": 390, "height": 844})
    b.page.goto(b.url(f"/projects/{project_id}"))
    expect(b.page.locator(".CodeMirror-code .cm-keyword").first).to_be_visible()
    assert b.page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    b.shot("project-phone", full_page=False)
