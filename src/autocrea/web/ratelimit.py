"""Rate limits with `limits`: in memory by default, in Redis when several processes share them."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable
from typing import TypeVar

import redis.asyncio as redis
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from autocrea.errors import DatabaseError, InvalidInput, RateLimited

T = TypeVar("T")

# A burst (500 event streams opened at once) must wait for a Redis connection, not fail: redis-py's
# default pool raises "Too many connections" past 100. Each hit holds a connection for one round trip.
REDIS_CONNECTIONS = 32
REDIS_WAIT_SECONDS = 5.0


def parse_limit(text: str, *, setting: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError as exc:
        raise InvalidInput(f"{setting}: {text!r} is not a rate like '10/minute' or '5/15 minutes'") from exc


class Limiter:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._limiter = SlidingWindowCounterRateLimiter(
            storage
        )  # O(1) per hit; a moving window keeps every hit

    @classmethod
    def create(cls, redis_url: str | None) -> Limiter:
        if redis_url:
            scheme, _, rest = redis_url.partition("://")
            pool = redis.BlockingConnectionPool.from_url(
                redis_url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_SECONDS
            )
            storage: Storage = RedisStorage(
                f"async+{scheme}://{rest}",
                implementation="redispy",
                wrap_exceptions=True,
                connection_pool=pool,  # type: ignore[arg-type]  # documented; the stub says scalars only
            )
        else:
            storage = MemoryStorage()
        return cls(storage)

    async def hit(self, item: RateLimitItem, *keys: str, message: str) -> None:
        """Count one request; RateLimited with a Retry-After when over the limit."""
        if await _stored(self._limiter.hit(item, *keys)):
            return
        stats = await _stored(self._limiter.get_window_stats(item, *keys))
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(message, retry_after=retry)

    async def over(self, item: RateLimitItem, *keys: str) -> int | None:
        """Seconds until allowed again when the limit is used up, else None (counts nothing)."""
        if await _stored(self._limiter.test(item, *keys)):
            return None
        stats = await _stored(self._limiter.get_window_stats(item, *keys))
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def count(self, item: RateLimitItem, *keys: str) -> None:
        await _stored(self._limiter.hit(item, *keys))

    async def clear(self, item: RateLimitItem, *keys: str) -> None:
        await _stored(self._limiter.clear(item, *keys))


async def _stored(call: Awaitable[T]) -> T:
    """A rate-limit store that does not answer is a 503 in the error shape, not a crash."""
    try:
        return await call
    except StorageError as exc:
        raise DatabaseError("The rate-limit store (Redis) is not answering; try again in a moment.") from exc
