"""Architect: turns the prompt into an AppSpec (offline engine when no model is configured)."""

from __future__ import annotations

import asyncio

from autocrea.blueprint.architect import design
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.roles.base import RoleSettings


class Architect:
    name = "architect"
    title = "Architect"
    after: tuple[str, ...] = ()
    owns: tuple[str, ...] = ("autocrea.json",)
    settings = RoleSettings(timeout_seconds=60)

    async def run(self, ctx: RunContext) -> str:
        with ctx.timed("spec"):
            blueprint = await asyncio.to_thread(design, ctx.prompt)
        spec = blueprint.spec
        ctx.spec = spec
        for note in blueprint.notes:
            ctx.log(self.name, note)
        for integration in spec.integrations:
            ctx.log(
                self.name,
                f"{integration.requested}: {integration.kind} -> {integration.provided}",
                integration=integration.model_dump(),
            )
        entities = ", ".join(e.name for e in spec.entities)
        await ctx.commit(
            self.name, self.owns, {"autocrea.json": spec.to_json()}, f"Plan {spec.name}: {entities}"
        )
        features = ", ".join(spec.features) or "none"
        return f"{len(spec.entities)} entities ({entities}), {len(spec.pages)} pages, features: {features}"
