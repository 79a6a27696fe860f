"""Model-driven pipeline: our DAG vs the same roles one after another vs one single call.

Usage: python bench/pipeline.py [--ttft 0.5] [--tps 100] [--concurrent 16]

A local OpenAI-compatible server (autocrea.testing) answers every role with a scripted reply
(bench/answers/: real changes that apply to the Blueprint files and pass their tests) on a latency
model (time to first token, then tokens per second on an absolute schedule), through the real
`openai` SDK. The roles are AUTOCREA's own (architect -> backend, frontend, devops and the tester's
writing side by side); the tester's sandbox verification is left out so the numbers isolate
orchestration against model time.
Prints wall time, the model critical path, total model time, tokens, and the ratios the issue sets.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import shutil
import sys
import tempfile
import time
from multiprocessing.queues import Queue
from pathlib import Path

from pydantic import SecretStr

from autocrea.domain.events import Event, EventStream
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.roles.architect import Architect
from autocrea.pipeline.roles.base import Role, Summary
from autocrea.pipeline.roles.builders import Backend, Devops, Frontend
from autocrea.pipeline.roles.tester import Tester
from autocrea.providers.protocol import ChatMessage
from autocrea.providers.resilience import ResilientModel
from autocrea.providers.select import Credentials, build_model, parse_model, policy_for
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo
from autocrea.testing.latency import Latency
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.script import ModelScript, Reply

PROMPT = "a library system with books, members and loans"
KEY = "sk-bench-0000000000000000"


ANSWERS = Path(__file__).with_name("answers")  # what each role's model answers; see bench/README.md


def replies() -> dict[str, Reply]:
    return {
        role: Reply((ANSWERS / f"{role}.txt").read_text(encoding="utf-8"))
        for role in ("architect", "backend", "frontend", "devops", "tester")
    }


class ModelOnlyTester(Tester):
    """The real tester (writes beside the builders, waits for them) without the sandbox verification.

    The benchmark isolates model time; install, pytest, boot and probes are measured by generation.py.
    """

    async def verify(self, ctx: RunContext) -> Summary:
        return Summary("verification left out of the benchmark")


def roles(sequential: bool) -> list[Role]:
    chain: list[Role] = [Architect(), Backend(), Frontend(), Devops(), ModelOnlyTester()]
    if sequential:  # the seed's design: one role after another, the tester's writing included
        for previous, role in itertools.pairwise(chain):
            role.after = (previous.name,)
    return chain


def make_model(url: str) -> ResilientModel:
    return build_model(
        parse_model("openai:gpt-4o-mini"),
        credentials=Credentials(openai_api_key=SecretStr(KEY), openai_base_url=f"{url}/v1"),
        policy=policy_for(timeout_seconds=30, max_retries=0),
        timeout_seconds=30,
    )


async def one_run(url: str, *, sequential: bool) -> tuple[Outcome, float, float]:
    work = Path(tempfile.mkdtemp(prefix="autocrea-bench-"))
    first: list[float] = []
    submitted = [0.0]

    def emit(_: Event) -> None:
        if not first:
            first.append(time.monotonic() - submitted[0])

    model = make_model(url)
    sandbox = ProcessSandbox()
    try:
        ctx = RunContext(
            run_id="bench",
            prompt=PROMPT,
            model="openai:gpt-4o-mini",
            events=EventStream(run_id="b", emit=emit),
            repo=ProjectRepo.init(work),
            sandbox=sandbox,
            runtimes=RuntimeCache(root=work / "rt", python="python3"),
            llm=model,
        )
        submitted[0] = time.monotonic()  # "submit" is handing the run to the pipeline
        outcome = await generate(ctx, roles=roles(sequential))
        return outcome, time.monotonic() - submitted[0], first[0]
    finally:
        await model.aclose()
        shutil.rmtree(work, ignore_errors=True)


def critical_path(seconds: dict[str, float]) -> float:
    """The longest chain of model time: the tester's model step runs beside the builders."""
    return seconds["architect"] + max(seconds[r] for r in ("backend", "frontend", "devops", "tester"))


