"""Read pytest's `-rA` short summary into test cases (pure; no XML parsing of untrusted files)."""

from __future__ import annotations

import re

from autocrea.pipeline.evidence import CaseResult

_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(\S.*?)(?:\s+-\s+(.*))?$")
_OUTCOME = {
    "PASSED": "passed",
    "XPASS": "passed",
    "FAILED": "failed",
    "ERROR": "error",
    "SKIPPED": "skipped",
    "XFAIL": "skipped",
}


def parse_short_summary(output: str) -> list[CaseResult]:
    cases: list[CaseResult] = []
    in_summary = False
    for raw in output.splitlines():
        line = raw.rstrip()
        if "short test summary info" in line:
            in_summary = True
            continue
        if not in_summary:
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        kind, name, message = match.group(1), match.group(2), match.group(3) or ""
        outcome = _OUTCOME[kind]
        cases.append(CaseResult(name=name[:300], outcome=outcome, seconds=0.0, message=message[:500]))  # type: ignore[arg-type]
    return cases


def failure_excerpt(output: str, *, limit: int = 3000) -> str:
    """The part of pytest's output a person (or a repair round) needs: the failures section."""
    start = output.find("= FAILURES =")
    if start < 0:
        start = output.find("= ERRORS =")
    text = output[start:] if start >= 0 else output
    return text[-limit:]
