"""SECURITY.md for a generated project (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from autocrea.domain.appspec import AppSpec
from autocrea.pipeline.evidence import Finding


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:200]


def render_security_md(spec: AppSpec, findings: Sequence[Finding], *, allowlist: Mapping[str, str]) -> str:
    lines = [
        f"# Security review: {spec.name}",
        "",
        "Automated review by the AUTOCREA security role.",
        "",
        "## Checks",
        "",
        "- Static analysis: `ruff check --select S` (flake8-bandit rules; `assert` allowed in `tests/`).",
        "- Secrets: `detect-secrets` over every file in the project.",
        "- Dependencies: every line of `requirements.txt` must be pinned and on the allowlist.",
        "",
        "## Findings",
        "",
    ]
    if not findings:
        lines.append("No findings.")
    else:
        lines += ["| severity | tool | rule | location | message |", "|---|---|---|---|---|"]
        order = {"high": 0, "medium": 1, "low": 2}
        for f in sorted(findings, key=lambda f: (order[f.severity], f.path, f.line, f.rule)):
            where = _cell(f"{f.path}:{f.line}")
            lines.append(f"| {f.severity} | {f.tool} | {_cell(f.rule)} | {where} | {_cell(f.message)} |")
    lines += ["", "## Dependency allowlist", ""]
    lines += [f"- `{name}=={version}`" for name, version in sorted(allowlist.items())]
    if spec.integrations:
        lines += ["", "## Integrations to finish before production", ""]
        lines += [f"- **{i.requested}** ({i.kind}): {i.provided}" for i in spec.integrations]
    return "\n".join(lines) + "\n"
