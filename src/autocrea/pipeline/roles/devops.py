"""The devops role's own check: the Dockerfile, compose file and CI workflow it is about to commit,
parsed and linted (pipeline/manifests.py), each finding logged and kept in the run's evidence.

Findings never fail the run (see pipeline/lint.py); the Blueprint's own files have none.
The server does not `docker build` a generated Dockerfile: its RUN steps are generated code, and
generated code runs only in the sandbox (DESIGN.md, "Untrusted code"); the test suite builds the
Blueprint's image where a Docker engine answers.
"""

from __future__ import annotations

import asyncio
import fnmatch
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from autocrea.pipeline.context import RunContext
from autocrea.pipeline.lint import Lint
from autocrea.pipeline.manifests import COMPOSE_FILES, WORKFLOW_FILES, check_manifests

# Where the Blueprint's app listens (Dockerfile.j2, docker-compose.yml.j2, the app's README).
APP_PORT = 8000


@dataclass(frozen=True)
class DeploymentCheck:
    files: int  # deployment files checked
    lints: tuple[Lint, ...]

    @property
    def errors(self) -> int:
        return sum(1 for lint in self.lints if lint.level == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for lint in self.lints if lint.level == "warning")


def tool_of(path: str) -> str:
    """The name a finding's tool column shows: which check read that file."""
    if path == "Dockerfile":
        return "dockerfile-lint"
    if path in COMPOSE_FILES:
        return "compose-check"
    return "workflow-check"


def _deployment_files(files: Mapping[str, str]) -> int:
    return sum(
        1
        for path in files
        if path == "Dockerfile"
        or path in COMPOSE_FILES
        or any(fnmatch.fnmatchcase(path, pattern) for pattern in WORKFLOW_FILES)
    )


async def check_deployment(ctx: RunContext, role: str, files: Mapping[str, str]) -> DeploymentCheck:
    """Check `files` (the role's, about to be committed); log and record every finding."""
    with ctx.timed("deployment checks"):
        lints = await asyncio.to_thread(check_manifests, files, port=APP_PORT)
    check = DeploymentCheck(files=_deployment_files(files), lints=tuple(lints))
    findings = [lint.finding(tool_of(lint.path)) for lint in lints]
    ctx.evidence.findings.extend(findings)
    for lint, finding in zip(lints, findings, strict=True):
        ctx.log(
            role,
            f"[{lint.level}] {lint.code} {lint.path}:{lint.line} {lint.message}",
            finding=asdict(finding),
        )
    ctx.log(
        role,
        f"checked {check.files} deployment files (Dockerfile, compose, CI workflow): "
        f"{check.errors} error(s), {check.warnings} warning(s)",
        key="deployment_checked",
        params={"files": check.files, "errors": check.errors, "warnings": check.warnings},
    )
    return check
