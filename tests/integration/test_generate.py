"""Full generations through the CLI and the pipeline: the definition of done, git, ZIP, events."""

from __future__ import annotations

import io
import itertools
import json
import uuid
import zipfile
from pathlib import Path

import pytest

from autocrea.blueprint.architect import design
from autocrea.cli import main
from autocrea.domain.events import Event, EventStream
from autocrea.domain.examples import SEED_EXAMPLES
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.roles.base import Summary
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.archive import zip_commit
from autocrea.storage.git import ProjectRepo
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.script import ModelScript, Reply
from tests.conftest import openai_model

pytestmark = pytest.mark.slow

SEEDS = SEED_EXAMPLES
ROLES = ["architect", "backend", "frontend", "devops", "tester", "security"]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, runtime_root: Path) -> None:
    monkeypatch.setenv("AUTOCREA_RUNTIME_DIR", str(runtime_root))


@pytest.mark.parametrize("prompt", SEEDS)
def test_seed_examples_become_verified_projects(prompt: str, tmp_path: Path, cli_env: None) -> None:
    out = tmp_path / "project"
    assert main(["generate", prompt, "--out", str(out)]) == 0
    repo = ProjectRepo.open(out)
    history = repo.history()
    assert sorted(c.author.email.split("@")[0] for c in history) == sorted(ROLES)
    assert all(c.author.name.startswith("AUTOCREA ") for c in history)
    tree = repo.tree("HEAD")
    spec = json.loads(tree["autocrea.json"])
    assert spec["prompt"] == prompt
    assert {
        "requirements.txt",
        "Dockerfile",
        "docker-compose.yml",
        ".github/workflows/ci.yml",
        ".env.example",
        "README.md",
        "SECURITY.md",
        "app/main.py",
    } <= set(tree)
    assert any(path.startswith("tests/test_") for path in tree)
    # The worktree is exactly the committed tree: nothing left behind by tests or boots.
    on_disk = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and ".git" not in p.parts)
    assert on_disk == sorted(tree)
    # The ZIP of HEAD is the tree, through the CLI.
    zip_path = tmp_path / "p.zip"
    assert main(["export", str(out), "--commit", "HEAD", "-o", str(zip_path)]) == 0
    with zipfile.ZipFile(zip_path) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == tree
    assert not list(tmp_path.glob(".project.partial-*"))


async def test_pipeline_events_tell_the_whole_story(
    tmp_path: Path, runtimes: RuntimeCache, sandbox: Sandbox
) -> None:
    events: list[Event] = []
    run_id = uuid.uuid4().hex
    prompt = "a library system with books, members and loans"
    ctx = RunContext(
        run_id=run_id,
        prompt=prompt,
        model="blueprint",
        events=EventStream(run_id=run_id, emit=events.append),
        repo=ProjectRepo.init(tmp_path / "p"),
        sandbox=sandbox,
        runtimes=runtimes,
    )
    outcome = await generate(ctx)
    assert outcome.ok, (outcome.error, outcome.unmet)
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert all(a.ts <= b.ts for a, b in itertools.pairwise(events))
    assert events[0].type == "run.started" and events[-1].type == "run.finished"
    started = [e.step for e in events if e.type == "step.started"]
    finished = [e for e in events if e.type == "step.finished"]
    assert sorted(started) == sorted(ROLES)
    assert all(e.data["status"] == "succeeded" for e in finished)
    assert finished[-1].data["progress"] == 1.0
    # backend, frontend and devops all start before any of them finishes: they run concurrently.
    index = {(e.type, e.step): i for i, e in enumerate(events)}
    builders = ("backend", "frontend", "devops")
    assert max(index[("step.started", r)] for r in builders) < min(
        index[("step.finished", r)] for r in builders
    )
    # The tester writes beside them; its verification (the first test result) waits for all three.
    assert index[("step.started", "tester")] < min(index[("step.finished", r)] for r in builders)
    first_result = next(i for i, e in enumerate(events) if e.type == "test.result")
    assert max(index[("step.finished", r)] for r in builders) < first_result
    assert index[("step.finished", "tester")] < index[("step.started", "security")]
    assert {e.data["path"] for e in events if e.type == "file.written"} == set(ctx.repo.tree("HEAD"))
    tests = [e for e in events if e.type == "test.result" and e.data["kind"] == "unit"]
    pages = [e for e in events if e.type == "test.result" and e.data["kind"] == "page"]
    assert tests and all(e.data["outcome"] == "passed" for e in tests)
    assert {e.data["path"] for e in pages} >= {"/", "/openapi.json"}
    spec = outcome.spec
    assert spec is not None and {"Book", "Member", "Loan"} <= {e.name for e in spec.entities}
    summary = events[-1].data["summary"]
    assert summary["tests_failed"] == 0 and summary["commits"] == 6
    zipped = zipfile.ZipFile(io.BytesIO(zip_commit(ctx.repo, "HEAD")))
    assert sorted(zipped.namelist()) == sorted(ctx.repo.tree("HEAD"))


