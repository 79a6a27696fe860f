"""AUTOCREA's own Dockerfile, docker-compose.yml and .dockerignore: valid, linted, and saying what they
must (web, worker, PostgreSQL, Redis, a projects volume, secrets only from the environment).

The compose file is checked against our Compose schema subset always, and by `docker compose config`
where the compose plugin is installed; images are built in tests/integration/test_docker_images.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from autocrea.pipeline.dockerfile_lint import lint_dockerfile
from autocrea.pipeline.manifests import check_compose
from tests.docker_engine import compose_command

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|API_?KEY)", re.I)
REQUIRED_VARIABLE = re.compile(r"\$\{[A-Z_]+:\?[^}]+\}")


def env(service: str) -> dict[str, str]:
    return {key: str(value) for key, value in (SERVICES[service].get("environment") or {}).items()}


def test_the_dockerfile_passes_every_lint_rule() -> None:
    assert lint_dockerfile(DOCKERFILE, port=8000) == []


def test_the_image_is_slim_python_non_root_with_bubblewrap_and_git_serving_with_a_health_check() -> None:
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, re.M)
    install = re.search(r"apt-get install -y --no-install-recommends ([^\\\n]+)", DOCKERFILE)
    assert install is not None and {"bubblewrap", "git"} <= set(install.group(1).split())
    assert re.search(r"^USER autocrea$", DOCKERFILE, re.M)
    assert "/health" in DOCKERFILE.split("HEALTHCHECK", 1)[1]
    assert DOCKERFILE.rstrip().endswith('CMD ["autocrea", "serve"]')
    assert "AUTOCREA_HOST=0.0.0.0" in DOCKERFILE  # reachable from outside the container


def test_the_images_torch_pin_is_the_projects() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [pin] = [d for d in dependencies if d.startswith("torch==")]
    assert f'"{pin}+cpu"' in DOCKERFILE  # the same version, its CPU build


def test_the_compose_file_passes_the_schema_and_the_checks() -> None:
    assert check_compose(COMPOSE_TEXT, port=8000) == []


def test_web_worker_postgres_redis_and_a_one_shot_migration() -> None:
    assert {"web", "worker", "postgres", "redis", "migrate"} <= set(SERVICES)
    assert SERVICES["migrate"]["command"] == ["autocrea", "db", "upgrade"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["worker"]["command"][:2] == ["autocrea", "worker"]
    assert "command" not in SERVICES["web"]  # the image's `autocrea serve`
    for service in ("web", "worker"):
        needs = SERVICES[service]["depends_on"]
        assert needs["postgres"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"
        assert needs["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["web"]["ports"] == ["8000:8000"]


def test_the_processes_share_the_database_redis_and_the_secret() -> None:
    assert env("web")["AUTOCREA_EMBEDDED_WORKER"] == "false"
    for service in ("web", "worker", "migrate"):
        values = env(service)
        assert values["AUTOCREA_DATABASE_URL"].startswith("postgresql+asyncpg://autocrea:")
        assert values["AUTOCREA_DATABASE_URL"].endswith("@postgres:5432/autocrea")
        assert values["AUTOCREA_REDIS_URL"] == "redis://redis:6379/0"
        assert REQUIRED_VARIABLE.fullmatch(values["AUTOCREA_SECRET_KEY"])
        assert values["AUTOCREA_SANDBOX"] == "${AUTOCREA_SANDBOX:-bubblewrap}"


def test_volumes_are_declared_and_projects_live_in_the_data_dir() -> None:
    data_dir = re.search(r"AUTOCREA_DATA_DIR=(\S+)", DOCKERFILE)
    assert data_dir is not None
    assert {"projects", "runtimes", "postgres-data"} <= set(COMPOSE["volumes"])
    for service in ("web", "worker"):
        assert f"projects:{data_dir.group(1)}" in SERVICES[service]["volumes"]


def test_no_secret_is_written_in_the_file() -> None:
    url = env("web")["AUTOCREA_DATABASE_URL"]
    assert re.search(r"://[^/:@\s]+:(.+)@[^@]*$", url) is not None  # the URL's password is checked below
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            text = str(value)
            if SECRET_NAME.search(key):
                assert REQUIRED_VARIABLE.fullmatch(text), f"{name}.{key} must come from the environment"
            if (password := re.search(r"://[^/:@\s]+:(.+)@[^@]*$", text)) is not None:
                assert REQUIRED_VARIABLE.fullmatch(password.group(1)), (
                    f"{name}.{key} holds a literal password"
                )


def test_the_sandbox_can_run_in_the_web_and_worker_containers() -> None:
    for service in ("web", "worker"):
        options = set(SERVICES[service]["security_opt"])
        assert {"seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"} <= options
        assert SERVICES[service]["init"] is True


def test_the_build_context_leaves_out_secrets_and_clutter() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", ".autocrea", "tests"} <= ignored


def test_docker_compose_config_accepts_the_file() -> None:
    compose = compose_command()
    if compose is None:
        pytest.skip(
            "no Compose v2 here (`docker compose` plugin or `docker-compose` v2 on PATH); the schema check "
            "above stands in. Docker is not one of CI's services, so this skips even with "
            "AUTOCREA_REQUIRE_SERVICES=1"
        )
    result = subprocess.run(
        [*compose, "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "POSTGRES_PASSWORD": "test-only", "AUTOCREA_SECRET_KEY": "test-only"},
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert {"web", "worker", "postgres", "redis", "migrate"} <= set(resolved["services"])
    assert resolved["services"]["web"]["environment"]["AUTOCREA_SECRET_KEY"] == "test-only"


def test_compose_refuses_to_start_without_the_secrets() -> None:
    compose = compose_command()
    if compose is None:
        pytest.skip(
            "no Compose v2 here; Docker is not one of CI's services (skips under AUTOCREA_REQUIRE_SERVICES=1)"
        )
    clean = {k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "AUTOCREA_SECRET_KEY")}
    result = subprocess.run(
        [*compose, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean,
        cwd=ROOT / "tests",  # no .env of the checkout's is read
    )
    # The message, not only the exit code: some packaged compose binaries lose their exit status.
    assert re.search(r"set (POSTGRES_PASSWORD|AUTOCREA_SECRET_KEY) in \.env", result.stderr), result.stderr
    assert "services" not in result.stdout
