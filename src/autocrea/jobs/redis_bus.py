"""The event bus over Redis pub/sub, for several server and worker processes.

One Redis connection per process reads every subscribed channel and fans payloads out to local
subscribers, so 500 open event streams cost 500 in-memory queues, not 500 Redis connections.

Redis going away is survivable by design: events are stored in the database before they are
published, so while the bus is not `live` event streams poll the database, new streams still open
(their channels are subscribed once Redis is back), and workers fall back to polling the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from redis.exceptions import RedisError

from autocrea.jobs.bus import Doorbell, Fanout, Payload, Subscription

RUN_CHANNEL = "autocrea:run:"
JOBS_CHANNEL = "autocrea:jobs"
log = logging.getLogger("autocrea.jobs")


class RedisBus:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._pubsub = client.pubsub()
        self.fanout = Fanout()
        self._doorbell = Doorbell()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._up = True
        self._unsubscribed: set[str] = set()  # channels a failed SUBSCRIBE left to do

    @property
    def live(self) -> bool:
        return self._up

    def _down(self) -> None:
        if self._up:
            log.warning("Redis is not answering: event streams poll the database until it is back")
        self._up = False

    @classmethod
    async def connect(cls, url: str) -> RedisBus:
        """A bus on `url`. A Redis that does not answer now is an outage like any other: the bus
        starts down (the process serves, streams poll the database) and catches up once it answers."""
        bus = cls(redis.Redis.from_url(url, socket_connect_timeout=2.0))
        try:
            await bus._pubsub.subscribe(JOBS_CHANNEL)  # the reader always has a live subscription
        except (RedisError, OSError) as exc:
            log.warning("cannot reach Redis at %s (%s)", url.split("@")[-1], type(exc).__name__)
            bus._unsubscribed.add(JOBS_CHANNEL)
            bus._down()
        bus._reader = asyncio.create_task(bus._read())
        return bus

    async def _read(self) -> None:
        while True:
            try:
                if self._unsubscribed:
                    async with self._lock:
                        await self._pubsub.subscribe(*self._unsubscribed)
                        self._unsubscribed.clear()
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisError, OSError):
                self._down()
                await asyncio.sleep(0.5)  # subscribers fall back to the database meanwhile
                continue
            if not self._up:
                log.warning("Redis answers again: live events flow through it again")
                self._up = True
            if message is None:
                continue
            channel = message["channel"].decode()
            if channel == JOBS_CHANNEL:
                self._doorbell.ring()
            elif channel.startswith(RUN_CHANNEL):
                self.fanout.deliver(channel[len(RUN_CHANNEL) :], json.loads(message["data"]))

    async def publish(self, run_id: str, payloads: list[Payload]) -> None:
        try:
            await self._client.publish(RUN_CHANNEL + run_id, json.dumps(payloads))
        except (RedisError, OSError):  # the database has them; streams catch up from it
            self._down()

    @asynccontextmanager
    async def subscribe(self, run_id: str) -> AsyncIterator[Subscription]:
        sub, first = self.fanout.add(run_id)
        try:
            if first:
                async with self._lock:
                    try:
                        await self._pubsub.subscribe(RUN_CHANNEL + run_id)
                    except (RedisError, OSError):  # the stream polls the database meanwhile
                        self._unsubscribed.add(RUN_CHANNEL + run_id)
                        self._down()
            yield sub
        finally:
            if self.fanout.remove(run_id, sub):
                self._unsubscribed.discard(RUN_CHANNEL + run_id)
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
            # Untyped in some redis releases (5.x-7.x), typed in 8.x: either way is fine.
            await self._pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]
        await self._client.aclose()
