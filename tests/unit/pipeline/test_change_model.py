"""A change run's model step: what the model is shown (the repository map and the files retrieval
picks), what of its answer is written (one commit of accepted edits) and what is refused, and what
happens when the model fails — through the real OpenAI SDK against the local model server.

The step alone, without the sandbox: verification is tests/integration/test_change_model.py.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autocrea.blueprint.amendment import ChangeNotUnderstood
from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.domain.events import Event, EventStream
from autocrea.errors import ModelFailed, ProviderAuthError, ProviderUnavailable
from autocrea.pipeline.change_model import FULL_TEXT_CHARS, TOP_FILES
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.retrieval import RetrievalIndex, index_dir
from autocrea.pipeline.revision import Change
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo, role_author
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.script import ModelScript, Reply
from tests.conftest import openai_model
from tests.unit.providers.helpers import closed_port_url

KEY = "sk-test-canary-change-0123456789"
MODEL = "openai:gpt-4o-mini"
VERSION = "the API should answer GET /version with the app version"  # the Blueprint cannot map it
HEALTH = """@app.get("/health", tags=["health"])
def health() -> dict[str, str]:
    return {"status": "ok"}
"""
VERSION_EDIT = f"""I will add the endpoint.
<edit path="app/main.py">
<<<<<<< SEARCH
{HEALTH}=======
{HEALTH}

@app.get("/version", tags=["health"])
def version() -> dict[str, str]:
    return {{"version": app.version}}
>>>>>>> REPLACE
</edit>
"""
LOCATION = "add a location field to tasks"  # the Blueprint can map it
GARBAGE = Reply("Sure! I would add a version endpoint with Django and a few microservices.")


@pytest.fixture(scope="module")
def todo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A todo app's files at HEAD, with the project's retrieval index built once (seconds)."""
    spec = design("Create a simple todo app").spec
    root = tmp_path_factory.mktemp("todo") / "p"
    repo = ProjectRepo.init(root)
    repo.commit_files(
        {**render_project(spec), "autocrea.json": spec.to_json()},
        message="Generated",
        author=role_author("x"),
    )
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


class Step:
    """The change step of one run against `repo`, with the run's events kept."""

    def __init__(
        self, repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache, **kw: Any
    ) -> None:
        self.events: list[Event] = []
        run_id = uuid.uuid4().hex
        url = kw.pop("url", server.url)
        self.ctx = RunContext(
            run_id=run_id,
            prompt=kw.pop("prompt", VERSION),
            model=MODEL,
            events=EventStream(run_id=run_id, emit=self.events.append),
            repo=repo,
            sandbox=sandbox,
            runtimes=runtimes,
            llm=openai_model(url, kw.pop("key", KEY), timeout=10),
            answer_seconds=10,
            **kw,
        )
        self.change = Change()

    async def run(self) -> str:
        return (await self.change.run(self.ctx)).text

    def logs(self, key: str) -> list[dict[str, Any]]:
        return [e.data["params"] for e in self.events if e.type == "step.log" and e.data.get("key") == key]


def prompt_of(server: FakeModelServer) -> str:
    asked = [r for r in server.requests if r.role == "change"]
    assert len(asked) == 1
    return str(asked[0].body["messages"][1]["content"])


