"""The API benchmark's own parts, and the whole script in a tiny configuration: counts, never times."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from bench.api import MIX, REVOKE, autocrea_server, measure_latency, measure_streams
from bench.loadgen import Sample, Slot, cycle, open_loop, percentile, summarize, timetable


def test_the_timetable_holds_the_mix_exactly_and_spreads_it() -> None:
    slots = timetable(rate=20, seconds=4, users=3, mix=MIX, seed=7)
    assert [s.index for s in slots] == list(range(80))
    assert Counter(s.kind for s in slots) == {kind: 2 * weight for kind, weight in MIX}
    assert {s.user for s in slots} == {0, 1, 2}
    one_round = cycle(MIX)
    assert one_round[:2] != [one_round[0]] * 2  # interleaved, not six of a kind in a row


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (50, 95, 100)
    assert percentile([3.0], 99) == 3.0


def test_a_summary_counts_answers_and_errors() -> None:
    samples = [Sample("a", 200, 0.01, 0.01), Sample("a", 201, 0.02, 0.01), Sample("a", 500, 0.03, 0.03)]
    samples.append(Sample("a", 0, 0.04, 0.04))  # no HTTP answer at all
    summary = summarize(samples, wall=2.0)
    assert (summary.count, summary.errors, summary.rate) == (4, 2, 2.0)


async def test_the_open_loop_starts_every_request_even_when_earlier_ones_hang() -> None:
    release = asyncio.Event()
    started: list[int] = []

    async def send(slot: Slot) -> tuple[int, list[Sample]]:
        started.append(slot.index)
        if slot.index == 0:
            await release.wait()  # the first answer never comes until the last request was sent
        if slot.index == 9:
            release.set()
        return 200, []

    samples, _ = await open_loop([Slot(i, "x", 0) for i in range(10)], rate=1000, send=send)
    assert started == list(range(10)) and len(samples) == 10


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end_in_a_tiny_configuration(tmp_path: Path, runtime_root: Path) -> None:
    env = {"AUTOCREA_RUNTIME_DIR": str(runtime_root)}
    with autocrea_server(tmp_path, env) as server:
        latency = asyncio.run(
            measure_latency(server.url, server.pid, users=2, rate=20, seconds=2, warmup=0.5)
        )
    assert latency.scheduled == latency.api.count == latency.health.count == 40
    assert (latency.api.errors, latency.health.errors) == (0, 0)
    counts = {kind: s.count for kind, s in latency.by_kind.items()}
    assert counts == {**dict(MIX), REVOKE: dict(MIX)["POST /api/tokens"]}  # 40 = one round of the mix

    quiet = {**env, "AUTOCREA_EMBEDDED_WORKER": "false", "AUTOCREA_SSE_HEARTBEAT_SECONDS": "0.5"}
    with autocrea_server(tmp_path, quiet) as server:
        streams = asyncio.run(measure_streams(server.url, server.pid, streams=5, hold=1))
    assert (streams.streams, streams.opened, streams.cancelled_seen) == (5, 5, 5)
    assert (streams.ended_without, streams.other_events) == (0, 0)
    assert streams.rss_before_kib > 0 and streams.rss_open_kib > 0