async def single_call(url: str) -> tuple[float, int, int]:
    model = make_model(url)
    try:
        started = time.monotonic()
        messages = [ChatMessage("system", "Write the whole app."), ChatMessage("user", PROMPT)]
        done = await model.complete(messages, role="single", max_tokens=16_000, temperature=0.2)
        return time.monotonic() - started, done.usage.prompt_tokens, done.usage.completion_tokens
    finally:
        await model.aclose()


def _serve(urls: Queue[str], ttft: float, tps: float) -> None:
    """The model server in its own process, as a real endpoint would be (no shared GIL)."""
    script = replies()
    whole = "\n".join(r.text for r in script.values())
    server = FakeModelServer(
        ModelScript({**script, "single": Reply(whole)}),
        latency=Latency(ttft=ttft, tokens_per_second=tps),
        api_key=KEY,
    )
    server.start()
    urls.put(server.url)
    while True:
        time.sleep(3600)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ttft", type=float, default=0.5)
    parser.add_argument("--tps", type=float, default=100.0)
    parser.add_argument("--concurrent", type=int, default=16)
    args = parser.parse_args()
    fork = multiprocessing.get_context("fork")
    urls: Queue[str] = fork.Queue()
    child = fork.Process(target=_serve, args=(urls, args.ttft, args.tps), daemon=True)
    child.start()
    url = urls.get(timeout=30)
    try:
        await one_run(url, sequential=False)  # warm imports and connections
        dag, dag_wall, first_event = await one_run(url, sequential=False)
        seq, seq_wall, _ = await one_run(url, sequential=True)
        single_wall, single_prompt, single_completion = await single_call(url)
        started, cpu_started = time.monotonic(), time.process_time()
        many = await asyncio.gather(*(one_run(url, sequential=False) for _ in range(args.concurrent)))
        many_wall = time.monotonic() - started
        # This process's CPU (every thread) per run: tells a CPU-starved machine from a slow pipeline.
        cpu_per_run = (time.process_time() - cpu_started) / args.concurrent
    finally:
        child.kill()
    for label, outcome in (("dag", dag), ("sequential", seq), *(("concurrent", o) for o, _, _ in many)):
        if outcome.error is not None:  # no sandbox or security here: only step failures count
            print(f"{label} run failed: {outcome.error}", file=sys.stderr)
            return 1
    ev = dag.evidence
    path = critical_path(ev.model_seconds)
    total_model = sum(ev.model_seconds.values())
    print(f"latency model: ttft {args.ttft} s, {args.tps:.0f} tokens/s")
    print(
        f"(a) DAG pipeline     wall {dag_wall:6.2f} s   model critical path {path:6.2f} s   "
        f"sum of model time {total_model:6.2f} s"
    )
    print(f"(b) one after another wall {seq_wall:6.2f} s")
    print(
        f"(c) one single call  wall {single_wall:6.2f} s   "
        f"prompt {single_prompt} / completion {single_completion}"
    )
    print(
        f"tokens per app: prompt {ev.prompt_tokens}, completion {ev.completion_tokens}, "
        f"prompt:completion {ev.prompt_tokens / max(1, ev.completion_tokens):.2f}:1"
    )
    for role, (prompt, completion) in ev.role_tokens.items():
        ratio = prompt / max(1, completion)
        print(f"  {role:<10} prompt {prompt:5d}  completion {completion:5d}  ratio {ratio:5.2f}:1")
    print(f"wall / critical path: {dag_wall / path:.3f}   (target <= 1.05)")
    print(f"speedup over one-after-another: {seq_wall / dag_wall:.2f}x   (target >= 1.8)")
    print(f"first event after submit: {first_event * 1000:.1f} ms   (target <= 50 ms)")
    efficiency = dag_wall / many_wall
    print(
        f"{args.concurrent} concurrent runs on one worker: wall {many_wall:.2f} s, "
        f"efficiency {efficiency:.2f}   "
        "(one run's wall / all runs' wall; target >= 0.9)"
    )
    print(f"CPU per run in the concurrent part (worker process, model server excluded): {cpu_per_run:.2f} s")
    paths = sorted(critical_path(o.evidence.model_seconds) for o, _, _ in many)
    # Model time as the client saw it: grows when the model server (not the pipeline) falls behind.
    print(f"model critical path per run in the concurrent part: median {paths[len(paths) // 2]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
