from pathlib import Path

import pytest

from autocrea.domain.events import Event, EventStream
from autocrea.errors import UnsafePath
from autocrea.pipeline.context import RunContext
from autocrea.providers.protocol import Usage
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo


def make_ctx(tmp_path: Path, events: list[Event]) -> RunContext:
    sandbox = ProcessSandbox()
    return RunContext(
        run_id="r",
        prompt="p",
        model="blueprint",
        events=EventStream(run_id="r", emit=events.append),
        repo=ProjectRepo.init(tmp_path / "repo"),
        sandbox=sandbox,
        runtimes=RuntimeCache(root=tmp_path / "rt", python="python3"),
    )


async def test_commit_writes_files_as_the_role_and_reports_them(tmp_path: Path) -> None:
    events: list[Event] = []
    ctx = make_ctx(tmp_path, events)
    sha = await ctx.commit(
        "backend", ("app/*.py",), {"app/main.py": "x = 1\n", "app/db.py": "y = 2\n"}, "Backend"
    )
    assert ctx.repo.history()[0].sha == sha and ctx.repo.history()[0].author.email == "backend@autocrea.local"
    assert [(e.type, e.data["path"]) for e in events] == [
        ("file.written", "app/db.py"),
        ("file.written", "app/main.py"),
    ]
    assert ctx.evidence.files == 2 and ctx.evidence.lines == 2 and ctx.evidence.commits == [sha]


@pytest.mark.parametrize(
    "path",
    ["../escape.py", "app/../../x.py", ".git/hooks/pre-commit", "/etc/passwd", "Dockerfile", "app\\main.py"],
)
async def test_a_role_cannot_write_outside_its_files(tmp_path: Path, path: str) -> None:
    events: list[Event] = []
    ctx = make_ctx(tmp_path, events)
    with pytest.raises(UnsafePath):
        await ctx.commit("backend", ("app/*.py",), {"app/ok.py": "", path: "boom"}, "Backend")
    assert ctx.repo.head() is None and events == []
    assert sorted(p.name for p in (tmp_path / "repo").iterdir()) == [".git"]


async def test_one_commit_per_role(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, [])
    await ctx.commit("devops", ("Dockerfile",), {"Dockerfile": "FROM x\n"}, "DevOps")
    with pytest.raises(RuntimeError, match="already committed"):
        await ctx.commit("devops", ("Dockerfile",), {"Dockerfile": "FROM y\n"}, "DevOps again")


def test_usage_is_counted_per_role_and_in_total(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, [])
    for role, prompt, completion in (("backend", 1500, 300), ("tester", 1200, 400), ("backend", 900, 100)):
        usage = Usage(prompt, completion, model="m", provider="openai", seconds=1.0, ttft=0.5)
        ctx.record_usage(role, usage)
    assert ctx.evidence.role_tokens == {"backend": (2400, 400), "tester": (1200, 400)}
    assert (ctx.evidence.prompt_tokens, ctx.evidence.completion_tokens) == (3600, 800)
    assert ctx.evidence.model_seconds == {"backend": 2.0, "tester": 1.0}


def test_usage_is_priced_per_role_from_the_catalog(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, [])
    ctx.record_usage(
        "architect", Usage(2000, 1000, model="gpt-4o-mini", provider="openai", seconds=1.0, ttft=0.2)
    )
    ctx.record_usage("backend", Usage(10_000, 4000, model="gpt-4o", provider="openai", seconds=2.0, ttft=0.2))
    ctx.record_usage(
        "frontend",
        Usage(500, 100, model="joxcoder", provider="joxcoder", seconds=1.0, ttft=0.2, estimated=True),
    )
    summary = ctx.evidence.summary()
    roles = summary["roles"]
    assert isinstance(roles, dict)
    # gpt-4o-mini: 0.00015 / 0.0006 per 1k; gpt-4o: 0.0025 / 0.01; a self-hosted JoxCoder costs nothing.
    assert roles["architect"] == {
        "prompt_tokens": 2000,
        "completion_tokens": 1000,
        "cost_usd": 0.0009,
        "seconds": 1.0,
    }
    assert roles["backend"]["cost_usd"] == pytest.approx(0.065)
    assert roles["frontend"]["cost_usd"] == 0.0
    assert summary["cost_usd"] == pytest.approx(0.0659)
    assert summary["tokens_estimated"] is True


def test_an_offline_run_reports_no_model_usage(tmp_path: Path) -> None:
    summary = make_ctx(tmp_path, []).evidence.summary()
    assert (summary["roles"], summary["cost_usd"], summary["tokens_estimated"]) == ({}, 0.0, False)
