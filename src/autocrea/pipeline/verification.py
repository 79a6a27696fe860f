"""A verify run: the project's current version proved again as it is, after hand edits.

    tester    (HEAD's own tests in the sandbox, the boot, the pages its autocrea.json lists)
    security  (the scan of HEAD; SECURITY.md committed only when its text changes)

The two run side by side, so a version whose tests fail still gets its scan: the evidence is whole
either way, and a failure is reported as it is. Nothing here writes code: no repair rounds, no
restored Blueprint (the user's edits are what is being verified). The only commit a verify can
make is the security report, so that SECURITY.md keeps describing the code beside it.
"""

from __future__ import annotations

import asyncio

from autocrea.errors import InvalidInput
from autocrea.pipeline.change import spec_at_head
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.roles.base import Role, RoleSettings, Summary
from autocrea.pipeline.roles.security import Security
from autocrea.pipeline.roles.tester import Tester
from autocrea.storage.git import role_author

REPORT = "SECURITY.md"


class Check:
    """The tester's verification of HEAD, without waiting for any step."""

    name = "tester"
    title = "Tester"
    after: tuple[str, ...] = ()
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = Tester.owns
    settings = RoleSettings(timeout_seconds=Tester.settings.timeout_seconds)

    async def run(self, ctx: RunContext) -> Summary:
        return await Tester().verify(ctx)


class Audit(Security):
    """The security scan of HEAD beside the tests; commits the report only when it says something new
    (an unchanged project gets no empty commit)."""

    after: tuple[str, ...] = ()

    async def run(self, ctx: RunContext) -> Summary:
        findings, report = await self.scan(ctx)
        tree = await asyncio.to_thread(ctx.repo.tree, "HEAD")
        if tree.get(REPORT) != report.encode():
            # Not ctx.commit: that counts the report as a file written, and a verify writes none.
            sha = await asyncio.to_thread(
                ctx.repo.commit_files,
                {REPORT: report},
                message=f"Security review: {len(findings)} finding(s)",
                author=role_author(self.name),
            )
            ctx.evidence.commits.append(sha)
            ctx.events(
                "file.written", self.name, path=REPORT, bytes=len(report.encode()), lines=report.count("\n")
            )
        return self.summary(findings)


async def verify(ctx: RunContext) -> Outcome:
    """Prove the project in `ctx.repo` at HEAD again; see the module docstring."""
    head = await asyncio.to_thread(ctx.repo.head)
    if head is None:
        raise InvalidInput("This project has no files to verify yet.", details={"reason": "no_files"})
    try:
        ctx.spec = await asyncio.to_thread(spec_at_head, ctx.repo)
    except InvalidInput as exc:
        raise InvalidInput(
            "This version cannot be verified: its autocrea.json (the pages to probe) is missing or "
            "invalid. Restore it from the History tab.",
            details={"reason": "no_spec"},
        ) from exc
    tree = await asyncio.to_thread(ctx.repo.tree, head)
    ctx.evidence.files = len(tree)  # what is verified: every file of the version, none written
    ctx.evidence.lines = sum(data.count(b"\n") for data in tree.values())
    roles: list[Role] = [Check(), Audit()]
    return await generate(ctx, roles=roles)
