"""Offline change -> verified new version: seconds per change, against rebuilding the app from scratch.

Usage: python bench/change.py [--rounds N]

Generates one app, then applies a series of follow-up requests to it, one after another (each a
change run: plan, merge, tests + boot + probes + scan in the sandbox, one commit), and times each.
The baseline, measured in the same run, is what a change cost before change runs existed: generating
the whole app again (same pipeline, same machine, dependency environment already cached).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from autocrea.config import Settings
from autocrea.domain.events import EventStream
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.revision import revise
from autocrea.sandbox.choice import choose
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo

PROMPT = "Biblioteca con libros, socios y préstamos"
REQUESTS = (
    "añade un campo editorial a los libros",
    "haz que el ISBN sea único",
    "renombra socios a lectores",
    "añade exportar a CSV",
    "usa colores verde y blanco",
    "añade autores con nombre y país",
    "quita el campo teléfono de los socios",
    "cambia el título a 'Biblioteca del barrio'",
)


def _ctx(repo: ProjectRepo, prompt: str, sandbox: Sandbox, runtimes: RuntimeCache) -> RunContext:
    return RunContext(
        run_id="bench",
        prompt=prompt,
        model="blueprint",
        events=EventStream(run_id="bench", emit=lambda _: None),
        repo=repo,
        sandbox=sandbox,
        runtimes=runtimes,
    )


async def _timed(run: Coroutine[Any, Any, Outcome]) -> tuple[Outcome, float]:
    started = time.monotonic()
    outcome = await run
    return outcome, time.monotonic() - started


async def main(rounds: int) -> int:
    settings = Settings()
    sandbox = choose(
        settings.sandbox,
        slots=settings.sandbox_slots,
        uid_base=settings.sandbox_uid_base,
        cgroup_dir=settings.sandbox_cgroup,
    ).sandbox
    runtimes = RuntimeCache(root=settings.runtimes_path.resolve(), python=settings.sandbox_python)
    work = Path(tempfile.mkdtemp(prefix="autocrea-bench-change-"))
    try:
        repo = ProjectRepo.init(work / "app")
        outcome, seconds = await _timed(generate(_ctx(repo, PROMPT, sandbox, runtimes)))
        if not outcome.ok:
            print(f"the first generation failed: {outcome.error or outcome.unmet}")
            return 1
        print(f"first generation (environment install included): {seconds:.2f} s")
        rebuilds: list[float] = []
        for n in range(rounds):
            _, seconds = await _timed(
                generate(_ctx(ProjectRepo.init(work / f"again-{n}"), PROMPT, sandbox, runtimes))
            )
            rebuilds.append(seconds)
        changes: list[float] = []
        for request in REQUESTS[: max(1, rounds * 2)]:
            outcome, seconds = await _timed(revise(_ctx(repo, request, sandbox, runtimes)))
            changes.append(seconds)
            state = "ok " if outcome.ok else "FAILED"
            print(f"  {state} {seconds:6.2f} s  {request}  {outcome.error or ''}")
        change, rebuild = statistics.median(changes), statistics.median(rebuilds)
        print(
            f"\nchange -> verified version: median {change:.2f} s over {len(changes)} changes; "
            f"rebuilding the app: median {rebuild:.2f} s over {len(rebuilds)}; ratio {change / rebuild:.2f}"
        )
        print(f"history: {len(repo.history())} commits (1 per role of the first run + 1 per change)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4, help="rebuilds to time (changes: twice as many)")
    raise SystemExit(asyncio.run(main(parser.parse_args().rounds)))
