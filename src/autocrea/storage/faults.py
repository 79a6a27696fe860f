"""Which errors mean "the database is unreachable right now", as opposed to a bug or a bad query.

A PostgreSQL restart surfaces in many shapes: SQLAlchemy's OperationalError or InterfaceError, a
DBAPIError wrapping asyncpg's AdminShutdownError ("terminating connection due to administrator
command") or ConnectionDoesNotExistError, asyncpg's own InterfaceError ("connection is closed"), or
a bare ConnectionRefusedError from a new connection. Each is a reason to answer 503 and retry,
never a 500. The exception's whole cause chain is looked at, since every layer wraps the one below.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

# Connection-level in every layer: the pool gave none in time, the network or the server went away.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa.TimeoutError,
    sa.DisconnectionError,
    sa.OperationalError,
    sa.InterfaceError,
    ConnectionError,  # refused, reset, aborted, broken pipe
    pg.PostgresConnectionError,
    pg.CannotConnectNowError,  # "the database system is starting up / shutting down"
    pg.AdminShutdownError,  # "terminating connection due to administrator command"
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
    pg.InterfaceError,  # "connection is closed"
)
_MAX_SEEN = 20  # a cause chain is short; a cycle must not hang the check
PATIENCE = 90.0
_FIRST_PAUSE, _LONGEST_PAUSE = 0.25, 4.0
T = TypeVar("T")
log = logging.getLogger(__name__)


def unavailable(exc: BaseException) -> bool:
    """True when `exc`, or anything it was raised from, says the database cannot be reached now."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < _MAX_SEEN:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, sa.DBAPIError):
            if current.connection_invalidated:
                return True
            todo.append(current.orig)  # the driver's error, itself raised from asyncpg's
        todo += [current.__cause__, current.__context__]
    return False


async def patiently(call: Callable[[], Awaitable[T]], *, what: str, patience: float = PATIENCE) -> T:
    """`call()`, tried again with backoff while the database is unreachable, for up to `patience`
    seconds (a PostgreSQL restart takes a few, a failover tens); any other error is raised at once.

    For writes that must not be lost to an outage: a run's events, its final status, its credits.
    """
    waited = 0.0
    for attempt in itertools.count():
        try:
            return await call()
        except Exception as exc:
            pause = min(_FIRST_PAUSE * 2**attempt, _LONGEST_PAUSE)
            if not unavailable(exc) or waited + pause > patience:
                raise
            log.warning("%s failed (%s); trying again in %.2f s", what, type(exc).__name__, pause)
            await asyncio.sleep(pause)
            waited += pause
    raise AssertionError("unreachable")  # itertools.count() never ends
