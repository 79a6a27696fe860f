"""Generated projects really work: their own pytest suite passes, the app boots under uvicorn and
every page answers, and the secrets scanner finds nothing.

Slow (a pip install the first time, seconds per app after). The shared runtime is a virtualenv
made with the system Python from the generated requirements.txt, cached under
the suite's runtime cache (tests/conftest.py) by a hash of that file.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.domain.appspec import AppSpec
from autocrea.sandbox.runtime import RuntimeCache
from tests.fixtures.specs import ACTIVITIES, ALL, edge, library
from tests.generated_app import serving, write_project

pytestmark = pytest.mark.slow


def blog() -> AppSpec:
    """The seed blog with accounts, as the architect designs it."""
    return design("Blog con CMS y autenticación").spec


def gallery() -> AppSpec:
    """Votes without accounts (one per browser) and uploads."""
    return design("A photo gallery where users upload pictures and vote on them").spec


def forum() -> AppSpec:
    """Votes with accounts (one per account), in Spanish; contact messages only administrators read."""
    return design(
        "Un foro donde los usuarios se registran con su cuenta, publican ideas y votan las mejores, "
        "con formulario de contacto"
    ).spec


def social() -> AppSpec:
    """Points and a leaderboard: accounts earn them for the pictures they upload, the votes those get
    and the friends they invite who join."""
    return design(
        "A social website where users register, invite friends, upload pictures, vote on pictures and "
        "earn points"
    ).spec


def survey() -> AppSpec:
    """A survey's responses filled in by the public, read by administrators, charted on the dashboard."""
    return design(
        "A health survey website for women to fill out and submit health information, with permission "
        "management and reporting functions"
    ).spec


def requests() -> AppSpec:
    """Requests sent from a form on the home page (no accounts), in Spanish."""
    return design(
        "Una web de viajes de golf con paquetes y hoteles. Los clientes envían solicitudes desde el "
        "formulario de la página de inicio según sus preferencias de hotel, vuelo, transporte y golf"
    ).spec


def support() -> AppSpec:
    """Customer support chat (visitors by cookie or account, administrators answer), in Spanish."""
    return design("Una tienda online de bicicletas con chat de atención al cliente").spec


def community() -> AppSpec:
    """A community chat's rooms, without accounts (display names)."""
    return design("A technical website with solutions where users communicate with other users").spec


SPECS = {
    **ALL,
    "edge": edge,
    "blog": blog,
    "gallery": gallery,
    "forum": forum,
    "social": social,
    **ACTIVITIES,
    "survey": survey,
    "requests": requests,
    "support": support,
    "community": community,
}


def _clean_env(**extra: str) -> dict[str, str]:
    """Only what a subprocess needs: no DATABASE_URL or virtualenv of ours leaks in."""
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    return {**keep, "PYTHONDONTWRITEBYTECODE": "1", **extra}


@pytest.fixture(scope="session")
def runtime(runtimes: RuntimeCache) -> Path:
    """The shared virtualenv with the generated requirements installed (created once, reused)."""
    requirements = render_project(library())["requirements.txt"]
    return asyncio.run(runtimes.ensure(requirements)).path


def _write(root: Path, spec: AppSpec) -> Path:
    return write_project(root, render_project(spec))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_generated_project_passes_its_own_tests(runtimes: RuntimeCache, tmp_path: Path, name: str) -> None:
    project = _write(tmp_path / name, SPECS[name]())
    # A shop's requirements add Stripe's SDK: each set of requirements has its own runtime.
    runtime = asyncio.run(runtimes.ensure((project / "requirements.txt").read_text())).path
    started = time.monotonic()
    command = [str(runtime / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-W", "error::DeprecationWarning"],
        cwd=project,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
    print(f"{name}: generated pytest {seconds:.1f}s -> {result.stdout.strip().splitlines()[-1]}")
    assert not (project / "data").exists(), "tests must not touch the default database"


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers.get("content-type", ""), response.read().decode("utf-8")


def test_generated_app_boots_and_serves_every_page(runtime: Path, tmp_path: Path) -> None:
    spec = library()
    project = _write(tmp_path / "app", spec)
    with serving(project, runtime, _clean_env()) as base:
        for page in spec.pages:
            status, content_type, body = _get(base + page.path)
            assert status == 200, page.path
            assert content_type.startswith("text/html"), page.path
            assert page.title in html.unescape(body), page.path
        status, _, body = _get(f"{base}/openapi.json")
        assert status == 200
        assert {f"/api/{entity.table}" for entity in spec.entities} <= set(json.loads(body)["paths"])
        for asset in ("app.js", "charts.js", "styles.css"):
            assert _get(f"{base}/static/{asset}")[0] == 200
        assert (project / "data" / "app.db").exists(), "the default SQLite file is created on start"


def test_generated_projects_hold_no_secrets(tmp_path: Path) -> None:
    for name, build in SPECS.items():
        project = _write(tmp_path / name, build())
        result = subprocess.run(
            [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(result.stdout)["results"] == {}, name
