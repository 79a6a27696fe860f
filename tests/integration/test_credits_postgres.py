"""The credits ledger on PostgreSQL under concurrency, in a throwaway database per test session.

CI runs PostgreSQL at 127.0.0.1:5432 with trust auth (user postgres or root, database `test`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import func, inspect, select, text

from autocrea.billing import credits
from autocrea.domain.credits import Balance
from autocrea.errors import CreditConflict, InsufficientCredits
from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.migrate import HEAD
from autocrea.storage.tables import Base, CreditEntry, User, new_id
from tests.services import postgres_database

Sessions = credits.Sessions


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
async def sessions(postgres_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(postgres_url, pool_size=20, max_overflow=0, pool_timeout=60)
    yield session_factory(engine)
    await engine.dispose()


async def _user(sessions: Sessions) -> str:
    user_id = new_id()
    async with sessions() as session, session.begin():
        session.add(User(id=user_id, email=f"{user_id}@example.test"))
    return user_id


async def _count(sessions: Sessions, user_id: str, kind: str) -> int:
    async with sessions() as session:
        found = await session.scalar(
            select(func.count()).where(CreditEntry.user_id == user_id, CreditEntry.kind == kind)
        )
        return int(found or 0)


async def test_migrations_created_every_table(sessions: Sessions) -> None:
    async with sessions() as session:
        connection = await session.connection()
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        version = await session.scalar(text("SELECT version_num FROM alembic_version"))
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert version == HEAD


async def test_500_concurrent_one_credit_holds_on_100_credits(sessions: Sessions) -> None:
    user = await _user(sessions)
    await credits.grant_trial(sessions, user_id=user)
    done = asyncio.Event()
    samples: list[Balance] = []

    async def watch() -> None:
        while not done.is_set():
            samples.append(await credits.balance(sessions, user_id=user))
            await asyncio.sleep(0)

    async def hold(i: int) -> str | InsufficientCredits:
        try:
            return await credits.place_hold(sessions, user_id=user, amount=1, idempotency_key=f"run-{i}")
        except InsufficientCredits as exc:
            return exc

    watcher = asyncio.create_task(watch())
    results = await asyncio.gather(*(hold(i) for i in range(500)))
    done.set()
    await watcher

    holds = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, InsufficientCredits)]
    assert (len(holds), len(set(holds)), len(refused)) == (100, 100, 400)
    assert {(r.required, r.available) for r in refused} == {(1, 0)}
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=0, held=100)
    assert await _count(sessions, user, "hold") == 100
    assert samples and all(0 <= s.available <= 100 and s.held <= 100 for s in samples)


async def test_20_concurrent_trial_grants_give_exactly_100(sessions: Sessions) -> None:
    user = await _user(sessions)
    granted = await asyncio.gather(*(credits.grant_trial(sessions, user_id=user) for _ in range(20)))
    assert granted.count(True) == 1
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=0, held=0)
    assert await _count(sessions, user, "grant") == 1


async def test_concurrent_replays_of_one_key_make_one_hold(sessions: Sessions) -> None:
    user = await _user(sessions)
    await credits.grant_trial(sessions, user_id=user)
    holds = await asyncio.gather(
        *(credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1") for _ in range(20))
    )
    assert len(set(holds)) == 1
    entries = await asyncio.gather(
        *(credits.purchase(sessions, user_id=user, amount=200, idempotency_key="cs_1") for _ in range(20))
    )
    assert len(set(entries)) == 1
    assert await credits.balance(sessions, user_id=user) == Balance(granted=300, spent=0, held=50)
    assert await _count(sessions, user, "hold") == 1
    assert await _count(sessions, user, "purchase") == 1


async def test_racing_settle_and_release_close_a_hold_once(sessions: Sessions) -> None:
    user = await _user(sessions)
    await credits.grant_trial(sessions, user_id=user)
    hold = await credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1")
    results = await asyncio.gather(
        *((credits.settle if i % 2 else credits.release)(sessions, hold_id=hold) for i in range(20)),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, CreditConflict)]
    assert all(r is None or isinstance(r, CreditConflict) for r in results)
    assert len(conflicts) == 10  # every call of the losing kind; the winner's repeats are no-ops
    closing = await _count(sessions, user, "settle") + await _count(sessions, user, "release")
    assert closing == 1
    after = await credits.balance(sessions, user_id=user)
    assert after.held == 0 and after in (Balance(100, 50, 0), Balance(100, 0, 0))
