"""Architect: turns the prompt into an AppSpec (offline engine when no model is configured)."""

from __future__ import annotations

import asyncio
import functools

from autocrea.blueprint.architect import design
from autocrea.domain.appspec import AppSpec
from autocrea.pipeline.architect_model import design_with_model
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.ownership import OWNS
from autocrea.pipeline.roles.base import RoleSettings, Summary


class Architect:
    name = "architect"
    title = "Architect"
    after: tuple[str, ...] = ()
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = OWNS["architect"]
    settings = RoleSettings(timeout_seconds=300, max_output_tokens=8000)

    async def _design(self, ctx: RunContext) -> tuple[AppSpec, tuple[str, ...]]:
        if ctx.model_use is None:
            blueprint = await asyncio.to_thread(design, ctx.prompt)
            return blueprint.spec, blueprint.notes
        result = await design_with_model(
            prompt=ctx.prompt,
            model=ctx.model_use,
            max_tokens=self.settings.max_output_tokens,
            temperature=self.settings.temperature,
            on_chunk=lambda c: ctx.events("step.token", self.name, text=c.text, attempt=c.attempt),
            log=functools.partial(ctx.log, self.name),
        )
        return result.spec, tuple(result.notes)

    async def run(self, ctx: RunContext) -> Summary:
        with ctx.timed("spec"):
            spec, notes = await self._design(ctx)
        ctx.spec = spec
        for note in notes:
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
        # Only what the app really has is claimed; what was asked for but stubbed is said apart.
        features = ", ".join(spec.built_features) or "none"
        stubs = f"; not built yet: {', '.join(spec.stubbed_features)}" if spec.stubbed_features else ""
        count = f"{len(spec.entities)} entit{'y' if len(spec.entities) == 1 else 'ies'}"
        return Summary(
            f"{count} ({entities}), {len(spec.pages)} pages, features: {features}{stubs}",
            {
                "n": len(spec.entities),
                "entities": entities,
                "pages": len(spec.pages),
                "features": list(spec.built_features),
                "stubs": list(spec.stubbed_features),
            },
        )
