"""The devops role checks what it commits: findings logged, kept as evidence, shown in the Evidence tab."""

from __future__ import annotations

from pathlib import Path

from autocrea.blueprint.render import render_devops
from autocrea.domain.appspec import AppSpec
from autocrea.domain.events import Event, EventStream
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.roles.builders import Devops
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo
from autocrea.web.ui.evidence import build_evidence
from tests.fixtures.specs import library


def context(tmp_path: Path, events: list[Event]) -> RunContext:
    return RunContext(
        run_id="r",
        prompt="Biblioteca",
        model="blueprint",
        events=EventStream(run_id="r", emit=events.append),
        repo=ProjectRepo.init(tmp_path / "p"),
        sandbox=ProcessSandbox(),
        runtimes=RuntimeCache(root=tmp_path / "rt", python="python3"),
        spec=library(),
    )


def _sloppy(spec: AppSpec) -> dict[str, str]:
    """The Blueprint's devops files with the mistakes a model might make in them."""
    files = render_devops(spec)
    files["Dockerfile"] = files["Dockerfile"].replace("FROM python:3.11-slim", "FROM python:latest")
    files["docker-compose.yml"] = files["docker-compose.yml"].replace("restart:", "restrat:")
    return files


class SloppyDevops(Devops):
    _render = staticmethod(_sloppy)


async def test_blueprint_devops_files_are_checked_and_clean(tmp_path: Path) -> None:
    events: list[Event] = []
    ctx = context(tmp_path, events)
    summary = await Devops().run(ctx)
    assert summary.facts["errors"] == 0 and summary.facts["warnings"] == 0
    assert summary.text.endswith("; deployment checks: 0 error(s), 0 warning(s)")
    checked = [e for e in events if e.type == "step.log" and e.data.get("key") == "deployment_checked"]
    assert [e.data["params"] for e in checked] == [{"files": 3, "errors": 0, "warnings": 0}]
    assert ctx.evidence.findings == []


async def test_findings_are_logged_kept_as_evidence_and_shown(tmp_path: Path) -> None:
    events: list[Event] = []
    ctx = context(tmp_path, events)
    summary = await SloppyDevops().run(ctx)
    assert summary.facts["errors"] == 2
    rules = {(f.tool, f.rule, f.severity, f.path) for f in ctx.evidence.findings}
    assert rules == {
        ("dockerfile-lint", "DL3007", "medium", "Dockerfile"),
        ("compose-check", "CF003", "medium", "docker-compose.yml"),
    }
    assert not any("high-severity" in criterion for criterion in ctx.evidence.unmet())  # not a failure
    # The files are still committed as written: a finding is reported, never a reason to fail.
    assert b"python:latest" in ctx.repo.read("HEAD", "Dockerfile")
    stored = [{"type": e.type, "step": e.step, "data": e.data} for e in events]
    view = build_evidence(stored, security_md=None)
    assert {(row.rule, row.location.split(":")[0]) for row in view.findings} == {
        ("DL3007", "Dockerfile"),
        ("CF003", "docker-compose.yml"),
    }
    assert all(row.message.startswith("error: ") for row in view.findings)
