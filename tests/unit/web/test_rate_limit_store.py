"""The rate-limit store under a burst and when it is gone: requests wait their turn or get a clear 503.

A burst of 500 event streams opened at once used to fail a fifth of them with "Too many
connections" (redis-py's default pool raises past 100 connections instead of waiting).
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from autocrea.errors import DatabaseError
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


def test_an_unreachable_redis_store_is_a_503_with_a_clear_message() -> None:
    async def hit() -> None:
        limiter = Limiter.create("redis://127.0.0.1:1/0")  # nothing listens on port 1
        await limiter.hit(ROOMY, "anyone", message="slow down")

    with pytest.raises(DatabaseError) as caught:
        asyncio.run(hit())
    assert status_for(caught.value) == 503
    assert "rate-limit store (Redis) is not answering" in caught.value.message
