"""The credits ledger on the embedded SQLite default (PostgreSQL: tests/integration)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from autocrea.billing import credits
from autocrea.domain.credits import GENERATION_COST, TRIAL_CREDITS, Balance, balance_from_totals
from autocrea.errors import CreditConflict, InsufficientCredits, InvalidInput
from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.migrate import upgrade
from autocrea.storage.tables import CreditEntry, CreditHold, User, new_id

Sessions = credits.Sessions


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'credits.db'}"
    await upgrade(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


async def _user(sessions: Sessions, *, trial: bool = True) -> str:
    user_id = new_id()
    async with sessions() as session, session.begin():
        session.add(User(id=user_id, email=f"{user_id}@example.test"))
    if trial:
        assert await credits.grant_trial(sessions, user_id=user_id) is True
    return user_id


async def _ledger(sessions: Sessions, user_id: str) -> list[tuple[str, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(CreditEntry.kind, CreditEntry.amount)
            .where(CreditEntry.user_id == user_id)
            .order_by(CreditEntry.id)
        )
        return [(kind, amount) for kind, amount in rows]


def test_balance_arithmetic() -> None:
    totals = {"grant": 100, "purchase": 30, "hold": 70, "settle": 50, "release": 10}
    assert balance_from_totals(totals) == Balance(granted=130, spent=50, held=10)
    assert balance_from_totals(totals).available == 70
    assert balance_from_totals({}).available == 0
    assert (TRIAL_CREDITS, GENERATION_COST) == (100, 50)


async def test_a_new_account_gets_100_trial_credits_once(sessions: Sessions) -> None:
    user = await _user(sessions)
    assert await credits.grant_trial(sessions, user_id=user) is False
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=0, held=0)
    assert await _ledger(sessions, user) == [("grant", 100)]


async def test_concurrent_trial_grants_give_100_credits(sessions: Sessions) -> None:
    user = await _user(sessions, trial=False)
    granted = await asyncio.gather(*(credits.grant_trial(sessions, user_id=user) for _ in range(10)))
    assert granted.count(True) == 1
    assert (await credits.balance(sessions, user_id=user)).available == 100


async def test_a_run_holds_then_settles(sessions: Sessions) -> None:
    user = await _user(sessions)
    hold = await credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1")
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=0, held=50)
    await credits.settle(sessions, hold_id=hold)
    await credits.settle(sessions, hold_id=hold)  # idempotent
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=50, held=0)
    assert await _ledger(sessions, user) == [("grant", 100), ("hold", 50), ("settle", 50)]


async def test_a_failed_run_releases_its_hold(sessions: Sessions) -> None:
    user = await _user(sessions)
    hold = await credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1")
    await credits.release(sessions, hold_id=hold)
    await credits.release(sessions, hold_id=hold)
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=0, held=0)
    assert await _ledger(sessions, user) == [("grant", 100), ("hold", 50), ("release", 50)]


async def test_a_run_built_offline_spends_the_offline_price_and_returns_the_rest(sessions: Sessions) -> None:
    user = await _user(sessions)
    hold = await credits.place_hold(
        sessions, user_id=user, amount=50, idempotency_key="run-1", reason="generation r1"
    )
    await credits.settle(sessions, hold_id=hold, amount=20, note="built offline: openai:x failed")
    await credits.settle(sessions, hold_id=hold, amount=20)  # idempotent
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=20, held=0)
    assert await _ledger(sessions, user) == [("grant", 100), ("hold", 50), ("settle", 20), ("release", 30)]
    async with sessions() as session:
        reasons = list(
            await session.scalars(
                select(CreditEntry.reason).where(CreditEntry.hold_id == hold).order_by(CreditEntry.id)
            )
        )
    assert reasons[1:] == [
        "generation r1: 20 of 50 spent",
        "generation r1: 30 of 50 returned (built offline: openai:x failed)",
    ]
    with pytest.raises(CreditConflict, match="already settled"):  # closed once, even in two entries
        await credits.release(sessions, hold_id=hold)
    # Settling for as much as was held (or more) is a plain settle.
    whole = await credits.place_hold(sessions, user_id=user, amount=10, idempotency_key="run-2")
    await credits.settle(sessions, hold_id=whole, amount=99)
    assert (await _ledger(sessions, user))[-1] == ("settle", 10)


async def test_a_hold_closes_one_way_only(sessions: Sessions) -> None:
    user = await _user(sessions)
    settled = await credits.place_hold(sessions, user_id=user, amount=10, idempotency_key="a")
    released = await credits.place_hold(sessions, user_id=user, amount=20, idempotency_key="b")
    await credits.settle(sessions, hold_id=settled)
    await credits.release(sessions, hold_id=released)
    with pytest.raises(CreditConflict, match="already settled") as info:
        await credits.release(sessions, hold_id=settled)
    assert info.value.code == "credit_conflict"
    with pytest.raises(CreditConflict, match="already released"):
        await credits.settle(sessions, hold_id=released)
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=10, held=0)


async def test_short_of_credits_is_refused_with_the_amounts(sessions: Sessions) -> None:
    user = await _user(sessions)
    await credits.place_hold(sessions, user_id=user, amount=GENERATION_COST, idempotency_key="run-1")
    await credits.place_hold(sessions, user_id=user, amount=30, idempotency_key="run-2")
    before = await _ledger(sessions, user)
    with pytest.raises(InsufficientCredits) as info:
        await credits.place_hold(sessions, user_id=user, amount=GENERATION_COST, idempotency_key="run-3")
    error = info.value
    assert (error.required, error.available) == (50, 20)
    assert error.to_dict()["error"] == {
        "code": "insufficient_credits",
        "message": "this needs 50 credits but 20 are available",
        "details": {"required": 50, "available": 20},
    }
    assert await _ledger(sessions, user) == before
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CreditHold)) == 2


async def test_a_replayed_hold_key_returns_the_same_hold(sessions: Sessions) -> None:
    user = await _user(sessions)
    first = await credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1")
    again = await asyncio.gather(
        *(credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1") for _ in range(5))
    )
    assert set(again) == {first}
    await credits.settle(sessions, hold_id=first)
    assert await credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1") == first
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=50, held=0)


async def test_a_key_reused_for_another_amount_is_a_conflict(sessions: Sessions) -> None:
    user = await _user(sessions)
    await credits.place_hold(sessions, user_id=user, amount=50, idempotency_key="run-1")
    with pytest.raises(CreditConflict, match="used for 50 credits, not 10"):
        await credits.place_hold(sessions, user_id=user, amount=10, idempotency_key="run-1")
    await credits.purchase(sessions, user_id=user, amount=500, idempotency_key="order-1")
    with pytest.raises(CreditConflict):
        await credits.purchase(sessions, user_id=user, amount=5, idempotency_key="order-1")
    assert await credits.balance(sessions, user_id=user) == Balance(granted=600, spent=0, held=50)


async def test_purchases_add_credits_once_per_key(sessions: Sessions) -> None:
    user = await _user(sessions)
    entry = await credits.purchase(sessions, user_id=user, amount=200, idempotency_key="cs_test_1")
    assert await credits.purchase(sessions, user_id=user, amount=200, idempotency_key="cs_test_1") == entry
    # the same key names another operation's call: a hold keyed "cs_test_1" is a different thing
    await credits.place_hold(sessions, user_id=user, amount=200, idempotency_key="cs_test_1")
    assert await credits.balance(sessions, user_id=user) == Balance(granted=300, spent=0, held=200)


async def test_concurrent_holds_never_overspend(sessions: Sessions) -> None:
    user = await _user(sessions)
    results = await asyncio.gather(
        *(credits.place_hold(sessions, user_id=user, amount=5, idempotency_key=f"k{i}") for i in range(40)),
        return_exceptions=True,
    )
    holds = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, InsufficientCredits)]
    assert (len(holds), len(refused)) == (20, 20)
    assert {r.available for r in refused} == {0}
    assert await credits.balance(sessions, user_id=user) == Balance(granted=100, spent=0, held=100)


@pytest.mark.parametrize("amount", [0, -5, True, 2.5, "50"])
async def test_bad_amounts_are_refused(sessions: Sessions, amount: object) -> None:
    user = await _user(sessions)
    with pytest.raises(InvalidInput, match="positive whole number"):
        await credits.place_hold(sessions, user_id=user, amount=amount, idempotency_key="k")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="positive whole number"):
        await credits.purchase(sessions, user_id=user, amount=amount, idempotency_key="k")  # type: ignore[arg-type]
    assert await _ledger(sessions, user) == [("grant", 100)]


@pytest.mark.parametrize("key", ["", "   ", "x" * 151, "a\nb"])
async def test_bad_idempotency_keys_are_refused(sessions: Sessions, key: str) -> None:
    user = await _user(sessions)
    with pytest.raises(InvalidInput, match="idempotency key"):
        await credits.place_hold(sessions, user_id=user, amount=1, idempotency_key=key)
    assert await _ledger(sessions, user) == [("grant", 100)]


async def test_unknown_users_and_holds_are_refused(sessions: Sessions) -> None:
    with pytest.raises(InvalidInput, match="unknown user"):
        await credits.grant_trial(sessions, user_id="nobody")
    with pytest.raises(InvalidInput, match="unknown user"):
        await credits.place_hold(sessions, user_id="nobody", amount=1, idempotency_key="k")
    with pytest.raises(InvalidInput, match="unknown hold"):
        await credits.settle(sessions, hold_id="0" * 32)
    with pytest.raises(InvalidInput, match="unknown hold"):
        await credits.release(sessions, hold_id="0" * 32)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CreditEntry)) == 0
