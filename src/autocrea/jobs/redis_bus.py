"""The event bus over Redis pub/sub, for several server and worker processes.

One Redis connection per process reads every subscribed channel and fans payloads out to local
subscribers, so 500 open event streams cost 500 in-memory queues, not 500 Redis connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from redis.exceptions import RedisError

from autocrea.errors import DatabaseError
from autocrea.jobs.bus import Doorbell, Fanout, Payload, Subscription

RUN_CHANNEL = "autocrea:run:"
JOBS_CHANNEL = "autocrea:jobs"


class RedisBus:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._pubsub = client.pubsub()
        self.fanout = Fanout()
        self._doorbell = Doorbell()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, url: str) -> RedisBus:
        client = redis.Redis.from_url(url)
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            await client.aclose()
            raise DatabaseError(f"cannot reach Redis at {url.split('@')[-1]}: {exc}") from exc
        bus = cls(client)
        await bus._pubsub.subscribe(JOBS_CHANNEL)  # the reader always has a live subscription
        bus._reader = asyncio.create_task(bus._read())
        return bus

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisError, OSError):
                await asyncio.sleep(0.5)  # subscribers fall back to the database meanwhile
                continue
            if message is None:
                continue
            channel = message["channel"].decode()
            if channel == JOBS_CHANNEL:
                self._doorbell.ring()
            elif channel.startswith(RUN_CHANNEL):
                self.fanout.deliver(channel[len(RUN_CHANNEL) :], json.loads(message["data"]))

    async def publish(self, run_id: str, payloads: list[Payload]) -> None:
        with contextlib.suppress(RedisError, OSError):  # the database has them; streams catch up from it
            await self._client.publish(RUN_CHANNEL + run_id, json.dumps(payloads))

    @asynccontextmanager
    async def subscribe(self, run_id: str) -> AsyncIterator[Subscription]:
        sub, first = self.fanout.add(run_id)
        try:
            if first:
                async with self._lock:
                    await self._pubsub.subscribe(RUN_CHANNEL + run_id)
            yield sub
        finally:
            if self.fanout.remove(run_id, sub):
                async with self._lock:
                    with contextlib.suppress(RedisError, OSError):
                        await self._pubsub.unsubscribe(RUN_CHANNEL + run_id)

    async def ring(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._client.publish(JOBS_CHANNEL, "1")

    async def wait_for_ring(self, timeout: float) -> None:
        await self._doorbell.wait(timeout)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._client.aclose()
