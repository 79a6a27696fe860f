"""Change runs with a model, verified in the sandbox: the model's edit becomes one new verified commit;
an edit that breaks the app's tests gets the tester's repair rounds, and when they do not fix it the
project is left exactly as it was. The model is the local server, driven through the real OpenAI SDK.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from autocrea.cli import main
from autocrea.domain.events import Event, EventStream
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import generate
from autocrea.pipeline.retrieval import RetrievalIndex, index_dir
from autocrea.pipeline.revision import revise
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.script import ModelScript, Reply
from tests.conftest import openai_model

pytestmark = pytest.mark.slow

KEY = "sk-test-canary-change-run-0123456789"
MODEL = "openai:gpt-4o-mini"
REQUEST = "the API should answer GET /version with the app version"
HEALTH = """@app.get("/health", tags=["health"])
def health() -> dict[str, str]:
    return {"status": "ok"}
"""


def answer(expected: str) -> str:
    """The endpoint, and a test of it that expects `expected` (the app's version is 0.1.0)."""
    return f"""<edit path="app/main.py">
<<<<<<< SEARCH
{HEALTH}=======
{HEALTH}

@app.get("/version", tags=["health"])
def version() -> dict[str, str]:
    return {{"version": app.version}}
>>>>>>> REPLACE
</edit>
<file path="tests/test_version.py">
from fastapi.testclient import TestClient


def test_version(client: TestClient) -> None:
    assert client.get("/version").json() == {{"version": "{expected}"}}
</file>
"""


REPAIR = """<edit path="tests/test_version.py">
<<<<<<< SEARCH
    assert client.get("/version").json() == {"version": "9.9.9"}
=======
    assert client.get("/version").json() == {"version": "0.1.0"}
>>>>>>> REPLACE
</edit>"""


def _ctx(
    repo: ProjectRepo,
    prompt: str,
    sandbox: Sandbox,
    runtimes: RuntimeCache,
    events: list[Event],
    **kw: object,
) -> RunContext:
    run_id = uuid.uuid4().hex
    return RunContext(
        run_id=run_id,
        prompt=prompt,
        model=str(kw.pop("model", "blueprint")),
        events=EventStream(run_id=run_id, emit=events.append),
        repo=repo,
        sandbox=sandbox,
        runtimes=runtimes,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def todo(tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, runtimes: RuntimeCache) -> Path:
    """One generated, verified todo app with its retrieval index built, copied for each test."""
    root = tmp_path_factory.mktemp("todo") / "p"
    repo = ProjectRepo.init(root)
    outcome = asyncio.run(generate(_ctx(repo, "Create a simple todo app", sandbox, runtimes, [])))
    assert outcome.ok, outcome.error
    RetrievalIndex(index_dir(repo)).update(repo.tree("HEAD"))
    return root


@pytest.fixture
def repo(todo: Path, tmp_path: Path) -> ProjectRepo:
    shutil.copytree(todo, tmp_path / "p")
    return ProjectRepo.open(tmp_path / "p")


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer(ModelScript(default=Reply("NO CHANGES")), api_key=KEY) as running:
        yield running


class Run:
    """A change run with the model against `repo`, and its events."""

    def __init__(
        self, repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
    ) -> None:
        self.events: list[Event] = []
        llm = openai_model(server.url, KEY, timeout=20)
        self.ctx = _ctx(repo, REQUEST, sandbox, runtimes, self.events, model=MODEL, llm=llm)

    def finished(self) -> dict[str, str]:
        return {e.step or "": e.data["status"] for e in self.events if e.type == "step.finished"}

    def log_keys(self) -> list[str]:
        return [e.data["key"] for e in self.events if e.type == "step.log" and "key" in e.data]


async def test_a_model_change_is_applied_verified_and_one_new_commit(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    server.reset(ModelScript({"change": Reply(answer("0.1.0"))}), api_key=KEY)
    before, count = repo.head(), len(repo.history())
    run = Run(repo, server, sandbox, runtimes)
    outcome = await revise(run.ctx)
    assert outcome.ok, (outcome.error, outcome.unmet)
    history = repo.history()
    assert len(history) == count + 1 and history[1].sha == before
    assert history[0].message.startswith(f"Change: {REQUEST}") and outcome.evidence.commits == [
        history[0].sha
    ]
    assert "/version" in repo.read("HEAD", "app/main.py").decode()
    assert any(t.name.endswith("test_version") and t.outcome == "passed" for t in outcome.evidence.tests)
    assert run.finished() == dict.fromkeys(("change", "tester", "security", "version"), "succeeded")
    assert outcome.model["label"] == MODEL and outcome.model["fell_back"] is False
    assert outcome.changes == ()  # a model's change: its files say what it did
    assert [r.role for r in server.requests] == ["change"]


async def test_a_change_that_breaks_the_tests_is_repaired_by_the_tester(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    server.reset(ModelScript({"change": Reply(answer("9.9.9")), "tester": Reply(REPAIR)}), api_key=KEY)
    before, count = repo.head(), len(repo.history())
    run = Run(repo, server, sandbox, runtimes)
    outcome = await revise(run.ctx)
    assert outcome.ok, (outcome.error, outcome.unmet)
    assert "repair_fixed" in run.log_keys()
    assert [r.role for r in server.requests] == ["change", "tester"]
    history = repo.history()
    assert len(history) == count + 1 and history[1].sha == before  # change + repair squashed into one
    assert b'"0.1.0"' in repo.read("HEAD", "tests/test_version.py")


async def test_a_change_the_repairs_cannot_fix_leaves_nothing(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    server.reset(ModelScript({"change": Reply(answer("9.9.9")), "tester": Reply("NO CHANGES")}), api_key=KEY)
    before, count = repo.head(), len(repo.history())
    run = Run(repo, server, sandbox, runtimes)
    outcome = await revise(run.ctx)
    assert not outcome.ok
    assert outcome.error is not None
    assert outcome.error.startswith("the model's change broke the app and the repair rounds did not fix it")
    assert repo.head() == before and len(repo.history()) == count
    assert not (repo.root / "tests" / "test_version.py").exists()  # the worktree too
    assert "/version" not in (repo.root / "app" / "main.py").read_text()
    assert run.finished()["tester"] == "failed" and "repair_nothing" in run.log_keys()


def test_the_cli_changes_a_project_with_a_model(
    repo: ProjectRepo,
    server: FakeModelServer,
    runtime_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.reset(ModelScript({"change": Reply(answer("0.1.0"))}), api_key=KEY)
    monkeypatch.setenv("AUTOCREA_RUNTIME_DIR", str(runtime_root))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    before = repo.head()
    assert main(["change", str(repo.root), REQUEST]) == 2  # offline: the Blueprint cannot map it
    assert repo.head() == before and not server.requests
    assert main(["change", str(repo.root), REQUEST, "--model", MODEL]) == 0
    out = capsys.readouterr().out
    assert "app/main.py" in out and "tests/test_version.py" in out
    assert repo.history()[1].sha == before and "/version" in repo.read("HEAD", "app/main.py").decode()
