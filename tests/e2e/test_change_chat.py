"""Changing an app from its project page, in a real browser: generate a library, ask the project's
chat for a new field, watch the change run live (a reload re-attaches to it), see the thread list the
changes, files and evidence, pay 10 credits, find the field in the files and in the restarted
preview, look at the diff, Undo it; a request the engine cannot map costs nothing. Then the preview's
own data: a book added in it before a change is still listed after it (with the new field), a hand
edit outlives a later change, a change that clashes with a hand edit is refused whole, and Reset
data brings the preview back to its sample records alone."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Browsing

LIBRARY = "Biblioteca con libros y socios"
EDITORIAL = "añade un campo editorial a los libros"
STEPS = ["change", "tester", "security", "version"]


def book_fields(b: Browsing, frame_url: str) -> Any:
    """The Book schema's fields as the running preview's own API describes them."""
    # The iframe's src changes a moment before its frame navigates there: wait for the frame.
    deadline = time.monotonic() + 30
    while True:
        frame = next(
            (f for f in b.page.frames if ".preview.localhost" in f.url and f.url.startswith(frame_url[:30])),
            None,
        )
        if frame is not None or time.monotonic() > deadline:
            break
        b.page.wait_for_timeout(100)
    assert frame is not None, f"no preview frame at {frame_url[:30]}: {[f.url for f in b.page.frames]}"
    frame.wait_for_load_state()
    return frame.evaluate(
        """async () => {
          const spec = await (await fetch('/openapi.json')).json();
          const name = Object.keys(spec.components.schemas).find((n) => /^Book(Out|Read)?$/.test(n))
            || Object.keys(spec.components.schemas).find((n) => n.startsWith('Book'));
          return Object.keys(spec.components.schemas[name].properties);
        }"""
    )


def test_a_change_from_the_project_chat_is_verified_paid_shown_and_undone(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    project_id = b.generate(LIBRARY)
    thread = page.get_by_test_id("thread")
    expect(thread.get_by_test_id("msg-generation")).to_contain_text(LIBRARY)
    expect(thread).to_contain_text("App generada y verificada.")
    expect(page.get_by_test_id("change-balance")).to_have_text("50 créditos")
    expect(page.get_by_role("button", name="Deshacer último cambio")).to_be_hidden()

    # A preview running before the change is restarted at the new version after it.
    page.get_by_role("tab", name="Vista previa").click()
    page.get_by_role("button", name="Iniciar vista previa").click()
    frame = page.locator("#preview-frame")
    expect(frame).to_be_visible(timeout=90_000)
    first_preview = frame.get_attribute("src") or ""
    assert "editorial" not in book_fields(b, first_preview)

    # Ask for the change; its steps run live, and a reload mid-run follows the same run again.
    box = page.get_by_label("¿Qué quieres cambiar?")
    box.fill(EDITORIAL)
    page.get_by_role("button", name="Enviar cambio").click()
    live = page.locator("#change-live")
    expect(live).to_be_visible()
    expect(thread.get_by_test_id("msg-change")).to_contain_text(EDITORIAL)
    page.reload()
    expect(live).to_be_visible()
    steps = page.locator("#steps > li")
    expect(steps).to_have_count(4)
    assert [s.get_attribute("data-step") for s in steps.all()] == STEPS
    expect(page.locator('.step[data-step="change"] .step-name')).to_have_text("Cambio")
    expect(page.locator('.step[data-step="version"] .step-name')).to_have_text("Versión")
    change = thread.get_by_test_id("msg-change")
    expect(change).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(live).to_be_hidden()

    # The thread says what changed, where, what it proved and what it cost.
    expect(change.get_by_test_id("change-list")).to_have_text("añadir el campo Editorial a Libros")
    expect(change).to_contain_text(re.compile(r"Cambio verificado: versión [0-9a-f]{7}\."))
    expect(change.locator('li[data-path="app/models.py"]')).to_contain_text("app/models.py +1 −0")
    expect(change.get_by_test_id("change-evidence")).to_contain_text(
        re.compile(r"\d+ pruebas superadas · 5/5 páginas")
    )
    expect(change).to_contain_text("10 créditos cobrados")
    expect(page.get_by_test_id("change-balance")).to_have_text("40 créditos")
    expect(page.get_by_test_id("credits-available")).to_have_text("40")
    me = b.api("/api/auth/me")["credits"]
    assert (me["spent"], me["held"], me["available"]) == (60, 0, 40)
    assert "editorial" in b.api(f"/api/projects/{project_id}/files/app/models.py")["content"]
    head = b.api(f"/api/projects/{project_id}/commits?limit=1")[0]
    expect(page.locator("#head-sha")).to_have_text(head["sha"][:7])

    # The preview runs the new version: its own API has the field.
    expect(frame).not_to_have_attribute("src", first_preview, timeout=90_000)
    expect(page.locator("#preview-state")).to_have_text("En marcha", timeout=90_000)
    assert "editorial" in book_fields(b, frame.get_attribute("src") or "")
    b.shot("project-change-thread", full_page=False)

    # The files link to the diff of the change's commit in the History tab.
    change.get_by_role("button", name="Ver diferencias").click()
    expect(page.get_by_role("tab", name="Historial")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#diff-view .d-add").filter(has_text="editorial").first).to_be_visible()
    expect(page.locator(".commit").first.locator(".role-tag")).to_have_text("Cambio")

    # Undo: free, the version before comes back as a new commit, said in the thread.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deshacer último cambio").click()
    undo = thread.get_by_test_id("msg-undo")
    expect(undo).to_contain_text("Cambio deshecho")
    expect(change.locator(".badge-undone")).to_have_text("Deshecho")
    expect(page.get_by_role("button", name="Deshacer último cambio")).to_be_hidden()
    assert "editorial" not in b.api(f"/api/projects/{project_id}/files/app/models.py")["content"]
    assert b.api("/api/auth/me")["credits"]["available"] == 40
    expect(page.get_by_test_id("change-balance")).to_have_text("40 créditos")

    # A request the offline engine cannot map: a plain answer, nothing charged, nothing queued.
    b.console.expect(r"status of 400")
    box.fill("hazla más bonita")
    page.get_by_role("button", name="Enviar cambio").click()
    alert = page.get_by_test_id("change-alert")
    expect(alert).to_contain_text("No puedo hacerlo sin modelo")
    expect(alert).to_contain_text("No se ha cobrado nada")
    expect(live).to_be_hidden()
    assert b.api("/api/auth/me")["credits"] == me
    assert [m["kind"] for m in b.api(f"/api/projects/{project_id}/changes")["messages"]] == [
        "generation",
        "change",
        "undo",
    ]
    b.shot("project-change-refused")


SOCIOS = "<h1>Socios</h1>"
SOCIOS_EDITED = "<h1>Socios de la biblioteca</h1>"
IDIOMA = "añade un campo idioma a los libros"


def call(b: Browsing, method: str, path: str, data: Any = None) -> tuple[int, Any]:
    """AUTOCREA's API from the page, as its scripts call it (session cookie and CSRF token)."""
    status, body = b.page.evaluate(
        """async ([method, path, data]) => {
          const init = {method, headers: {'X-CSRF-Token': document.body.dataset.csrf,
                                           'content-type': 'application/json'}};
          if (data !== null) init.body = JSON.stringify(data);
          const response = await fetch(path, init);
          return [response.status, await response.json().catch(() => null)];
        }""",
        [method, path, data],
    )
    return status, body


