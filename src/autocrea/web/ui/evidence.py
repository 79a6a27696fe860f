"""What a run proved, for the Evidence tab: its stored events and SECURITY.md, read back (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
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
    facts: Mapping[str, Any] = field(default_factory=dict)  # what the UI words in its own language


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
            seconds, facts = data.get("seconds"), data.get("facts")
            steps[step] = StepRow(
                step,
                steps[step].title,
                str(data.get("status", "succeeded")),
                str(data.get("summary", "")),
                float(seconds) if isinstance(seconds, int | float) else None,
                facts if isinstance(facts, dict) else {},
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
        elif kind == "step.log" and step == "devops" and isinstance(data.get("finding"), dict):
            view.findings.append(_finding_row(data["finding"]))  # its deployment checks (no SECURITY.md)
    view.steps = list(steps.values())
    return view


def _finding_row(finding: Mapping[str, Any]) -> FindingRow:
    return FindingRow(
        str(finding.get("severity", "")),
        str(finding.get("tool", "")),
        str(finding.get("rule", "")),
        f"{finding.get('path', '')}:{finding.get('line', 0)}",
        str(finding.get("message", "")),
    )


_ROLES = frozenset({"architect", "backend", "frontend", "devops", "tester", "security"})


@dataclass(frozen=True)
class StepWords:
    summary: str
    stubs: str  # "Not built yet: accounts", or "" when everything asked for was built


def step_words(step: StepRow, t: Callable[..., str]) -> StepWords:
    """A step's summary in the page's language from its facts, as the live run view words it
    (static/js/chat/run-view.js); a step without facts, or with facts the words do not fit, keeps the
    server's English line. Stubbed features are said apart, never among the features."""

    def names(ids: object) -> str:
        if not isinstance(ids, list):
            return ""
        return ", ".join(_feature(t, str(f)) for f in ids)

    facts = dict(step.facts)
    stubs = names(facts.get("stubs"))
    stubs_line = t("js.run.summary.stubs", features=stubs) if stubs else ""
    if step.name == "version" and isinstance(facts.get("commit"), str):  # a change run's new version
        return StepWords(t("js.run.summary.version", sha=facts["commit"][:7]), stubs_line)
    if step.name not in _ROLES or "n" not in facts:
        return StepWords(step.summary, stubs_line)
    key = "builder" if step.name in ("backend", "frontend", "devops") else step.name
    facts["features"] = names(facts.get("features")) or t("js.run.summary.none")
    try:
        return StepWords(t(f"js.run.summary.{key}", **facts), stubs_line)
    except (KeyError, IndexError, ValueError):  # an older or newer event than these words
        return StepWords(step.summary, stubs_line)


def _feature(t: Callable[..., str], feature: str) -> str:
    try:
        return t(f"js.feature.{feature}")
    except KeyError:
        return feature
