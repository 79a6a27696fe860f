"""What a run proved, for the Evidence tab: its stored events and SECURITY.md, read back (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autocrea.pipeline.evidence import Tally

_CELL_SPLIT = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class StepRow:
    name: str
    title: str
    status: str  # pending, running, succeeded, failed, skipped
    summary: str
    seconds: float | None


@dataclass(frozen=True)
class TestRow:
    name: str
    outcome: str
    message: str


@dataclass(frozen=True)
class PageRow:
    path: str
    status: int
    ms: float
    ok: bool


@dataclass(frozen=True)
class FindingRow:
    severity: str
    tool: str
    rule: str
    location: str
    message: str


@dataclass
class EvidenceView(Tally):
    steps: list[StepRow] = field(default_factory=list)
    tests: list[TestRow] = field(default_factory=list)
    pages: list[PageRow] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)


def parse_findings(security_md: str) -> list[FindingRow]:
    """The findings table of a generated SECURITY.md (see pipeline/security_report.py)."""
    rows = []
    for line in security_md.splitlines():
        cells = [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(line.strip())[1:-1]]
        if len(cells) == 5 and cells[0] in ("high", "medium", "low"):
            rows.append(FindingRow(*cells))
    return rows


def build_evidence(events: Iterable[Mapping[str, Any]], security_md: str | None) -> EvidenceView:
    """Fold a run's events (type, step, data) into steps, tests, probed pages and findings."""
    view = EvidenceView(findings=parse_findings(security_md or ""))
    steps: dict[str, StepRow] = {}
    for event in events:
        kind, step, data = event["type"], event.get("step") or "", event.get("data") or {}
        if kind == "run.started":
            for node in data.get("steps", []):
                steps[node["name"]] = StepRow(
                    node["name"], node.get("title", node["name"]), "pending", "", None
                )
        elif kind == "step.started" and step in steps:
            steps[step] = StepRow(step, steps[step].title, "running", "", None)
        elif kind == "step.finished" and step in steps:
            seconds = data.get("seconds")
            steps[step] = StepRow(
                step,
                steps[step].title,
                str(data.get("status", "succeeded")),
                str(data.get("summary", "")),
                float(seconds) if isinstance(seconds, int | float) else None,
            )
        elif kind == "test.result" and data.get("kind") == "page":
            status = int(data.get("status") or 0)
            view.pages.append(
                PageRow(
                    str(data.get("path", "")),
                    status,
                    float(data.get("ms") or 0),
                    data.get("outcome") == "passed",
                )
            )
        elif kind == "test.result":
            view.tests.append(
                TestRow(str(data.get("name", "")), str(data.get("outcome", "")), str(data.get("message", "")))
            )
    view.steps = list(steps.values())
    return view
