"""The cost of isolation: prompt -> verified app and app start, bubblewrap vs the process runner.

Usage: python bench/isolation.py [--apps N] [--starts K]

Both runners do the same work side by side in one run, interleaved (A, B, A, B, ...) so that
whatever else the machine does weighs on both alike. Prints the medians and their ratio
(bubblewrap / process; the issue's target is <= 1.10 for a whole generation).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from autocrea.config import Settings
from autocrea.domain.events import EventStream
from autocrea.domain.examples import SEED_EXAMPLES
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import generate
from autocrea.sandbox.choice import choose
from autocrea.sandbox.http import client_for
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.protocol import LISTEN_FD, Mounts, Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.sandbox.scratch import scratch_dir
from autocrea.storage.git import ProjectRepo
from autocrea.storage.paths import write_file


async def generation(prompt: str, sandbox: Sandbox, runtimes: RuntimeCache) -> tuple[float, ProjectRepo]:
    work = Path(tempfile.mkdtemp(prefix="autocrea-bench-iso-"))
    ctx = RunContext(
        run_id="bench",
        prompt=prompt,
        model="blueprint",
        events=EventStream(run_id="bench", emit=lambda _: None),
        repo=ProjectRepo.init(work),
        sandbox=sandbox,
        runtimes=runtimes,
    )
    started = time.monotonic()
    outcome = await generate(ctx)
    if not outcome.ok:
        raise SystemExit(f"{prompt!r} failed with {type(sandbox).__name__}: {outcome.error}")
    return time.monotonic() - started, ctx.repo


async def start(repo: ProjectRepo, sandbox: Sandbox, runtimes: RuntimeCache) -> float:
    """Seconds from 'start the preview' to its first answer (a scratch copy, as previews do)."""
    started = time.monotonic()
    scratch = scratch_dir("autocrea-bench-preview-")
    try:
        files = repo.tree("HEAD")
        (scratch / "app").mkdir()
        for rel, data in files.items():
            write_file(scratch / "app", rel, data)
        env = await runtimes.ensure(files["requirements.txt"].decode())
        server = await sandbox.serve(
            [str(env.python), "-m", "uvicorn", "app.main:app", "--fd", LISTEN_FD],
            cwd=scratch / "app",
            mounts=Mounts(writable=(scratch,), readonly=(env.path,)),
            env={"PATH": str(env.python.parent), "DATABASE_URL": f"sqlite:///{scratch / 'p.db'}"},
        )
        try:
            async with client_for(server.socket) as client:
                while True:
                    try:
                        if (await client.get("/")).status_code == 200:
                            return time.monotonic() - started
                    except httpx.TransportError:
                        await asyncio.sleep(0.02)
        finally:
            await server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=6)
    parser.add_argument("--starts", type=int, default=10)
    args = parser.parse_args()
    settings = Settings()
    chosen = choose(
        "bubblewrap",
        slots=settings.sandbox_slots,
        uid_base=settings.sandbox_uid_base,
        cgroup_dir=settings.sandbox_cgroup,
    )
    runners: dict[str, Sandbox] = {"bubblewrap": chosen.sandbox, "process": ProcessSandbox()}
    print(f"isolation: {chosen.mechanism}")
    runtimes = RuntimeCache(root=settings.runtimes_path.resolve(), python=settings.sandbox_python)
    await generation(SEED_EXAMPLES[0], runners["process"], runtimes)  # warm: runtime, caches
    prompts = [SEED_EXAMPLES[i % len(SEED_EXAMPLES)] for i in range(args.apps)]
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    repo = None
    for prompt in prompts:
        for name, sandbox in runners.items():
            took, repo = await generation(prompt, sandbox, runtimes)
            seconds[name].append(took)
            print(f"{name:>10} {took:6.2f} s  {prompt[:60]}", flush=True)
    assert repo is not None
    starts: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.starts):
        for name, sandbox in runners.items():
            starts[name].append(await start(repo, sandbox, runtimes))
    print()
    for label, table in (("prompt -> verified app", seconds), ("preview start", starts)):
        ours, base = statistics.median(table["bubblewrap"]), statistics.median(table["process"])
        print(
            f"{label}: median bubblewrap {ours:.2f} s, process {base:.2f} s, "
            f"ratio {ours / base:.3f} (n={len(table['process'])})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
