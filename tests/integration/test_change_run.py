"""Change runs: a follow-up request becomes one new verified commit, or leaves the project as it was."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from autocrea.cli import main
from autocrea.domain.events import Event, EventStream
from autocrea.pipeline.change import SPEC_FILE
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import generate
from autocrea.pipeline.revision import revise
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo, role_author

pytestmark = pytest.mark.slow


def _ctx(
    repo: ProjectRepo, prompt: str, sandbox: Sandbox, runtimes: RuntimeCache, events: list[Event]
) -> RunContext:
    run_id = uuid.uuid4().hex
    return RunContext(
        run_id=run_id,
        prompt=prompt,
        model="blueprint",
        events=EventStream(run_id=run_id, emit=events.append),
        repo=repo,
        sandbox=sandbox,
        runtimes=runtimes,
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, runtimes: RuntimeCache) -> Path:
    """One generated library, copied for each test (generating takes seconds)."""
    import asyncio

    root = tmp_path_factory.mktemp("library") / "p"
    outcome = asyncio.run(
        generate(_ctx(ProjectRepo.init(root), "Biblioteca con libros y socios", sandbox, runtimes, []))
    )
    assert outcome.ok, outcome.error
    return root


def _copy(library: Path, tmp_path: Path) -> ProjectRepo:
    import shutil

    shutil.copytree(library, tmp_path / "p")
    return ProjectRepo.open(tmp_path / "p")


async def test_a_new_field_is_one_verified_commit_with_the_hand_edits_kept(
    library: Path, tmp_path: Path, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    repo = _copy(library, tmp_path)
    readme = repo.read("HEAD", "README.md").decode() + "\nMis notas a mano.\n"
    edited = repo.commit_files({"README.md": readme}, message="hand edit", author=role_author("editor"))
    events: list[Event] = []
    outcome = await revise(_ctx(repo, "añade un campo editorial a los libros", sandbox, runtimes, events))
    assert outcome.ok, (outcome.error, outcome.unmet)
    history = repo.history()
    assert history[1].sha == edited and history[0].message.startswith("Change: añadir el campo Editorial")
    assert b"editorial" in repo.read("HEAD", "app/models.py")
    assert repo.read("HEAD", "README.md").decode().endswith("Mis notas a mano.\n")
    assert b'"editorial"' in repo.read("HEAD", SPEC_FILE)
    assert outcome.evidence.tests_passed > 0 and outcome.evidence.tests_failed == 0
    assert outcome.evidence.commits == [history[0].sha]
    steps = [e.step for e in events if e.type == "step.finished" and e.data["status"] == "succeeded"]
    assert steps == ["change", "tester", "security", "version"]
    assert events[-1].type == "run.finished"


async def test_a_change_that_breaks_the_tests_leaves_nothing(
    library: Path, tmp_path: Path, sandbox: Sandbox, runtimes: RuntimeCache
) -> None:
    repo = _copy(library, tmp_path)
    # A hand-made test that pins the old field list: the change (a new required field) fails it.
    pinned = (
        "from app import models\n\n\n"
        "def test_pinned():\n    assert 'editorial' not in models.Book.__table__.columns\n"
    )
    before = repo.commit_files(
        {"tests/test_pinned.py": pinned}, message="my test", author=role_author("editor")
    )
    events: list[Event] = []
    outcome = await revise(_ctx(repo, "añade un campo editorial a los libros", sandbox, runtimes, events))
    assert not outcome.ok
    assert repo.head() == before
    assert b"editorial" not in (tmp_path / "p" / "app" / "models.py").read_bytes()  # worktree too
    assert events[-1].type == "run.failed"


def test_the_cli_changes_a_project_or_says_why_not(
    library: Path,
    tmp_path: Path,
    runtime_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AUTOCREA_RUNTIME_DIR", str(runtime_root))
    repo = _copy(library, tmp_path)
    before = repo.head()
    assert main(["change", str(tmp_path / "p"), "hazla más bonita"]) == 2  # nothing it can map: nothing done
    assert "No puedo hacerlo sin modelo" in capsys.readouterr().err
    assert repo.head() == before
    assert main(["change", str(tmp_path / "p"), "add an editorial field to the cars"]) == 2  # no such entity
    assert main(["change", str(tmp_path / "p"), "añade un campo editorial a los libros"]) == 0
    out = capsys.readouterr().out
    assert "añadir el campo Editorial a Libros" in out and "app/models.py" in out
    history = repo.history()
    assert history[1].sha == before and len(history) == len(ProjectRepo.open(library).history()) + 1
