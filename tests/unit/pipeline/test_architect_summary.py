"""The architect's step summary claims only the features the app really has; stubs are said apart."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from autocrea.blueprint.integrations import STUBBED_FEATURES as BLUEPRINT_STUBS
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
    # One fact in three places (the spec's words, the renderer, the offline architect's stubs).
    assert BLUEPRINT_STUBS == STUBBED_FEATURES
    assert set(get_args(Feature)) - STUBBED_FEATURES == RENDERED_FEATURES


@pytest.mark.parametrize("prompt", ["Blog con CMS y autenticación", "Blog with a CMS and authentication"])
async def test_a_blog_with_login_is_not_said_to_have_accounts(tmp_path: Path, prompt: str) -> None:
    ctx = context(tmp_path, prompt)
    summary = await Architect().run(ctx)
    assert ctx.spec is not None and "auth" in ctx.spec.features  # asked for, and recorded
    assert any(i.kind == "stub" and i.requested == "Accounts/login" for i in ctx.spec.integrations)
    built = [f for f in ctx.spec.features if f != "auth"]
    assert summary.facts["features"] == built and summary.facts["stubs"] == ["auth"]
    assert summary.text.endswith(f"pages, features: {', '.join(built) or 'none'}; not built yet: auth")


async def test_an_app_with_nothing_stubbed_says_no_stubs(tmp_path: Path) -> None:
    summary = await Architect().run(context(tmp_path, "Biblioteca con libros, socios y préstamos"))
    assert summary.facts["stubs"] == []
    assert "not built yet" not in summary.text
