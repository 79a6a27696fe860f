"""The run's shape: the tester writes beside the builders; its verification waits for them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from autocrea.domain.events import Event, EventStream
from autocrea.errors import GenerationFailed
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import default_roles, generate
from autocrea.pipeline.roles.base import Role, Summary
from autocrea.pipeline.roles.builders import Backend
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo

BUILDERS = ("backend", "frontend", "devops")


class FailingBackend(Backend):
    """Fails, once `gate` opens (if given): a builder still at work when the tester is ready."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.gate = gate

    async def run(self, ctx: RunContext) -> Summary:
        if self.gate is not None:
            await self.gate.wait()
        raise GenerationFailed("the backend broke on purpose")


def with_backend(backend: Role) -> list[Role]:
    return [backend if r.name == "backend" else r for r in default_roles()]


def make_ctx(tmp_path: Path, emit: Callable[[Event], None]) -> RunContext:
    sandbox = ProcessSandbox()
    return RunContext(
        run_id="r",
        prompt="a library system with books, members and loans",
        model="blueprint",
        events=EventStream(run_id="r", emit=emit),
        repo=ProjectRepo.init(tmp_path / "p"),
        sandbox=sandbox,
        runtimes=RuntimeCache(root=tmp_path / "rt", python="python3"),
    )


async def test_the_tester_writes_before_the_builders_finish_and_a_failed_builder_ends_its_verification(
    tmp_path: Path,
) -> None:
    events: list[Event] = []
    tests_committed = asyncio.Event()

    def emit(event: Event) -> None:
        events.append(event)
        if event.type == "file.written" and event.step == "tester":
            tests_committed.set()

    ctx = make_ctx(tmp_path, emit)
    # The backend ends only after the tester has committed its tests. Were the tester's writing to
    # wait for the builders, this would deadlock; the bound turns that into a failure, not a hang.
    outcome = await asyncio.wait_for(generate(ctx, roles=with_backend(FailingBackend(tests_committed))), 60)

    index = {(e.type, e.step): i for i, e in enumerate(events)}
    first_test_file = next(i for i, e in enumerate(events) if e.type == "file.written" and e.step == "tester")
    assert index[("step.started", "tester")] < min(index[("step.finished", b)] for b in BUILDERS)
    assert first_test_file < index[("step.finished", "backend")]
    finished = {e.step: e.data for e in events if e.type == "step.finished"}
    assert finished["backend"]["status"] == "failed"
    assert finished["tester"]["status"] == "skipped"
    assert finished["tester"]["reason"].startswith("verifying the app needs backend, frontend, devops;")
    assert finished["tester"]["reason"].endswith("backend failed")
    assert finished["security"]["status"] == "skipped"
    assert finished["security"]["reason"] == "a step it depends on failed"
    assert not any(e.type == "test.result" for e in events)  # the verification never ran
    assert not outcome.ok and outcome.error == "the backend broke on purpose"
    assert events[-1].type == "run.failed" and events[-1].data["error"] == "the backend broke on purpose"
    # One commit per step that wrote: the tester's tests are kept, in order after the architect.
    authors = [c.author.email.split("@")[0] for c in reversed(ctx.repo.history())]
    assert authors[0] == "architect" and sorted(authors[1:]) == ["devops", "frontend", "tester"]


async def test_run_started_tells_when_each_step_starts_and_what_it_waits_for(tmp_path: Path) -> None:
    events: list[Event] = []
    await asyncio.wait_for(
        generate(make_ctx(tmp_path, events.append), roles=with_backend(FailingBackend())), 60
    )
    steps = {s["name"]: s for s in events[0].data["steps"]}
    assert events[0].type == "run.started"
    assert steps["tester"]["after"] == ["architect"] and steps["tester"]["waits_for"] == list(BUILDERS)
    assert steps["security"]["after"] == ["tester"] and steps["security"]["waits_for"] == []
    assert [s["name"] for s in events[0].data["steps"]] == [r.name for r in default_roles()]
    tester = next(e for e in events if e.type == "step.finished" and e.step == "tester")
    assert tester.data["status"] == "skipped" and tester.data["reason"].endswith("backend failed")


@pytest.mark.parametrize(
    ("waits_for", "message"),
    [(("ghost",), "unknown node ghost"), (("security",), "cycle")],
)
async def test_a_wait_that_could_never_end_is_refused_before_anything_runs(
    tmp_path: Path, waits_for: tuple[str, ...], message: str
) -> None:
    events: list[Event] = []
    roles = default_roles()
    tester = next(r for r in roles if r.name == "tester")
    tester.waits_for = waits_for
    with pytest.raises(ValueError, match=message):
        await generate(make_ctx(tmp_path, events.append), roles=roles)
    assert events == [] and ProjectRepo.open(tmp_path / "p").history() == []
