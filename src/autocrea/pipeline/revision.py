"""A change run: a follow-up request becomes one new verified version of the project, or nothing.

    change  (with a model: the request, the repository map and the files retrieval picks go to the
             model, and its accepted edits are committed (change_model.py); offline, or when the
             model was dropped: plan, amend the spec, re-render, merge with the user's edits)
      -> tester   (the whole project's tests, boot and page probes in the sandbox; a model's change
                   that fails them gets the tester's repair rounds, as in a generation)
      -> security (the scan; SECURITY.md rewritten)
      -> version  (the run's commits squashed into one: "Change: <what changed>")

Any step that fails leaves the project exactly as it was (HEAD moved back, worktree included), so the
caller refunds. A model's change the repair rounds cannot fix fails the run: there is no verified
version to fall back to that would still be the change asked for (a generation's safety net puts
the Blueprint back; here that would be the project as it was, i.e. no change at all).

When the model fails (an unusable or late answer) the Blueprint makes the change if the offline
planner can map the request (the run then says "built offline: <model> failed (<reason>)"), unless
the run was set not to fall back; a request it cannot map fails the run, saying both. A wrong
configuration (rejected key, nothing at the address) fails the run at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from autocrea.blueprint.amendment import ChangeNotUnderstood
from autocrea.pipeline.change import ChangeConflict, FileDelta, deltas, plan_change, spec_at_head
from autocrea.pipeline.change_model import ask_for_change
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.roles.base import Role, RoleSettings, Summary
from autocrea.pipeline.roles.security import Security
from autocrea.pipeline.roles.tester import Tester
from autocrea.pipeline.run_model import REASONS
from autocrea.storage.git import role_author

CHANGE_AUTHOR = role_author("change")


def model_message(request: str, label: str) -> str:
    """A model's change as a commit message: the request's first line, and who made it."""
    first = next((line.strip() for line in request.splitlines() if line.strip()), "")
    return f"Change: {first[:300]}\n\nMade by {label[:200]}."


class Change:
    """Makes the change against HEAD and commits it (not yet a version: see Version)."""

    name = "change"
    title = "Change"
    after: tuple[str, ...] = ()
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = ("*",)
    settings = RoleSettings(timeout_seconds=600)  # a model may stream a few thousand tokens

    def __init__(self) -> None:
        self.message = ""
        self.described: tuple[str, ...] = ()  # each change in the app's language (offline only)

    async def run(self, ctx: RunContext) -> Summary:
        use = ctx.model_use
        if use is not None:
            ctx.spec = await asyncio.to_thread(spec_at_head, ctx.repo)
            files = await ask_for_change(ctx, settings=self.settings)
            if use.dropped is None:
                self.message = model_message(ctx.prompt, use.label)
                writes = {path: text.encode() for path, text in files.items()}
                said = f"{len(writes)} file(s) changed by {use.label}"
                return await self._commit(ctx, writes, [], said, model=use.label)
        return await self._offline(ctx)

    async def _offline(self, ctx: RunContext) -> Summary:
        use = ctx.model_use
        with ctx.timed("spec"):
            try:
                plan = await asyncio.to_thread(plan_change, ctx.repo, ctx.prompt)
            except (ChangeNotUnderstood, ChangeConflict) as exc:
                if use is None or use.dropped is None:
                    raise
                why = REASONS[use.dropped.reason]
                raise type(exc)(
                    f"{use.label} failed ({why}), and the offline engine cannot make this change either: "
                    f"{exc.message}",
                    details={**exc.details, "model": use.label, "why": use.dropped.reason},
                ) from exc
        ctx.spec = plan.after
        self.message, self.described = plan.message, plan.described
        for line in plan.described:
            ctx.log(self.name, line, key="change_item", params={"text": line})
        writes = {d.path: plan.files[d.path] for d in plan.deltas if d.status != "deleted"}
        deletes = [d.path for d in plan.deltas if d.status == "deleted"]
        return await self._commit(ctx, writes, deletes, "; ".join(plan.described))

    async def _commit(
        self, ctx: RunContext, writes: dict[str, bytes], deletes: list[str], said: str, *, model: str = ""
    ) -> Summary:
        before = await asyncio.to_thread(ctx.repo.tree, "HEAD")
        after = {**{p: d for p, d in before.items() if p not in deletes}, **writes}
        changed: tuple[FileDelta, ...] = deltas(before, after)
        sha = await asyncio.to_thread(
            ctx.repo.commit_files, writes, message=self.message, author=CHANGE_AUTHOR, delete=deletes
        )
        ctx.evidence.commits.append(sha)
        ctx.evidence.files = len(after)
        ctx.evidence.lines = sum(data.count(b"\n") for data in after.values())
        for delta in changed:
            data = after.get(delta.path, b"")
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
        facts: dict[str, int | str | list[str]] = {
            "changes": list(self.described),
            "files": [f"{d.path} +{d.added} -{d.removed}" for d in changed],
        }
        if model:  # who made it, for the page to word: "3 files changed by openai:gpt-4o-mini"
            facts["model"] = model
        return Summary(said, facts)


class Verify:
    """The tester's verification of the changed project, with repair rounds for a model's change."""

    name = "tester"
    title = "Tester"
    after: tuple[str, ...] = ("change",)
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = Tester.owns
    settings = RoleSettings(timeout_seconds=Tester.settings.timeout_seconds)

    async def run(self, ctx: RunContext) -> Summary:
        return await Tester().verify(ctx, safety_net=False)


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
        assert self.change.message  # this step runs only after the change step succeeded
        head = await asyncio.to_thread(ctx.repo.head)
        assert head is not None
        sha = await asyncio.to_thread(
            ctx.repo.squash, self.base, message=self.change.message, author=CHANGE_AUTHOR, expected_head=head
        )
        ctx.evidence.commits[:] = [sha]
        diff = await asyncio.to_thread(ctx.repo.diff, self.base, sha)
        return Summary(f"version {sha[:7]}", {"commit": sha, "files": [f.path for f in diff.files]})


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
    return replace(outcome, changes=change.described)
