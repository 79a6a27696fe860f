"""Compose and workflow checks, and every Blueprint-generated app's deployment files passing them."""

from __future__ import annotations

import pytest
import yaml

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_devops
from autocrea.domain.appspec import AppSpec
from autocrea.domain.examples import SEED_EXAMPLES
from autocrea.pipeline.lint import Lint
from autocrea.pipeline.manifests import check_compose, check_manifests, check_workflow, compose_schema
from autocrea.pipeline.roles.devops import APP_PORT
from tests.fixtures.specs import ALL, edge

SPECS = {**ALL, "edge": edge}

COMPOSE = """\
services:
  app:
    build: .
    ports:
      - "8000:8000"
    environment:
      DATABASE_URL: sqlite:////app/data/app.db
      API_TOKEN: ${API_TOKEN:?set it}
    volumes:
      - app-data:/app/data
      - ./static:/srv/static:ro
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:17
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 5s
volumes:
  app-data:
x-notes: extensions are allowed
"""

WORKFLOW = """\
name: CI
on:
  push:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
  shared:
    uses: ./.github/workflows/reusable.yml
"""


def codes(found: list[Lint]) -> list[str]:
    return [lint.code for lint in found]


def test_the_schema_is_a_valid_draft_7_schema() -> None:
    assert compose_schema()["$schema"].startswith("http://json-schema.org/draft-07")


def test_a_good_compose_file_and_workflow_pass() -> None:
    assert check_compose(COMPOSE, port=8000) == []
    assert check_workflow(WORKFLOW, path=".github/workflows/ci.yml") == []


@pytest.mark.parametrize(
    ("old", "new", "code", "line"),
    [
        ("    build: .\n", "    build: .\n    imag: typo\n", "CF003", 4),  # an unknown key, on its own line
        ('      - "8000:8000"', "      - {target: 8000, publish: 8000}", "CF003", 5),
        ("        condition: service_healthy", "        condition: when_ready", "CF003", 14),
        ("services:\n", "services:\n  bad: [\n", "CF001", 4),  # where the parser noticed
        ("      db:\n", "      cache:\n", "CF004", 13),
        ("volumes:\n  app-data:\n", "", "CF005", 10),
        ("${API_TOKEN:?set it}", "s3cr3t-value", "CF006", 6),
        ("sqlite:////app/data/app.db", "postgresql://app:hunter2@db/app", "CF006", 6),
        ('      - "8000:8000"', '      - "9000:9000"', "CF007", 2),
    ],
)
def test_each_compose_problem_is_found_where_it_is(old: str, new: str, code: str, line: int) -> None:
    assert old in COMPOSE
    found = check_compose(COMPOSE.replace(old, new), port=8000)
    assert (code, line) in [(lint.code, lint.line) for lint in found], found


def test_compose_levels() -> None:
    assert check_compose("- a list\n")[0].code == "CF002"
    assert check_compose("services: {}\n")[0].code == "CF003"  # at least one service
    secret = check_compose(COMPOSE.replace("${API_TOKEN:?set it}", "abc"))
    assert [lint.level for lint in secret] == ["warning"]


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("on:\n  push:\n", "", "WF002"),
        ("    runs-on: ubuntu-latest\n", "", "WF004"),
        ("      - uses: actions/checkout@v4\n      - run: pytest\n", "      []\n", "WF005"),
        ("      - run: pytest", "      - name: nothing to do", "WF006"),
        ("      - run: pytest", "      - run: pytest\n        uses: actions/cache@v4", "WF006"),
        ("actions/checkout@v4", "actions/checkout", "WF007"),
        ("jobs:\n", "jobs: {}\nunused:\n", "WF003"),
        ("name: CI", "name: [", "WF001"),
    ],
)
def test_each_workflow_problem_is_found(old: str, new: str, code: str) -> None:
    assert old in WORKFLOW
    found = check_workflow(WORKFLOW.replace(old, new), path=".github/workflows/ci.yml")
    assert code in codes(found), found
    assert all(lint.level == "error" for lint in found)


def test_check_manifests_picks_the_files_by_name() -> None:
    files = {
        "Dockerfile": "FROM python:latest\n",
        "compose.yaml": "services: {}\n",
        ".github/workflows/release.yaml": "jobs: {}\n",
        "app/main.py": "print('not a manifest')\n",
        "docs/docker-compose.yml": "not: checked\n",
    }
    found = check_manifests(files, port=8000)
    assert {lint.path for lint in found} == {"Dockerfile", "compose.yaml", ".github/workflows/release.yaml"}


def _assert_clean(files: dict[str, str]) -> None:
    found = check_manifests(files, port=APP_PORT)
    errors = [lint for lint in found if lint.level == "error"]
    assert errors == [], errors
    for path in ("Dockerfile", "docker-compose.yml", ".github/workflows/ci.yml"):
        assert path in files  # the checks really read the three files
    assert yaml.safe_load(files["docker-compose.yml"])["services"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_blueprint_deployment_files_have_no_error(name: str) -> None:
    _assert_clean(render_devops(SPECS[name]()))


@pytest.mark.parametrize("prompt", [*SEED_EXAMPLES, "a library system with books, members and loans"])
def test_every_seed_prompts_app_has_clean_deployment_files(prompt: str) -> None:
    spec: AppSpec = design(prompt).spec
    _assert_clean(render_devops(spec))
