"""The project's editor in a real browser: create a file and a folder, rename and delete them (a taken
name said in words), several files open in tabs that keep their unsaved edits, closing or leaving
with edits asks first, Ctrl+S saves; every edit makes the evidence an older version's, and Verify
proves the new version live until the badge says verified again."""

from __future__ import annotations

import re

from playwright.sync_api import Dialog, Page, expect

from tests.e2e.conftest import Browsing

LIBRARY = "Biblioteca con libros y socios"


def tree_file(page: Page, path: str) -> object:
    return page.locator(f'#file-tree .tree-file[data-path="{path}"]')


def tab(page: Page, path: str) -> object:
    return page.locator(f'#file-tabs .file-tab[data-path="{path}"]')


END = """() => {
  const cm = document.querySelector('.CodeMirror').CodeMirror;
  cm.focus();
  cm.execCommand('goDocEnd');
}"""
# Whether leaving the page now would ask first (the editor's beforeunload guard).
LEAVING = """() => {
  const e = new Event('beforeunload', { cancelable: true });
  dispatchEvent(e);
  return e.defaultPrevented;
}"""


def type_at_end(page: Page, text: str) -> None:
    page.evaluate(END)
    page.keyboard.type(text)


def name_it(page: Page, button: str, path: str, submit: str) -> None:
    page.get_by_role("button", name=button).click() if button else None
    field = page.locator("#tree-name")
    expect(field).to_be_focused()
    field.fill(path)
    page.locator("#tree-form").get_by_role("button", name=submit).click()


