"""Security auditor: ruff's S rules, a secrets scan, the dependency allowlist; writes SECURITY.md."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import threading
from dataclasses import asdict, replace
from pathlib import Path

from ruff.__main__ import find_ruff_bin

from autocrea.domain.allowlist import ALLOWED_PACKAGES, requirement_lines
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.evidence import Finding, Severity
from autocrea.pipeline.ownership import OWNS
from autocrea.pipeline.roles.base import RoleSettings, Summary
from autocrea.pipeline.security_report import render_security_md
from autocrea.sandbox.protocol import Limits, Mounts
from autocrea.storage.paths import walk_files, write_file

# Rules whose hit in generated code is serious enough to fail the run.
HIGH_RULES = frozenset({"S102", "S105", "S106", "S107", "S301", "S307", "S506", "S602", "S605", "S608"})
SCAN_LIMITS = Limits(wall_seconds=60, cpu_seconds=60)
# detect-secrets keeps its plugin settings in module globals; one scan at a time per process.
_SECRETS_LOCK = threading.Lock()


def check_requirements(text: str) -> list[Finding]:
    """Every requirement must be `name==version` exactly as pinned in the allowlist."""
    return [
        Finding(
            tool="allowlist",
            rule="dependency",
            severity="high",
            path="requirements.txt",
            line=number,
            message=f"{line!r} is not a pinned package from the allowlist",
        )
        for number, line, allowed in requirement_lines(text)
        if allowed is None
    ]


def scan_secrets(root: Path) -> list[Finding]:
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection()
    with _SECRETS_LOCK, default_settings():
        for rel in walk_files(root):  # every file, tracked or not: the `--all-files` behaviour
            collection.scan_file(str(root / rel))
    findings: list[Finding] = []
    for filename, secrets in sorted(collection.json().items()):
        for secret in secrets:
            findings.append(
                Finding(
                    tool="detect-secrets",
                    rule=str(secret["type"]),
                    severity="high",
                    path=str(Path(filename).relative_to(root)),
                    line=int(secret["line_number"]),
                    message=f"possible secret: {secret['type']}",
                )
            )
    return findings


def ruff_findings(output: str) -> list[Finding]:
    findings: list[Finding] = []
    for item in json.loads(output or "[]"):
        code = str(item.get("code") or "")
        severity: Severity = "high" if code in HIGH_RULES else "medium"
        location = item.get("location") or {}
        findings.append(
            Finding(
                tool="ruff",
                rule=code,
                severity=severity,
                path=str(item.get("filename", "")),
                line=int(location.get("row", 0)),
                message=str(item.get("message", "")),
            )
        )
    return findings


class Security:
    name = "security"
    title = "Security"
    after: tuple[str, ...] = ("tester",)
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = OWNS["security"]
    settings = RoleSettings(timeout_seconds=120)

    async def run(self, ctx: RunContext) -> Summary:
        findings, report = await self.scan(ctx)
        await ctx.commit(
            self.name, self.owns, {"SECURITY.md": report}, f"Security review: {len(findings)} finding(s)"
        )
        return self.summary(findings)

    def summary(self, findings: list[Finding]) -> Summary:
        high = sum(1 for f in findings if f.severity == "high")
        return Summary(f"{len(findings)} finding(s), {high} high", {"n": len(findings), "high": high})

    async def scan(self, ctx: RunContext) -> tuple[list[Finding], str]:
        """Scan HEAD (in the sandbox), record the findings as evidence; returns them and SECURITY.md."""
        spec = ctx.require_spec()
        work = Path(tempfile.mkdtemp(prefix="autocrea-scan-"))
        scratch = work / "project"
        try:
            tree = ctx.repo.tree("HEAD")
            scratch.mkdir()
            for path, data in tree.items():
                if path not in self.owns:  # its own earlier report (a change run) is not the app's code
                    write_file(scratch, path, data)
            # The scanner runs in the sandbox too, from a copy: the server's own tools may live where
            # the sandbox user cannot reach them.
            ruff = work / "ruff"
            await asyncio.to_thread(shutil.copy2, find_ruff_bin(), ruff)
            with ctx.timed("security"):
                findings = check_requirements(tree.get("requirements.txt", b"").decode("utf-8", "replace"))
                result = await ctx.sandbox.run(
                    [
                        str(ruff),
                        "check",
                        "--isolated",
                        "--select",
                        "S",
                        "--per-file-ignores",
                        "tests/*:S101",
                        "--output-format",
                        "json",
                        "--exit-zero",
                        "--no-cache",
                        ".",
                    ],
                    cwd=scratch,
                    mounts=Mounts(writable=(work,)),
                    limits=SCAN_LIMITS,
                )
                if not result.ok:
                    raise RuntimeError(f"ruff could not scan the project: {result.stderr[-500:]}")
                findings += [
                    replace(f, path=_relative(f.path, scratch)) for f in ruff_findings(result.stdout)
                ]
                findings += await asyncio.to_thread(scan_secrets, scratch)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ctx.evidence.findings.extend(findings)
        ctx.evidence.security_scanned = True
        for finding in findings:
            ctx.log(
                self.name,
                f"[{finding.severity}] {finding.tool} {finding.rule} {finding.path}:{finding.line} "
                f"{finding.message}",
                finding=asdict(finding),
            )
        return findings, render_security_md(spec, findings, allowlist=ALLOWED_PACKAGES)


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return path
