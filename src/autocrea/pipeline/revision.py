"""A change run: a follow-up request becomes one new verified version of the project, or nothing.

    change  (plan: amend the spec, re-render, merge with the user's edits; commit the merged tree)
      -> tester   (the whole project's tests, boot and page probes in the sandbox)
      -> security (the scan; SECURITY.md rewritten)
      -> version  (the run's commits squashed into one: "Change: <what changed>")

Any step that fails leaves the project exactly as it was (HEAD moved back, worktree included), so the
caller refunds. Offline only for now: the Blueprint plans the change (pipeline/change.py).
"""

from __future__ import annotations

import asyncio

from autocrea.pipeline.change import ChangePlan, plan_change
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.roles.base import Role, RoleSettings, Summary
from autocrea.pipeline.roles.security import Security
from autocrea.pipeline.roles.tester import Tester
from autocrea.storage.git import role_author

CHANGE_AUTHOR = role_author("change")


class Change:
    """Plans the request against HEAD and commits the merged tree (not yet a version: see Version)."""

    name = "change"
    title = "Change"
    after: tuple[str, ...] = ()
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = ("*",)
    settings = RoleSettings(timeout_seconds=120)

    def __init__(self) -> None:
        self.plan: ChangePlan | None = None

    async def run(self, ctx: RunContext) -> Summary:
        with ctx.timed("spec"):
            plan = await asyncio.to_thread(plan_change, ctx.repo, ctx.prompt)
        self.plan = plan
        ctx.spec = plan.after
        for line in plan.described:
            ctx.log(self.name, line, key="change_item", params={"text": line})
        writes = {d.path: plan.files[d.path] for d in plan.deltas if d.status != "deleted"}
        deletes = [d.path for d in plan.deltas if d.status == "deleted"]
        sha = await asyncio.to_thread(
            ctx.repo.commit_files, writes, message=plan.message, author=CHANGE_AUTHOR, delete=deletes
        )
        ctx.evidence.commits.append(sha)
        ctx.evidence.files = len(plan.files)
        ctx.evidence.lines = sum(data.count(b"\n") for data in plan.files.values())
        for delta in plan.deltas:
            data = plan.files.get(delta.path, b"")
            ctx.events(
                "file.written",
                self.name,
                path=delta.path,
                bytes=len(data),
                lines=data.count(b"\n"),
                status=delta.status,
                added=delta.added,
                removed=delta.removed,
            )
        return Summary(
            "; ".join(plan.described),
            {
                "changes": list(plan.described),
                "files": [f"{d.path} +{d.added} -{d.removed}" for d in plan.deltas],
            },
        )


class Verify:
    """The tester's verification of the changed project (its tests were rendered with the change)."""

    name = "tester"
    title = "Tester"
    after: tuple[str, ...] = ("change",)
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = Tester.owns
    settings = RoleSettings(timeout_seconds=Tester.settings.timeout_seconds)

    async def run(self, ctx: RunContext) -> Summary:
        return await Tester().verify(ctx)


class Version:
    """The run's commits become one: the new version the thread shows (and Undo restores from)."""

    name = "version"
    title = "Version"
    after: tuple[str, ...] = ("tester", "security")
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = ()
    settings = RoleSettings(timeout_seconds=30)

    def __init__(self, base: str, change: Change) -> None:
        self.base, self.change = base, change

    async def run(self, ctx: RunContext) -> Summary:
        plan = self.change.plan
        assert plan is not None  # this step runs only after the change step succeeded
        head = await asyncio.to_thread(ctx.repo.head)
        assert head is not None
        sha = await asyncio.to_thread(
            ctx.repo.squash, self.base, message=plan.message, author=CHANGE_AUTHOR, expected_head=head
        )
        ctx.evidence.commits[:] = [sha]
        return Summary(f"version {sha[:7]}", {"commit": sha, "files": [d.path for d in plan.deltas]})


async def revise(ctx: RunContext) -> Outcome:
    """Apply `ctx.prompt` (the request) to the project in `ctx.repo`; see the module docstring."""
    base = await asyncio.to_thread(ctx.repo.head)
    if base is None:
        raise ValueError("a change needs a project with at least one commit")
    change = Change()
    roles: list[Role] = [change, Verify(), Security(), Version(base, change)]
    outcome = await generate(ctx, roles=roles)
    if not outcome.ok:
        head = await asyncio.to_thread(ctx.repo.head)
        if head is not None and head != base:
            await asyncio.to_thread(ctx.repo.reset, base, expected_head=head)
    return outcome