async def test_a_failing_app_is_reported_not_hidden(
    tmp_path: Path, runtimes: RuntimeCache, sandbox: Sandbox
) -> None:
    """A role that breaks the app: the tester fails, security is skipped, run.failed names the reason."""
    from autocrea.pipeline.generation import default_roles
    from autocrea.pipeline.roles.builders import Backend

    class BrokenBackend(Backend):
        async def run(self, ctx: RunContext) -> Summary:
            spec = ctx.require_spec()
            files = type(self)._render(spec)
            files["app/models.py"] = files["app/models.py"] + "\nraise RuntimeError('broken on purpose')\n"
            await ctx.commit(self.name, self.owns, files, "Broken backend")
            return Summary("broken")

    roles = [BrokenBackend() if r.name == "backend" else r for r in default_roles()]
    events: list[Event] = []
    ctx = RunContext(
        run_id="x",
        prompt="Create a simple todo app",
        model="blueprint",
        events=EventStream(run_id="x", emit=events.append),
        repo=ProjectRepo.init(tmp_path / "p"),
        sandbox=sandbox,
        runtimes=runtimes,
    )
    outcome = await generate(ctx, roles=roles)
    assert not outcome.ok
    assert events[-1].type == "run.failed" and "tests failed" in events[-1].data["error"]
    statuses = {e.step: e.data["status"] for e in events if e.type == "step.finished"}
    assert statuses["tester"] == "failed" and statuses["security"] == "skipped"
    assert design("Create a simple todo app").spec.slug


