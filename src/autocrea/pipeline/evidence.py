"""What a run proved about the app it built, and the definition of done over it (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Severity = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class CaseResult:
    name: str
    outcome: Literal["passed", "failed", "error", "skipped"]
    seconds: float
    message: str = ""


@dataclass(frozen=True)
class PageProbe:
    path: str
    status: int  # 0 when the request itself failed
    milliseconds: float
    ok: bool


@dataclass(frozen=True)
class Finding:
    tool: str
    rule: str
    severity: Severity
    path: str
    line: int
    message: str


class _Outcome(Protocol):
    @property
    def outcome(self) -> str: ...


class _Probe(Protocol):
    @property
    def ok(self) -> bool: ...


class Tally:
    """The counts over test results and probed pages: one meaning of passed, failed and answered, for
    the run's Evidence and for the UI's view of it read back from events."""

    tests: Sequence[_Outcome]
    pages: Sequence[_Probe]

    @property
    def tests_passed(self) -> int:
        return sum(1 for t in self.tests if t.outcome == "passed")

    @property
    def tests_failed(self) -> int:
        return sum(1 for t in self.tests if t.outcome in ("failed", "error"))

    @property
    def pages_ok(self) -> int:
        return sum(1 for p in self.pages if p.ok)


@dataclass
class Evidence(Tally):
    files: int = 0
    lines: int = 0
    deps_resolved: bool = False
    tests: list[CaseResult] = field(default_factory=list)
    booted: bool = False
    pages: list[PageProbe] = field(default_factory=list)
    security_scanned: bool = False
    findings: list[Finding] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    prompt_tokens: int = 0  # model usage, 0 for the offline engine
    completion_tokens: int = 0
    model_seconds: dict[str, float] = field(default_factory=dict)  # per role, time spent in model calls
    role_tokens: dict[str, tuple[int, int]] = field(default_factory=dict)  # per role: prompt, completion
    role_cost: dict[str, float] = field(default_factory=dict)  # per role: USD at models.yml prices
    tokens_estimated: bool = False  # a server reported no usage: some counts are ≈4 characters a token
    timings: dict[str, float] = field(default_factory=dict)

    def unmet(self) -> list[str]:
        """Criteria of the definition of done that do not hold; empty means done."""
        missing: list[str] = []
        if self.files == 0:
            missing.append("no files were written")
        if not self.deps_resolved:
            missing.append("dependencies were not installed")
        if self.tests_passed == 0 or self.tests_failed:
            missing.append(f"tests: {self.tests_passed} passed, {self.tests_failed} failed")
        if not self.booted:
            missing.append("the app did not boot")
        if not self.pages or self.pages_ok != len(self.pages):
            missing.append(f"pages: {self.pages_ok} of {len(self.pages)} answered 200")
        if not self.security_scanned:
            missing.append("the security scan did not run")
        high = [f for f in self.findings if f.severity == "high"]
        if high:
            missing.append(f"{len(high)} high-severity security finding(s)")
        return missing

    def summary(self) -> dict[str, object]:
        return {
            "files": self.files,
            "lines": self.lines,
            "tests_passed": self.tests_passed,
            "tests_failed": self.tests_failed,
            "pages_probed": len(self.pages),
            "pages_ok": self.pages_ok,
            "findings": len(self.findings),
            "findings_high": sum(1 for f in self.findings if f.severity == "high"),
            "commits": len(self.commits),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(sum(self.role_cost.values()), 6),
            "tokens_estimated": self.tokens_estimated,
            "roles": {
                role: {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "cost_usd": round(self.role_cost.get(role, 0.0), 6),
                    "seconds": round(self.model_seconds.get(role, 0.0), 3),
                }
                for role, (prompt, completion) in self.role_tokens.items()
            },
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }
