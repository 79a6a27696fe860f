"""Rate limits with `limits`: in memory by default, in Redis when several processes share them."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from autocrea.errors import InvalidInput, RateLimited


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
            storage: Storage = RedisStorage(f"async+{scheme}://{rest}", implementation="redispy")
        else:
            storage = MemoryStorage()
        return cls(storage)

    async def hit(self, item: RateLimitItem, *keys: str, message: str) -> None:
        """Count one request; RateLimited with a Retry-After when over the limit."""
        if await self._limiter.hit(item, *keys):
            return
        stats = await self._limiter.get_window_stats(item, *keys)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(message, retry_after=retry)

    async def over(self, item: RateLimitItem, *keys: str) -> int | None:
        """Seconds until allowed again when the limit is used up, else None (counts nothing)."""
        if await self._limiter.test(item, *keys):
            return None
        stats = await self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def count(self, item: RateLimitItem, *keys: str) -> None:
        await self._limiter.hit(item, *keys)

    async def clear(self, item: RateLimitItem, *keys: str) -> None:
        await self._limiter.clear(item, *keys)
