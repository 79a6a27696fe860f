"""Reconciliation finds an account whose ledger does not add up, and none otherwise: by function,
by command (`autocrea credits reconcile`, exit 1 when any) and in /metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from autocrea import cli
from autocrea.billing import credits
from autocrea.billing.reconciliation import mismatches
from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.migrate import upgrade
from autocrea.storage.tables import User, new_id
from tests.platform import running, settings_for

Sessions = credits.Sessions


async def _world(url: str) -> tuple[Sessions, list[str], str]:
    """Three users, one with a hold spent, one with a hold still open; returns the open hold's id."""
    await upgrade(url)
    sessions = session_factory(create_engine(url))
    users = []
    for n in range(3):
        user_id = new_id()
        async with sessions() as session, session.begin():
            session.add(User(id=user_id, email=f"reconcile-{n}-{user_id[:6]}@example.test"))
        await credits.grant_trial(sessions, user_id=user_id)
        users.append(user_id)
    spent = await credits.place_hold(sessions, user_id=users[0], amount=50, idempotency_key="a")
    await credits.settle(sessions, hold_id=spent, amount=30, note="offline")
    open_hold = await credits.place_hold(sessions, user_id=users[1], amount=40, idempotency_key="b")
    await credits.grant(sessions, user_id=users[2], amount=7, idempotency_key="c", reason="support")
    return sessions, users, open_hold


async def _plant(sessions: Sessions, sql: str, **params: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(text(sql), params)


async def test_a_ledger_that_adds_up_has_no_mismatch_and_each_planted_one_is_found(tmp_path: Path) -> None:
    sessions, users, open_hold = await _world(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    assert await mismatches(sessions) == []

    # A hold marked released behind the ledger's back: the ledger still holds its 40 credits.
    await _plant(sessions, "UPDATE credit_holds SET status = 'released' WHERE id = :id", id=open_hold)
    found = await mismatches(sessions)
    assert [m.user_id for m in found] == [users[1]]
    assert "the ledger holds 40 credits but open holds add up to 0" in found[0].problems[0]

    # More spent than was ever granted, written straight into the ledger.
    await _plant(
        sessions,
        "INSERT INTO credit_entries (user_id, kind, amount, reason, created_at) "
        "VALUES (:u, 'revoke', 500, 'planted', '2026-01-01 00:00:00')",
        u=users[2],
    )
    found = await mismatches(sessions)
    assert {m.user_id for m in found} == {users[1], users[2]}
    assert any("available is -393" in p for m in found for p in m.problems)


def test_the_command_exits_1_on_a_mismatch_and_grants_once_per_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    sessions, users, open_hold = asyncio.run(_world(url))
    monkeypatch.setenv("AUTOCREA_DATABASE_URL", url)
    assert cli.main(["credits", "reconcile"]) == 0
    assert "0 mismatches" in capsys.readouterr().out

    email = f"reconcile-0-{users[0][:6]}@example.test"
    for _ in range(2):
        assert cli.main(["credits", "grant", email.upper(), "25", "--reason", "outage", "--key", "k1"]) == 0
    assert "available now 95" in capsys.readouterr().out  # 100 - 30 spent + 25, once
    assert cli.main(["credits", "grant", "nobody@example.test", "5", "--reason", "x"]) == 2
    assert cli.main(["credits", "grant", email, "0", "--reason", "x"]) == 2
    capsys.readouterr()

    asyncio.run(_plant(sessions, "UPDATE credit_holds SET amount = 41 WHERE id = :id", id=open_hold))
    assert cli.main(["credits", "reconcile"]) == 1
    out = capsys.readouterr().out
    assert users[1] in out and "1 account(s) do not add up" in out


def test_metrics_count_the_mismatched_accounts(tmp_path: Path) -> None:
    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        account = platform.register()
        assert "autocrea_credit_mismatches 0.0" in platform.request("GET", "/metrics").text
        hold = asyncio.run(_open_hold(platform.settings.database_url, account.user_id))
        assert "autocrea_credit_mismatches 0.0" in platform.request("GET", "/metrics").text
        asyncio.run(_plant_close(platform.settings.database_url, hold))  # settled, with no settle entry
        assert "autocrea_credit_mismatches 1.0" in platform.request("GET", "/metrics").text


async def _open_hold(url: str, user_id: str) -> str:
    engine = create_engine(url)
    try:
        return await credits.place_hold(
            session_factory(engine), user_id=user_id, amount=10, idempotency_key="m"
        )
    finally:
        await engine.dispose()


async def _plant_close(url: str, hold_id: str) -> None:
    engine = create_engine(url)
    try:
        sql = "UPDATE credit_holds SET status = 'settled' WHERE id = :id"
        await _plant(session_factory(engine), sql, id=hold_id)
    finally:
        await engine.dispose()