def test_generate_with_an_openai_compatible_model(
    tmp_path: Path, cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The architect asks the model (the local OpenAI-compatible server, through the real SDK)."""
    prompt = "Create a simple todo app"
    answer = design("a library system with books, members and loans").spec.model_dump_json()
    key = "sk-canary-key-never-in-output-1234"
    script = ModelScript({"architect": Reply(f"```json\n{answer}\n```")}, default=Reply("NO CHANGES"))
    with FakeModelServer(script, api_key=key) as server:
        monkeypatch.setenv("OPENAI_API_KEY", key)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        out = tmp_path / "project"
        assert main(["generate", prompt, "--out", str(out), "--model", "openai:gpt-4o-mini"]) == 0
        roles = [r.role for r in server.requests]
        assert roles[0] == "architect" and sorted(roles[1:]) == ["backend", "devops", "frontend", "tester"]
    tree = ProjectRepo.open(out).tree("HEAD")
    spec = json.loads(tree["autocrea.json"])
    assert spec["prompt"] == prompt and {e["name"] for e in spec["entities"]} == {"Book", "Member", "Loan"}
    assert all(key.encode() not in data for data in tree.values())


def test_generate_without_fallback_stops_when_the_model_cannot_keep_the_format(
    tmp_path: Path, cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--no-fallback`: the model's unusable answers end the run (exit 1) instead of an offline build."""
    key = "sk-no-fallback-cli-0123456789"
    script = ModelScript(default=Reply("Happy to help! I would use Django and React."))
    with FakeModelServer(script, api_key=key) as server:
        monkeypatch.setenv("OPENAI_API_KEY", key)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        out = tmp_path / "project"
        argv = ["generate", "Create a simple todo app", "--out", str(out), "--model", "openai:gpt-4o-mini"]
        assert main([*argv, "--no-fallback"]) == 1
        assert [r.role for r in server.requests] == ["architect"] * 3  # the re-asks, then it stopped
    printed = capsys.readouterr().out
    assert "set not to fall back to the Blueprint" in printed


async def test_a_model_change_that_breaks_the_app_is_rolled_back(
    tmp_path: Path, runtimes: RuntimeCache, sandbox: Sandbox
) -> None:
    """Safety net: the verified Blueprint comes back, the run still meets the definition of done."""
    key = "sk-safety-net-0123456789"
    spec = design("Create a simple todo app").spec.model_dump_json()
    broken = '<file path="app/main.py">\nraise RuntimeError("broken by the model")\n</file>'
    script = ModelScript({"architect": Reply(spec), "backend": Reply(broken)}, default=Reply("NO CHANGES"))
    ctx, outcome, events, _ = await run_with_model(tmp_path, runtimes, script, key, sandbox)
    assert outcome.ok, (outcome.error, outcome.unmet)
    # The app is the Blueprint's again: the run does not claim the model built it.
    assert outcome.model["fell_back"] and outcome.model["failed"]["reason"] == "broke_app"
    assert outcome.model["label"] == "built offline: openai:gpt-4o-mini failed (its changes broke the app)"
    history = ctx.repo.history()
    assert history[1].message.startswith("Restore the Blueprint of 1 file")
    assert b"broken by the model" not in ctx.repo.tree("HEAD")["app/main.py"]
    assert any("model changes broke the app" in str(e.data.get("message")) for e in events)
    assert events[-1].type == "run.finished"
    assert key not in json.dumps([e.model_dump(mode="json") for e in events])  # the canary never leaks


async def test_a_failure_goes_back_to_the_owning_role_for_repair(
    tmp_path: Path, runtimes: RuntimeCache, sandbox: Sandbox
) -> None:
    """Repair round: the backend breaks main.py, sees the failing output, sends it back fixed."""
    from autocrea.blueprint.render import render_backend

    key = "sk-repair-round-0123456789"
    spec = design("Create a simple todo app").spec
    good_main = render_backend(spec)["app/main.py"]
    broken = '<file path="app/main.py">\nraise RuntimeError("broken by the model")\n</file>'
    fixed = f'<file path="app/main.py">\n{good_main}</file>'
    script = ModelScript(
        {"architect": Reply(spec.model_dump_json()), "backend": [Reply(broken), Reply(fixed)]},
        default=Reply("NO CHANGES"),
    )
    ctx, outcome, events, server = await run_with_model(tmp_path, runtimes, script, key, sandbox)
    backend_asks = [r for r in server.requests if r.role == "backend"]
    assert outcome.ok, (outcome.error, outcome.unmet)
    assert len(backend_asks) == 2 and "broken by the model" in json.dumps(backend_asks[1].body)
    repair = ctx.repo.history()[1]
    assert repair.message.startswith("Repair round 1") and repair.author.email == "backend@autocrea.local"
    assert any("repair round 1 fixed the app" in str(e.data.get("message")) for e in events)


async def run_with_model(
    tmp_path: Path, runtimes: RuntimeCache, script: ModelScript, key: str, sandbox: Sandbox
) -> tuple[RunContext, Outcome, list[Event], FakeModelServer]:
    """A whole generation whose model is the local OpenAI-compatible server running `script`."""
    events: list[Event] = []
    with FakeModelServer(script, api_key=key) as server:
        model = openai_model(server.url, key)
        ctx = RunContext(
            run_id="m",
            prompt="Create a simple todo app",
            model="openai:gpt-4o-mini",
            events=EventStream(run_id="m", emit=events.append),
            repo=ProjectRepo.init(tmp_path / "p"),
            sandbox=sandbox,
            runtimes=runtimes,
            llm=model,
        )
        try:
            outcome = await generate(ctx)
        finally:
            await model.aclose()
    return ctx, outcome, events, server
