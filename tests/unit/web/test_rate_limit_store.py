"""The rate-limit store under a burst and when it is gone: requests wait their turn, or are counted
in the process's memory while Redis does not answer (limits still hold, per process).

A burst of 500 event streams opened at once used to fail a fifth of them with "Too many
connections" (redis-py's default pool raises past 100 connections instead of waiting).
"""

from __future__ import annotations

import asyncio
import uuid

from autocrea.errors import RateLimited
from autocrea.web.errors import status_for
from autocrea.web.ratelimit import Limiter, parse_limit
from tests.services import REDIS_URL, require_redis

ROOMY = parse_limit("100000/minute", setting="test")


def test_a_burst_of_hits_on_redis_waits_for_connections_instead_of_failing() -> None:
    require_redis()

    async def burst() -> list[BaseException | None]:
        limiter = Limiter.create(REDIS_URL)
        key = f"burst-{uuid.uuid4().hex}"
        hits = [limiter.hit(ROOMY, key, message="slow down") for _ in range(400)]
        return await asyncio.gather(*hits, return_exceptions=True)

    outcomes = asyncio.run(burst())
    assert [o for o in outcomes if o is not None] == []


def test_an_unreachable_redis_store_falls_back_to_limits_in_memory() -> None:
    tight = parse_limit("2/minute", setting="test")

    async def hits() -> tuple[list[str], int, bool]:
        limiter = Limiter.create("redis://127.0.0.1:1/0")  # nothing listens on port 1
        outcomes = []
        for _ in range(3):
            try:
                await limiter.hit(tight, "anyone", message="slow down")
                outcomes.append("ok")
            except RateLimited as exc:
                outcomes.append(f"limited {status_for(exc)} after {exc.retry_after}s")
        return outcomes, limiter.fallbacks, await limiter.shared()

    outcomes, fallbacks, shared = asyncio.run(hits())
    assert outcomes[:2] == ["ok", "ok"] and outcomes[2].startswith("limited 429 after ")
    assert fallbacks >= 3 and shared is False  # counted for /metrics; /ready says Redis is down
