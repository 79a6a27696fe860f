"""A generated app answers in its spec's language: each Spanish fixture app (and the Spanish seed
blog the architect designs, logged in) is booted in the shared runtime with FastAPI's TestClient, and
its 422 messages, its 404 answers and its home page's stub note are read; an English app stays English.

Slow: it needs the generated runtime (see test_render_generated.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.domain.appspec import AppSpec
from autocrea.sandbox.runtime import RuntimeCache
from tests.fixtures.specs import library, shop, todo
from tests.generated_app import write_project

pytestmark = pytest.mark.slow

# Requests the app answers in the test client; prints the answers as JSON.
PROBE = """
import json
import sys

from fastapi.testclient import TestClient

from app.main import app

table, field = sys.argv[1], sys.argv[2]
with TestClient(app) as client:
    account = {"email": "ana@example.com", "name": "Ana", "password": "a long password"}
    if client.post("/api/auth/register", json=account).status_code == 201:  # an app with accounts
        client.headers["X-App-CSRF"] = client.cookies["csrf_token"]
    answers = {
        "missing": client.post(f"/api/{table}", json={}).json(),
        "too_long": client.post(f"/api/{table}", json={field: "x" * 300}).json(),
        "page": client.get(f"/api/{table}", params={"page": 0}).json(),
        "no_row": client.get(f"/api/{table}/999999").json(),
        "no_page": client.get("/no-such-page").json(),
        "home": client.get("/").text,
    }
print(json.dumps(answers))
"""


def _blog() -> AppSpec:
    return design("Blog con CMS y autenticación").spec


# app -> (spec, table, a required string field of at most 200 characters, expected phrases)
CASES: dict[str, tuple[Callable[[], AppSpec], str, str, dict[str, str]]] = {
    "library": (
        library,
        "books",
        "title",
        {
            "required": "Este campo es obligatorio.",
            "too_long": "Usa como máximo 200 caracteres.",
            "page": "Introduce 1 o más.",
            "no_row": "No existe libro con id 999999.",
            "no_page": "No encontrado.",
            "validation": "Algunos campos no son válidos.",
        },
    ),
    "shop": (
        shop,
        "products",
        "name",
        {
            "required": "Este campo es obligatorio.",
            "too_long": "Usa como máximo 200 caracteres.",
            "page": "Introduce 1 o más.",
            "no_row": "No existe producto con id 999999.",
            "no_page": "No encontrado.",
            "validation": "Algunos campos no son válidos.",
            "stub": "Pagos con Stripe",
        },
    ),
    "blog": (
        _blog,
        "posts",
        "title",
        {
            "required": "Este campo es obligatorio.",
            "too_long": "Usa como máximo 200 caracteres.",
            "page": "Introduce 1 o más.",
            "no_row": "No existe Publicación con id 999999.",
            "no_page": "No encontrado.",
            "validation": "Algunos campos no son válidos.",
        },
    ),
    "todo (English)": (
        todo,
        "tasks",
        "title",
        {
            "required": "This field is required.",
            "too_long": "Use at most 200 characters.",
            "page": "Enter 1 or more.",
            "no_row": "There is no task with id 999999.",
            "no_page": "Not found.",
            "validation": "Some fields are not valid.",
        },
    ),
}


def _messages(answer: dict[str, dict[str, object]], field: str) -> set[object]:
    details = answer["error"]["details"]
    assert isinstance(details, list)
    return {detail["message"] for detail in details if detail["field"] == field}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_answers_in_its_language(runtimes: RuntimeCache, tmp_path: Path, name: str) -> None:
    build, table, field, expected = CASES[name]
    project = write_project(tmp_path / "app", render_project(build()))
    runtime = asyncio.run(runtimes.ensure((project / "requirements.txt").read_text())).path
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(project),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
    }
    result = subprocess.run(
        [str(runtime / "bin" / "python"), str(tmp_path / "probe.py"), table, field],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout)
    assert answers["missing"]["error"]["message"] == expected["validation"]
    assert _messages(answers["missing"], field) == {expected["required"]}
    assert _messages(answers["too_long"], field) == {expected["too_long"]}
    assert _messages(answers["page"], "page") == {expected["page"]}
    assert answers["no_row"]["error"]["message"] == expected["no_row"]
    assert answers["no_page"]["error"]["message"] == expected["no_page"]
    if "stub" in expected:
        assert expected["stub"] in answers["home"]
