"""The architect's step summary claims only the features the app really has; stubs are said apart."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from autocrea.blueprint.render import RENDERED_FEATURES
from autocrea.domain.appspec import STUBBED_FEATURES, Feature
from autocrea.domain.events import Event, EventStream
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.roles.architect import Architect
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo


def context(tmp_path: Path, prompt: str) -> RunContext:
    events: list[Event] = []
    return RunContext(
        run_id="r",
        prompt=prompt,
        model="blueprint",
        events=EventStream(run_id="r", emit=events.append),
        repo=ProjectRepo.init(tmp_path / "p"),
        sandbox=ProcessSandbox(),
        runtimes=RuntimeCache(root=tmp_path / "rt", python="python3"),
    )


def test_the_spec_the_renderer_and_the_integrations_agree_on_what_is_stubbed() -> None:
    # One fact in two places (the spec's words, the renderer).
    assert set(get_args(Feature)) - STUBBED_FEATURES == RENDERED_FEATURES


@pytest.mark.parametrize(
    "prompt",
    [
        "Portal de empleo donde los candidatos suben su CV en PDF",
        "A job board where candidates upload their CV as a PDF",
    ],
)
async def test_uploads_with_no_field_to_hold_them_are_not_claimed(tmp_path: Path, prompt: str) -> None:
    ctx = context(tmp_path, prompt)
    summary = await Architect().run(ctx)
    assert ctx.spec is not None and "file_upload" in ctx.spec.features  # asked for, and recorded
    assert any(i.kind == "stub" and i.requested == "File uploads" for i in ctx.spec.integrations)
    built = [f for f in ctx.spec.features if f != "file_upload"]
    assert summary.facts["features"] == built and summary.facts["stubs"] == ["file_upload"]
    assert summary.text.endswith(f"pages, features: {', '.join(built) or 'none'}; not built yet: file_upload")


@pytest.mark.parametrize(
    ("prompt", "feature"),
    [("Blog con CMS y autenticación", "auth"), ("Galería de fotos con subida de imágenes", "file_upload")],
)
async def test_accounts_and_uploads_are_said_to_be_built(tmp_path: Path, prompt: str, feature: str) -> None:
    ctx = context(tmp_path, prompt)
    summary = await Architect().run(ctx)
    assert ctx.spec is not None and feature in summary.facts["features"]
    assert summary.facts["stubs"] == [] and "not built yet" not in summary.text


async def test_an_app_with_nothing_stubbed_says_no_stubs(tmp_path: Path) -> None:
    summary = await Architect().run(context(tmp_path, "Biblioteca con libros, socios y préstamos"))
    assert summary.facts["stubs"] == []
    assert "not built yet" not in summary.text
