"""Backend, frontend and devops: each renders its part of the Blueprint from the spec, concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from autocrea.blueprint.render import render_backend, render_devops, render_frontend
from autocrea.domain.appspec import AppSpec
from autocrea.pipeline.builder_model import refine
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.ownership import OWNS
from autocrea.pipeline.roles.base import RoleSettings, Summary
from autocrea.pipeline.roles.devops import check_deployment


class _Builder:
    name: str
    title: str
    after: tuple[str, ...] = ("architect",)
    waits_for: tuple[str, ...] = ()
    owns: tuple[str, ...]
    settings = RoleSettings(timeout_seconds=600)  # a model may stream a few thousand tokens
    _render: Callable[[AppSpec], dict[str, str]]

    async def run(self, ctx: RunContext) -> Summary:
        spec = ctx.require_spec()
        with ctx.timed("render"):
            files = await asyncio.to_thread(type(self)._render, spec)
        ctx.log(
            self.name, f"rendered {len(files)} files from the spec", key="rendered", params={"n": len(files)}
        )
        files = await refine(ctx, role=self.name, owns=self.owns, settings=self.settings, files=files)
        checked = await self._check(ctx, files)
        await ctx.commit(self.name, self.owns, files, f"{self.title}: {len(files)} files for {spec.name}")
        lines = sum(text.count("\n") for text in files.values())
        return Summary(
            f"{len(files)} files, {lines} lines{checked.text}",
            {"n": len(files), "lines": lines, **checked.facts},
        )

    async def _check(self, ctx: RunContext, files: dict[str, str]) -> Summary:
        """The role's own check of the files it is about to commit: words to add to its summary."""
        return Summary("")


class Backend(_Builder):
    name = "backend"
    title = "Backend"
    owns: tuple[str, ...] = OWNS["backend"]
    _render = staticmethod(render_backend)


class Frontend(_Builder):
    name = "frontend"
    title = "Frontend"
    owns: tuple[str, ...] = OWNS["frontend"]
    _render = staticmethod(render_frontend)


class Devops(_Builder):
    name = "devops"
    title = "DevOps"
    owns: tuple[str, ...] = OWNS["devops"]
    _render = staticmethod(render_devops)

    async def _check(self, ctx: RunContext, files: dict[str, str]) -> Summary:
        check = await check_deployment(ctx, self.name, files)
        return Summary(
            f"; deployment checks: {check.errors} error(s), {check.warnings} warning(s)",
            {"errors": check.errors, "warnings": check.warnings},
        )
