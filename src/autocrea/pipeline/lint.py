"""A lint: one problem a check found in one file of a generated project (Dockerfile, compose file, CI
workflow), and how it becomes a run's evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from autocrea.pipeline.evidence import Finding, Severity

Level = Literal["error", "warning"]

# An error is a file that is wrong (it will not build, start or parse, or runs the app as root); a
# warning is a practice worth changing. Neither fails a run: a model may write the devops files, and
# a flaw in them is reported, not fatal. The Blueprint's own files have none (tested).
_SEVERITY: dict[Level, Severity] = {"error": "medium", "warning": "low"}


@dataclass(frozen=True)
class Lint:
    path: str
    line: int  # 1-based; 0 when the problem is the file as a whole
    code: str  # hadolint's code where hadolint has the rule (DL3007), ours otherwise (AC..., CF..., WF...)
    level: Level
    message: str

    def finding(self, tool: str) -> Finding:
        return Finding(
            tool=tool,
            rule=self.code,
            severity=_SEVERITY[self.level],
            path=self.path,
            line=self.line,
            message=f"{self.level}: {self.message}",
        )
