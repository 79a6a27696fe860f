"""The project's Git panel in a real browser: save a remote with a token, push main to a real git
HTTP server, see a wrong token and a diverged remote said plainly (with a confirmed overwrite), and
the token never shown again."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest
from playwright.sync_api import expect

from autocrea.testing.git_server import GitServer, backend_path
from tests.conftest import need
from tests.e2e.conftest import Browsing
from tests.e2e.test_change_chat import LIBRARY

USER, TOKEN = "ana", "t0ken-for-pushing-9f3c"


@pytest.fixture
def git(tmp_path: Path) -> GitServer:
    need(backend_path() is not None, "git http-backend (Debian's git package)")
    server = GitServer(tmp_path / "git", username=USER, token=TOKEN).start()
    server.create("app.git")
    yield server  # type: ignore[misc]
    server.stop()


def test_a_project_is_pushed_to_its_own_remote_from_the_git_panel(browsing: Browsing, git: GitServer) -> None:
    b = browsing
    page = b.page
    b.sign_up()
    project_id = b.generate(LIBRARY)
    panel = page.get_by_test_id("push-box")
    panel.locator("summary").click()
    status = page.get_by_test_id("push-status")

    # A wrong token: saved, but the push is refused in words, nothing pushed.
    page.get_by_label("Dirección del repositorio (https://…)").fill(f"{git.url}/app.git")
    page.get_by_label("Usuario (opcional)").fill(USER)
    page.get_by_label("Token con permiso de escritura").fill("wrong-token")
    panel.get_by_role("button", name="Guardar remoto").click()
    expect(status).to_have_text("Remoto guardado.")
    b.console.expect(r"status of 400")
    panel.get_by_role("button", name="Enviar a Git").click()
    expect(status).to_contain_text("El remoto ha rechazado el token")

    # The right token: pushed; the remote's main is the project's HEAD.
    page.get_by_label("Token con permiso de escritura").fill(TOKEN)
    panel.get_by_role("button", name="Guardar remoto").click()
    expect(status).to_have_text("Remoto guardado.")
    expect(page.get_by_label("Token con permiso de escritura")).to_have_attribute(
        "placeholder", "guardado: …" + TOKEN[-4:] + " · vacío = se conserva"
    )
    panel.get_by_role("button", name="Enviar a Git").click()
    head = b.api(f"/api/projects/{project_id}/commits?limit=1")[0]["sha"]
    expect(status).to_have_text(f"Enviado: la rama main del remoto está en {head[:7]}.")
    remote = pygit2.Repository(str(git.root / "app.git"))
    assert str(remote.references["refs/heads/main"].target) == head

    # The remote moves on by itself: a plain push is refused, the overwrite asks first.
    sig = pygit2.Signature("someone", "someone@example.com")
    tree = remote.TreeBuilder().write()
    remote.create_commit(
        "refs/heads/main", sig, sig, "elsewhere", tree, [remote.references["refs/heads/main"].target]
    )
    b.console.expect(r"status of 409")
    panel.get_by_role("button", name="Enviar a Git").click()
    expect(status).to_contain_text("El remoto tiene commits que este proyecto no tiene")
    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name="Sobrescribir el remoto").click()
    expect(status).to_have_text(f"Enviado: la rama main del remoto está en {head[:7]}.")
    assert str(remote.references["refs/heads/main"].target) == head

    # After a reload the token is still only its end, and the last push is shown.
    page.reload()
    page.get_by_test_id("push-box").locator("summary").click()
    expect(page.get_by_test_id("push-status")).to_have_text(f"Último envío: {head[:7]}.")
    assert TOKEN not in page.content()
    b.shot("project-push")