def test_files_and_folders_tabs_unsaved_guard_and_verify_after_an_edit(browsing: Browsing) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    b.console.expect(r"status of 409")  # the rename onto a taken name, refused on purpose
    project_id = b.generate(LIBRARY)
    badge = page.get_by_test_id("project-status")
    expect(badge).to_have_text("Verificada")
    generated = b.api(f"/api/projects/{project_id}/verification")["commit"]

    # A new file in a new folder: one commit, opened in a tab of its own; the evidence is now old.
    name_it(page, "Nuevo archivo", "notes/todo.md", "Crear")
    expect(tree_file(page, "notes/todo.md")).to_be_visible()
    expect(page.locator("#editor-path")).to_have_text("notes/todo.md")
    expect(tab(page, "notes/todo.md")).to_have_class(re.compile(r"is-active"))
    expect(badge).to_have_text(f"Sin verificar · evidencias de {generated[:7]}")
    expect(badge).to_have_attribute("data-state", "stale")
    type_at_end(page, "# Por hacer\n")
    expect(tab(page, "notes/todo.md").locator(".tab-dirty")).to_be_visible()
    page.keyboard.press("Control+s")
    expect(page.locator("#editor-status")).to_have_text(re.compile(r"Guardado como commit [0-9a-f]{7}\."))
    assert b.api(f"/api/projects/{project_id}/files/notes/todo.md")["content"] == "# Por hacer\n"

    # Rename it; a taken name is said in words and changes nothing.
    page.get_by_title("Renombrar notes/todo.md", exact=True).click()
    expect(page.locator("#tree-form-label")).to_have_text("Nuevo nombre de notes/todo.md")
    name_it(page, "", "README.md", "Renombrar")
    expect(page.locator("#tree-error")).to_have_text("Ya existe README.md: elige otro nombre.")
    b.shot("editor-rename-taken", full_page=False)
    page.locator("#tree-name").fill("notes/plan.md")
    page.locator("#tree-form").get_by_role("button", name="Renombrar").click()
    expect(tree_file(page, "notes/plan.md")).to_be_visible()
    expect(tree_file(page, "notes/todo.md")).to_have_count(0)
    expect(tab(page, "notes/plan.md")).to_be_visible()  # the open tab follows its file
    expect(page.locator("#editor-path")).to_have_text("notes/plan.md")
    b.shot("editor-files", full_page=False)

    # Two more tabs; each keeps its own unsaved edits when switching, without asking.
    tree_file(page, "README.md").click()
    expect(page.locator("#editor-path")).to_have_text("README.md")
    type_at_end(page, "\nEditado a mano.\n")
    readme = tab(page, "README.md")
    expect(readme.locator(".tab-dirty")).to_be_visible()
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))
    tree_file(page, "app/main.py").click()
    expect(page.locator("#editor-path")).to_have_text("app/main.py")
    expect(page.locator("#editor-dirty")).to_be_hidden()
    expect(page.locator(".CodeMirror-code .cm-keyword").first).to_be_visible()
    readme.locator(".file-tab-open").click()
    expect(page.locator(".CodeMirror-code")).to_contain_text("Editado a mano.")
    expect(page.locator("#editor-dirty")).to_be_visible()
    assert asked == []  # switching lost nothing, so nothing was asked
    # Leaving the page with unsaved edits asks (beforeunload); closing the tab asks too.
    assert page.evaluate(LEAVING) is True
    page.once("dialog", lambda dialog: dialog.dismiss())
    readme.locator(".file-tab-close").click()
    expect(readme).to_be_visible()
    assert asked[-1] == "README.md tiene cambios sin guardar. ¿Cerrarlo y descartarlos?"
    b.shot("editor-tabs", full_page=False)
    page.keyboard.press("Control+s")  # the focus stayed in the code panel
    expect(readme.locator(".tab-dirty")).to_be_hidden()
    assert page.evaluate(LEAVING) is False
    readme.locator(".file-tab-close").click()
    expect(readme).to_have_count(0)

    # A folder of its own, then delete it and the renamed file (each asks first).
    name_it(page, "Nueva carpeta", "docs/guias", "Crear")
    expect(tree_file(page, "docs/guias/.gitkeep")).to_be_visible()

    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_title("Eliminar docs", exact=True).click()
    expect(tree_file(page, "docs/guias/.gitkeep")).to_have_count(0)
    assert asked[-1].startswith("¿Eliminar la carpeta docs y sus 1 archivos?")
    page.once("dialog", accept)
    page.get_by_title("Eliminar notes/plan.md", exact=True).click()
    expect(tree_file(page, "notes/plan.md")).to_have_count(0)
    expect(tab(page, "notes/plan.md")).to_have_count(0)
    files = [f["path"] for f in b.api(f"/api/projects/{project_id}/tree")["files"]]
    assert not any(p.startswith(("notes/", "docs/")) for p in files)
    head = b.api(f"/api/projects/{project_id}/commits?limit=1")[0]
    assert head["message"] == "Delete notes/plan.md" and head["author_email"].startswith("e2e-")

    # The evidence names the older version; Verify proves this one live.
    page.get_by_role("tab", name="Evidencias").click()
    state = page.get_by_test_id("verify-state")
    expect(state).to_have_text(
        f"Estas evidencias son de una versión anterior ({generated[:7]}); "
        f"la actual ({head['sha'][:7]}) tiene cambios sin verificar."
    )
    expect(page.get_by_test_id("evidence")).to_have_attribute("data-kind", "generation")
    b.shot("evidence-stale", full_page=False)
    page.get_by_test_id("verify-evidence").click()
    expect(badge).to_have_text("Verificando…")
    steps = page.locator("#verify-steps > li")
    expect(steps).to_have_count(2)
    assert [s.get_attribute("data-step") for s in steps.all()] == ["tester", "security"]
    expect(page.locator('#verify-steps .vstep[data-step="tester"]')).to_have_attribute(
        "data-status", "succeeded", timeout=180_000
    )
    verified = f"Estas evidencias son de la versión actual ({head['sha'][:7]}): pruebas, arranque, páginas y "
    expect(state).to_have_text(verified + "seguridad en orden.", timeout=60_000)
    expect(badge).to_have_text("Verificada")
    expect(page.get_by_test_id("evidence")).to_have_attribute("data-kind", "verify")
    expect(page.get_by_test_id("ev-pages")).to_have_text("5/5")
    expect(page.get_by_test_id("evidence")).to_contain_text(f"Verificación de la versión {head['sha'][:7]}")
    b.shot("evidence-verified", full_page=False)
    # Free: the balance is what the generation left.
    assert b.api("/api/auth/me")["credits"]["available"] == 50
    # The chat can ask for changes again once the verification ended.
    expect(page.get_by_role("button", name="Enviar cambio")).to_be_enabled()
