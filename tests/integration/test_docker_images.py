"""Images really build: AUTOCREA's own, and a Blueprint-generated app's, where a Docker engine answers.

Only the Blueprint's own Dockerfile is built here (our template, not a model's): the server never
builds a generated Dockerfile, whose RUN steps would be generated code outside the sandbox.
Without an engine these skip, also under AUTOCREA_REQUIRE_SERVICES=1 (Docker is not a CI service).
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from autocrea.blueprint.render import render_project
from tests.docker_engine import need_engine
from tests.fixtures.specs import library

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _build_and_run(context: Path, *command: str) -> str:
    tag = f"autocrea-test-{uuid.uuid4().hex[:12]}"
    try:
        build = subprocess.run(
            ["docker", "build", "-q", "-t", tag, str(context)], capture_output=True, text=True, timeout=1800
        )
        assert build.returncode == 0, build.stderr[-3000:]
        run = subprocess.run(
            ["docker", "run", "--rm", tag, *command], capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0, run.stderr[-3000:]
        return run.stdout
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=120)


def test_autocrea_image_builds_and_runs_as_its_own_user() -> None:
    need_engine()
    out = _build_and_run(ROOT, "sh", "-c", "id -un && autocrea --help && command -v bwrap git")
    assert out.splitlines()[0] == "autocrea"
    assert "serve" in out and "/bwrap" in out


def test_a_generated_apps_image_builds(tmp_path: Path) -> None:
    need_engine()
    for path, text in render_project(library()).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    out = _build_and_run(tmp_path, "python", "-c", "import app.main, getpass; print(getpass.getuser())")
    assert out.strip() == "app"
