"""Rate limits with `limits`: in memory by default, in Redis when several processes share them."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
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
# A Redis that is down must not hold a request for long before the memory fallback answers it.
REDIS_CONNECT_SECONDS = 1.0
log = logging.getLogger("autocrea.web")


def parse_limit(text: str, *, setting: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError as exc:
        raise InvalidInput(f"{setting}: {text!r} is not a rate like '10/minute' or '5/15 minutes'") from exc


class Limiter:
    """Counts hits in `storage`; while a shared store (Redis) does not answer, in this process's memory.

    The policy while Redis is down: limits still hold, per process instead of across processes
    (N web processes let through up to N times a limit), rather than refusing every signed-in
    request. Each fallback is logged once per outage and counted (`fallbacks`, exported in
    /metrics); the shared store is tried again on every hit, so limits are shared again as soon
    as it answers.
    """

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        # O(1) per hit; a moving window keeps every hit.
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        shared = not isinstance(storage, MemoryStorage)
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage()) if shared else None
        self.fallbacks = 0  # calls answered from memory because the shared store failed
        self._down = False

    @classmethod
    def create(cls, redis_url: str | None) -> Limiter:
        if redis_url:
            scheme, _, rest = redis_url.partition("://")
            pool = redis.BlockingConnectionPool.from_url(
                redis_url,
                max_connections=REDIS_CONNECTIONS,
                timeout=REDIS_WAIT_SECONDS,
                socket_connect_timeout=REDIS_CONNECT_SECONDS,
                socket_timeout=REDIS_CONNECT_SECONDS,
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

    async def shared(self) -> bool:
        """Whether the shared store answers now (always True in memory); what /ready reports."""
        if self._local is None:
            return True
        try:
            answers = await self._storage.check()
        except Exception:  # check() should say False, but a dead connection may raise instead
            answers = False
        if answers == self._down:
            log.warning("rate-limit store (Redis) %s", "answers again" if answers else "not answering")
        self._down = not answers
        return answers

    async def _call(self, use: Callable[[SlidingWindowCounterRateLimiter], Awaitable[T]]) -> T:
        try:
            result = await use(self._limiter)
        except StorageError as exc:
            if self._local is None:  # memory itself failed: nothing to fall back to
                raise DatabaseError("The rate-limit store is not answering; try again in a moment.") from exc
            if not self._down:
                log.warning("rate-limit store (Redis) not answering; limits are per process until it is back")
            self._down = True
            self.fallbacks += 1
            return await use(self._local)
        if self._down:
            log.warning("rate-limit store (Redis) answers again; limits are shared again")
            self._down = False
        return result

    async def hit(self, item: RateLimitItem, *keys: str, message: str) -> None:
        """Count one request; RateLimited with a Retry-After when over the limit."""
        if await self._call(lambda limiter: limiter.hit(item, *keys)):
            return
        stats = await self._call(lambda limiter: limiter.get_window_stats(item, *keys))
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(message, retry_after=retry)

    async def over(self, item: RateLimitItem, *keys: str) -> int | None:
        """Seconds until allowed again when the limit is used up, else None (counts nothing)."""
        if await self._call(lambda limiter: limiter.test(item, *keys)):
            return None
        stats = await self._call(lambda limiter: limiter.get_window_stats(item, *keys))
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def count(self, item: RateLimitItem, *keys: str) -> None:
        await self._call(lambda limiter: limiter.hit(item, *keys))

    async def clear(self, item: RateLimitItem, *keys: str) -> None:
        await self._call(lambda limiter: limiter.clear(item, *keys))