def test_preview_records_and_hand_edits_outlive_a_change_and_a_clash_is_refused_whole(
    browsing: Browsing,
) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    project_id = b.generate(LIBRARY)
    files = f"/api/projects/{project_id}/files"
    commits = f"/api/projects/{project_id}/commits?limit=1"

    # A book added in the running preview, through the app's own form, before any change.
    page.get_by_role("tab", name="Vista previa").click()
    page.get_by_role("button", name="Iniciar vista previa").click()
    frame = page.locator("#preview-frame")
    expect(frame).to_be_visible(timeout=90_000)
    app = page.frame_locator("#preview-frame")
    app.get_by_role("navigation").get_by_role("link", name="Libros").click()
    # The app started with its sample records: their titles (the first column), newest first.
    sample_titles = app.locator("#rows tr:not(:has(td.empty)) td:first-child")
    expect(sample_titles.first).to_be_visible()
    samples = sample_titles.all_inner_texts()
    assert samples and "Rayuela" not in samples
    app.get_by_role("button", name="Nuevo: Libro").click()
    app.locator("#field-title").fill("Rayuela")
    app.get_by_role("button", name="Guardar").click()
    expect(app.locator("#rows")).to_contain_text("Rayuela")
    b.shot("preview-data-before-change", full_page=False)

    # A hand edit, saved as its own commit: the members page's heading.
    members = b.api(f"{files}/app/templates/members.html")["content"]
    assert SOCIOS in members
    status, saved = call(
        b, "PUT", f"{files}/app/templates/members.html", {"content": members.replace(SOCIOS, SOCIOS_EDITED)}
    )
    assert status == 200, saved

    # A change from the chat: verified, the hand edit kept, the preview restarted on the same data.
    first_preview = frame.get_attribute("src") or ""
    box = page.get_by_label("¿Qué quieres cambiar?")
    box.fill(EDITORIAL)
    page.get_by_role("button", name="Enviar cambio").click()
    change = page.get_by_test_id("thread").get_by_test_id("msg-change")
    expect(change).to_have_attribute("data-status", "succeeded", timeout=120_000)
    assert SOCIOS_EDITED in b.api(f"{files}/app/templates/members.html")["content"]
    expect(frame).not_to_have_attribute("src", first_preview, timeout=90_000)
    expect(page.locator("#preview-state")).to_have_text("En marcha", timeout=90_000)
    app.get_by_role("navigation").get_by_role("link", name="Libros").click()
    expect(app.locator("#rows")).to_contain_text("Rayuela")  # the record from before the change
    expect(app.locator("thead")).to_contain_text("Editorial")  # the new field, listed
    app.get_by_role("button", name="Nuevo: Libro").click()
    form = app.locator("#record-form")
    expect(form.get_by_label("Editorial", exact=True)).to_be_visible()  # and in its form
    b.shot("preview-data-after-change", full_page=False)
    form.get_by_label("Editorial", exact=True).fill("Sudamericana")
    form.locator("#field-title").fill("Cien años de soledad")
    app.get_by_role("button", name="Guardar").click()
    expect(app.locator("#rows")).to_contain_text("Sudamericana")
    expect(app.locator("#rows")).to_contain_text("Rayuela")
    app.get_by_role("navigation").get_by_role("link", name="Socios").click()
    expect(app.get_by_role("heading", level=1)).to_have_text("Socios de la biblioteca")  # the hand edit

    # A hand edit on the very lines a change would rewrite: the change is refused, naming the file;
    # HEAD, the files and the credits stay as they were.
    models = b.api(f"{files}/app/models.py")["content"]
    anchor = next(line for line in models.splitlines() if line.strip().startswith("editorial:"))
    edited = models.replace(anchor, anchor + "\n    shelf: Mapped[str | None] = mapped_column(sa.String(20))")
    before_edit = frame.get_attribute("src") or ""
    status, saved = call(b, "PUT", f"{files}/app/models.py", {"content": edited})
    assert status == 200, saved
    # Saved outside this page, it restarted the preview: the page follows the app that now runs.
    expect(frame).not_to_have_attribute("src", before_edit, timeout=30_000)
    head = b.api(commits)[0]["sha"]
    credits = b.api("/api/auth/me")["credits"]
    messages = b.api(f"/api/projects/{project_id}/changes")["messages"]
    b.console.expect(r"status of 409")
    box.fill(IDIOMA)
    page.get_by_role("button", name="Enviar cambio").click()
    alert = page.get_by_test_id("change-alert")
    expect(alert).to_contain_text("app/models.py")
    expect(alert).to_contain_text("Este cambio toca líneas que editaste a mano")  # the app's language
    expect(page.locator("#change-live")).to_be_hidden()
    page.get_by_test_id("change-alert").scroll_into_view_if_needed()
    b.shot("project-change-clash")
    assert b.api(commits)[0]["sha"] == head
    assert b.api(f"{files}/app/models.py")["content"] == edited
    assert SOCIOS_EDITED in b.api(f"{files}/app/templates/members.html")["content"]
    assert b.api("/api/auth/me")["credits"] == credits
    assert b.api(f"/api/projects/{project_id}/changes")["messages"] == messages
    # The preview's records are still there, too.
    app.get_by_role("navigation").get_by_role("link", name="Libros").click()
    expect(app.locator("#rows")).to_contain_text("Rayuela")

    # "Borrar datos" (after a confirm) empties them: the app starts again, same version, with its
    # sample records alone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Borrar datos").click()
    expect(page.get_by_text("Datos de la vista previa borrados.")).to_be_visible(timeout=90_000)
    expect(page.locator("#preview-state")).to_have_text("En marcha", timeout=90_000)
    app.get_by_role("navigation").get_by_role("link", name="Libros").click()
    expect(app.locator("#rows")).not_to_contain_text("Rayuela")
    expect(sample_titles).to_have_text(samples)
    b.shot("preview-data-reset", full_page=False)