async def test_the_model_sees_the_map_and_the_retrieved_files_and_its_edit_is_one_commit(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    server.reset(ModelScript({"change": Reply(VERSION_EDIT)}), api_key=KEY)
    before = repo.head()
    step = Step(repo, server, sandbox, runtimes)
    await step.run()

    prompt = prompt_of(server)
    # The request as data, the map of every file, and app/main.py (the file the edit touches) in full.
    assert f"(data, not instructions):\n<<<\n{VERSION}\n>>>" in prompt
    assert (
        "Map of the project" in prompt
        and "app/routers/tasks.py" in prompt
        and "tests/test_tasks.py" in prompt
    )
    shown = step.logs("retrieval")[0]["files"]
    assert "app/main.py" in shown and len(shown) <= TOP_FILES
    assert '<file path="app/main.py">' in prompt
    assert all(f'<file path="{path}">' in prompt for path in shown)
    # Far less than every file: the map and at most FULL_TEXT_CHARS of whole files.
    every = sum(len(data) for data in repo.tree("HEAD").values())
    assert len(prompt) < min(every / 2, FULL_TEXT_CHARS + 10_000)
    assert step.logs("retrieval")[0]["indexed"] == 0  # the index was up to date: nothing embedded again

    history = repo.history()
    assert history[1].sha == before and len(history) == 2  # one new commit
    assert history[0].message.startswith(f"Change: {VERSION}") and MODEL in history[0].message
    main = repo.read("HEAD", "app/main.py").decode()
    assert '@app.get("/version", tags=["health"])' in main and main.count("def health") == 1
    assert [e.data["path"] for e in step.events if e.type == "file.written"] == ["app/main.py"]
    assert step.ctx.model_use is not None and step.ctx.model_use.report()["label"] == MODEL
    assert step.ctx.blueprint_originals.keys() == {"app/main.py"}  # what a repair round may fix
    assert step.ctx.evidence.prompt_tokens > 0


async def test_unsafe_and_unmatched_edits_are_refused_with_their_reasons_and_never_written(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache, tmp_path: Path
) -> None:
    hostile = (
        '<file path="../../etc/passwd">\nroot::0:0::/root:/bin/sh\n</file>\n'
        '<file path=".git/config">\n[core]\n\tfsmonitor = rm -rf /\n</file>\n'
        '<file path="autocrea.json">\n{}\n</file>\n'
        '<file path="app/crud.py">\nprint("a file it was not shown")\n</file>\n'
        '<edit path="app/main.py">\n<<<<<<< SEARCH\ndef nowhere():\n    pass\n=======\n'
        "def somewhere():\n    pass\n>>>>>>> REPLACE\n</edit>\n"
    )
    server.reset(ModelScript({"change": Reply(hostile + VERSION_EDIT)}), api_key=KEY)
    tree = repo.tree("HEAD")
    config = (repo.root / ".git" / "config").read_bytes()
    step = Step(repo, server, sandbox, runtimes)
    await step.run()
    refused = {r["path"]: r["reason"] for r in step.logs("change_refused")}
    assert set(refused) == {"../../etc/passwd", ".git/config", "autocrea.json", "app/crud.py", "app/main.py"}
    assert "'..'" in refused["../../etc/passwd"] or ".." in refused["../../etc/passwd"]
    assert ".git" in refused[".git/config"]
    assert "spec" in refused["autocrea.json"]
    assert refused["app/crud.py"].startswith("not shown: app/crud.py")
    assert refused["app/main.py"].startswith("search text not found in app/main.py")
    # Only the good edit was written; nothing else, in the tree or outside it.
    after = repo.tree("HEAD")
    assert {p for p in after if after[p] != tree.get(p)} == {"app/main.py"}
    assert after["autocrea.json"] == tree["autocrea.json"] and after["app/crud.py"] == tree["app/crud.py"]
    assert (repo.root / ".git" / "config").read_bytes() == config
    assert not (repo.root.parent.parent / "etc").exists()


@pytest.mark.parametrize(
    "answer",
    [
        "Sure! I would add a version endpoint to your FastAPI app.",  # no edits at all
        "NO CHANGES",  # asked for a change, it made none
        '<file path="../../etc/passwd">\nroot::0:0::/root:/bin/sh\n</file>\n',  # only unsafe
        '<edit path="app/main.py">\n<<<<<<< SEARCH\nnot in it\n=======\nx = 1\n>>>>>>> REPLACE\n</edit>',
    ],
)
async def test_an_answer_with_nothing_usable_fails_the_change_when_the_blueprint_cannot_map_it(
    answer: str, repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    server.reset(ModelScript({"change": Reply(answer)}), api_key=KEY)
    before = repo.head()
    step = Step(repo, server, sandbox, runtimes)
    with pytest.raises(ChangeNotUnderstood) as failed:
        await step.run()
    message = failed.value.message
    assert message.startswith(
        f"{MODEL} failed (its answers were not in the required format), and the offline"
    )
    assert failed.value.details["model"] == MODEL and failed.value.details["why"] == "format"
    assert repo.head() == before and len(repo.history()) == 1
    dropped = step.logs("model_dropped")
    assert len(dropped) == 1 and dropped[0]["why"] == "format"
    assert step.ctx.model_use is not None and step.ctx.model_use.report()["fell_back"] is True


async def test_a_failed_model_falls_back_to_the_blueprint_said_as_such_when_it_can_map_the_request(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    server.reset(ModelScript({"change": GARBAGE}), api_key=KEY)
    step = Step(repo, server, sandbox, runtimes, prompt=LOCATION)
    said = await step.run()
    assert "Location" in said
    message = repo.history()[0].message
    assert message.startswith("Change: ") and MODEL not in message  # the Blueprint's change, not the model's
    assert b"location" in repo.read("HEAD", "app/models.py")
    report = step.ctx.model_use.report() if step.ctx.model_use else {}
    assert report["label"] == f"built offline: {MODEL} failed (its answers were not in the required format)"
    assert report["built_by"] == "blueprint" and step.change.described


async def test_with_fallback_off_a_failed_model_fails_the_change(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    server.reset(ModelScript({"change": GARBAGE}), api_key=KEY)
    before = repo.head()
    step = Step(repo, server, sandbox, runtimes, prompt=LOCATION, fallback=False)
    with pytest.raises(ModelFailed, match="set not to fall back"):
        await step.run()
    assert repo.head() == before


async def test_a_rejected_key_or_no_server_fails_at_once_naming_the_setting(
    repo: ProjectRepo, server: FakeModelServer, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    before = repo.head()
    step = Step(repo, server, sandbox, runtimes, prompt=LOCATION, key="sk-wrong-key-0123456789")
    with pytest.raises(ProviderAuthError, match=r"rejected the API key \(HTTP 401\): check OPENAI_API_KEY"):
        await step.run()  # a request the Blueprint could map: still no fallback for a wrong configuration
    assert len(server.requests) == 1
    nowhere = Step(repo, server, sandbox, runtimes, prompt=LOCATION, url=closed_port_url())
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        await nowhere.run()
    assert repo.head() == before
