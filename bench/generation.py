"""Prompt -> verified app: seconds per app and where the time goes.

Usage: python bench/generation.py [--limit N] [--all] [--jobs J]

Runs the whole pipeline (architect, render, install, pytest, boot + probe, security) for the seed
examples plus benchmark prompts from ../shared/benchmarks/webgen-bench-instructions.jsonl, and prints
per-prompt results, the median seconds per app, the median of each phase, and how many apps met the
definition of done. The dependency install is cached per requirements set, so the first app pays it
(reported separately as `install`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from autocrea.blueprint.architect import design
from autocrea.blueprint.coverage import unmatched_entities
from autocrea.config import Settings
from autocrea.domain.events import Event, EventStream
from autocrea.domain.examples import SEED_EXAMPLES
from autocrea.errors import AutocreaError
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import generate
from autocrea.sandbox.choice import choose
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo

SEEDS = SEED_EXAMPLES
BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "webgen-bench-instructions.jsonl"


def prompts(limit: int | None, include_all: bool) -> list[tuple[str, str]]:
    items = [(f"seed-{i + 1}", p) for i, p in enumerate(SEEDS)]
    if BENCH.exists():
        rows = [json.loads(line) for line in BENCH.read_text(encoding="utf-8").splitlines() if line.strip()]
        items += [(row["id"], row["instruction"]) for row in rows]
    return items if include_all else items[: limit or 12]


async def one(prompt: str, runtimes: RuntimeCache, sandbox: Sandbox) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="autocrea-bench-"))
    first_event: list[float] = []
    submitted = time.monotonic()

    def emit(_: Event) -> None:
        if not first_event:
            first_event.append(time.monotonic() - submitted)

    try:
        ctx = RunContext(
            run_id="bench",
            prompt=prompt,
            model="blueprint",
            events=EventStream(run_id="bench", emit=emit),
            repo=ProjectRepo.init(work),
            sandbox=sandbox,
            runtimes=runtimes,
        )
        try:
            outcome = await generate(ctx)
        except AutocreaError as exc:
            return {"ok": False, "error": exc.message, "seconds": time.monotonic() - submitted, "timings": {}}
        spec = outcome.spec
        return {
            "ok": outcome.ok,
            "error": outcome.error,
            "seconds": outcome.seconds,
            "timings": outcome.evidence.timings,
            "entities": [e.name for e in spec.entities] if spec else [],
            "match": not unmatched_entities(prompt, design(prompt)) if spec else False,
            "tests": outcome.evidence.tests_passed,
            "pages": f"{outcome.evidence.pages_ok}/{len(outcome.evidence.pages)}",
            "first_event_ms": round(first_event[0] * 1000, 2) if first_event else None,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--all", action="store_true", help="seeds + all 101 benchmark prompts")
    parser.add_argument("--jobs", type=int, default=1, help="concurrent runs")
    args = parser.parse_args()
    settings = Settings()
    chosen = choose(  # what the product runs: bubblewrap where it works
        settings.sandbox,
        slots=settings.sandbox_slots,
        uid_base=settings.sandbox_uid_base,
        cgroup_dir=settings.sandbox_cgroup,
    )
    sandbox = chosen.sandbox
    print(f"sandbox: {chosen.mechanism}")
    runtimes = RuntimeCache(root=settings.runtimes_path.resolve(), python=settings.sandbox_python)
    items = prompts(args.limit, args.all)
    semaphore = asyncio.Semaphore(args.jobs)
    results: dict[str, dict[str, object]] = {}

    async def run(key: str, prompt: str) -> None:
        async with semaphore:
            results[key] = await one(prompt, runtimes, sandbox)
            r = results[key]
            print(
                f"{key:>8} {'OK ' if r['ok'] else 'FAIL'} {float(r['seconds']):6.2f}s match={r.get('match')} "  # type: ignore[arg-type]
                f"tests={r.get('tests')} pages={r.get('pages')} {r.get('entities')} {r.get('error') or ''}",
                flush=True,
            )

    started = time.monotonic()
    await asyncio.gather(*(run(key, prompt) for key, prompt in items))
    wall = time.monotonic() - started
    done = [r for r in results.values() if r["ok"]]
    matched = [r for r in done if r.get("match")]
    warm = [float(r["seconds"]) - float(r["timings"].get("install", 0.0)) for r in done]  # type: ignore[union-attr,arg-type]
    print()
    print(
        f"apps: {len(items)}  done: {len(done)}  done+entities match prompt: {len(matched)}  "
        f"wall: {wall:.1f}s  jobs: {args.jobs}"
    )
    if done:
        print(
            f"median seconds per app: {statistics.median(float(r['seconds']) for r in done):.2f} "  # type: ignore[arg-type]
            f"(excluding the one-time dependency install: {statistics.median(warm):.2f})"
        )
        phases = sorted({p for r in done for p in r["timings"]})  # type: ignore[attr-defined]
        parts = [
            f"{p} {statistics.median(float(r['timings'].get(p, 0.0)) for r in done):.2f}"  # type: ignore[attr-defined]
            for p in phases
        ]
        print("median per phase (s): " + ", ".join(parts))
        firsts = [float(r["first_event_ms"]) for r in done if r.get("first_event_ms") is not None]  # type: ignore[arg-type]
        print(f"median first event after submit: {statistics.median(firsts):.2f} ms")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "generation.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
