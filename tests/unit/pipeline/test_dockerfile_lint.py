"""The Dockerfile lint rules: each one fires on the mistake it names and stays quiet on the fix."""

from __future__ import annotations

import pytest

from autocrea.pipeline.dockerfile_lint import lint_dockerfile
from autocrea.pipeline.lint import Lint

# A clean app image: every rule satisfied; each case below breaks exactly one thing in it.
CLEAN = """\
# syntax=docker/dockerfile:1
ARG PYTHON=3.11
FROM python:${PYTHON}-slim AS base
RUN apt-get update \\
    && apt-get install -y --no-install-recommends git \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app ./app
RUN useradd --create-home app
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD ["python", "-c", "print(1)"]
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""


def codes(found: list[Lint]) -> list[str]:
    return [lint.code for lint in found]


def broken(old: str, new: str) -> str:
    assert old in CLEAN
    return CLEAN.replace(old, new)


def test_a_clean_dockerfile_has_no_finding() -> None:
    assert lint_dockerfile(CLEAN, port=8000) == []


@pytest.mark.parametrize(
    ("text", "code", "level"),
    [
        (broken("FROM python:${PYTHON}-slim AS base", "FROM python:latest"), "DL3007", "error"),
        (broken("FROM python:${PYTHON}-slim AS base", "FROM python"), "DL3006", "error"),
        (broken("WORKDIR /app", "WORKDIR app"), "DL3000", "error"),
        (broken("RUN useradd --create-home app", "RUN sudo useradd app"), "DL3004", "error"),
        (broken("COPY app ./app", "ADD app ./app"), "DL3020", "error"),
        (broken("USER app", "USER root"), "DL3002", "error"),
        (broken("USER app\n", ""), "AC002", "error"),
        (broken("EXPOSE 8000", "EXPOSE 5000"), "AC005", "error"),
        (broken('"--port", "8000"]', '"--port", "9000"]'), "AC005", "error"),
        (broken('CMD ["uvicorn"', "CMD ['uvicorn'").replace('"0.0.0.0"', "'0.0.0.0'"), "AC004", "error"),
        (broken("install -y --no", "install --no"), "DL3014", "error"),
        (broken("install -y --no-install-recommends", "install -y"), "DL3015", "warning"),
        (broken("\\\n    && rm -rf /var/lib/apt/lists/*", ""), "DL3009", "warning"),
        (broken("apt-get install", "apt install"), "DL3027", "warning"),
        (broken("pip install --no-cache-dir", "pip install"), "DL3042", "warning"),
        (broken("EXPOSE 8000\n", ""), "AC006", "warning"),
        (broken('HEALTHCHECK --interval=30s CMD ["python", "-c", "print(1)"]\n', ""), "AC007", "warning"),
        (CLEAN + 'CMD ["python"]\n', "DL4003", "warning"),
        (CLEAN + "MAINTAINER someone\n", "DL4000", "warning"),
    ],
)
def test_each_rule_fires_on_its_mistake(text: str, code: str, level: str) -> None:
    found = lint_dockerfile(text, port=8000)
    assert code in codes(found), found
    assert {lint.level for lint in found if lint.code == code} == {level}


def test_shell_form_cmd_is_a_warning_and_its_port_is_still_read() -> None:
    text = broken(
        'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
        "CMD uvicorn app.main:app --host 0.0.0.0 --port 8000",
    )
    assert codes(lint_dockerfile(text, port=8000)) == ["DL3025"]
    assert "AC005" in codes(lint_dockerfile(text.replace("--port 8000", "--port=9000"), port=8000))


def test_order_and_presence_of_from() -> None:
    assert codes(lint_dockerfile("", port=None)) == ["AC001"]
    found = lint_dockerfile("RUN echo hi\n" + CLEAN, port=8000)
    assert ("DL3061", 1) in [(lint.code, lint.line) for lint in found]
    assert codes(lint_dockerfile(CLEAN.replace("RUN useradd", "FOO useradd"), port=8000)) == ["AC000"]


def test_the_final_stage_decides_user_command_and_port_and_stages_are_not_images() -> None:
    builder = "FROM python:3.11-slim AS build\nRUN pip wheel --no-cache-dir -w /w flask\n"
    # The final stage builds FROM the earlier one by name: no tag is needed there.
    final = CLEAN.replace("FROM python:${PYTHON}-slim AS base", "FROM build")
    assert lint_dockerfile(builder + final, port=8000) == []
    # A root build stage is fine; only the image's own (final) user counts.
    root_stage = "FROM python:3.11-slim AS build\nUSER root\n"
    assert lint_dockerfile(root_stage + final.replace("FROM build", "FROM python:3.11-slim"), port=8000) == []
    # Only ARGs before the first FROM reach a FROM line: one declared later leaves the tag unknown.
    assert codes(lint_dockerfile(root_stage + CLEAN, port=8000)) == ["AC008"]


def test_digests_urls_archives_and_unknown_build_args() -> None:
    pinned = CLEAN.replace("FROM python:${PYTHON}-slim AS base", "FROM python@sha256:" + "a" * 64)
    assert lint_dockerfile(pinned, port=8000) == []
    fetched = CLEAN.replace("COPY app ./app", "ADD https://example.com/a.tar.gz /opt/\nADD a.tar.gz /opt/")
    assert lint_dockerfile(fetched, port=8000) == []
    unknown = CLEAN.replace("FROM python:${PYTHON}-slim", "FROM python:${OTHER}")
    assert codes(lint_dockerfile(unknown, port=8000)) == ["AC008"]


def test_pip_cache_may_be_turned_off_by_environment() -> None:
    text = CLEAN.replace("pip install --no-cache-dir", "pip install").replace(
        "WORKDIR /app", "ENV PIP_NO_CACHE_DIR=1\nWORKDIR /app"
    )
    assert lint_dockerfile(text, port=8000) == []


def test_findings_carry_path_and_line() -> None:
    [lint] = lint_dockerfile(broken("USER app", "USER 0"), path="deploy/Dockerfile", port=8000)
    assert (lint.path, lint.line, lint.code) == ("deploy/Dockerfile", 12, "DL3002")
    finding = lint.finding("dockerfile-lint")
    assert (finding.severity, finding.rule, finding.line) == ("medium", "DL3002", 12)
    assert finding.message.startswith("error: ")


def test_commands_are_read_by_position_not_by_word() -> None:
    # Installing a package called sudo is not running sudo; running it after `;` or in `$(...)` is.
    assert (
        lint_dockerfile(
            broken("install -y --no-install-recommends git", "install -y --no-install-recommends sudo"),
            port=8000,
        )
        == []
    )
    for script in ("set -e; sudo id", 'echo "$(sudo id)"', "if true; then sudo id; fi"):
        assert "DL3004" in codes(lint_dockerfile(broken("useradd --create-home app", script), port=8000))
    assert "DL3027" in codes(
        lint_dockerfile(broken("apt-get update", "DEBIAN_FRONTEND=noninteractive apt update"), port=8000)
    )
