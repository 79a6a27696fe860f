"""The credits' history in words: one line per event a person would name, adding up to the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autocrea.billing import clawback, credits
from autocrea.billing.history import Entry, RunFacts, Sale, history, lines
from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.migrate import upgrade
from autocrea.storage.tables import Project, Run, User, new_id

Sessions = credits.Sessions
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_runs_hold_and_its_closing_become_one_line_naming_the_project() -> None:
    entries = [
        Entry(7, "release", 30, "h2", "release:h2", "", _at(9)),
        Entry(6, "settle", 20, "h2", "settle:h2", "", _at(9)),
        Entry(5, "hold", 50, "h2", "hold:k2", "change r2", _at(8)),
        Entry(4, "release", 50, "h1", "release:h1", "", _at(5)),
        Entry(3, "hold", 50, "h1", "hold:k1", "generation r1", _at(4)),
        Entry(2, "hold", 20, "h0", "hold:k0", "generation r0", _at(2)),
        Entry(1, "grant", 100, None, "grant:trial", "trial credits", _at(0)),
    ]
    runs = {
        "h2": RunFacts("change", "Biblioteca", "succeeded"),
        "h1": RunFacts("generation", "Tienda", "failed"),
        "h0": RunFacts("generation", "Blog", "running"),
    }
    got = [(line.what, line.change, dict(line.params)) for line in lines(entries, runs, {})]
    assert got == [
        (
            "run",
            -20,
            {
                "held": 50,
                "spent": 20,
                "returned": 30,
                "state": "partial",
                "kind": "change",
                "project": "Biblioteca",
            },
        ),
        (
            "run",
            0,
            {
                "held": 50,
                "spent": 0,
                "returned": 50,
                "state": "returned",
                "kind": "generation",
                "project": "Tienda",
            },
        ),
        (
            "run",
            -20,
            {"held": 20, "spent": 0, "returned": 0, "state": "open", "kind": "generation", "project": "Blog"},
        ),
        ("trial", 100, {"credits": 100}),
    ]


def test_purchases_grants_and_take_backs_are_named_by_their_source() -> None:
    entries = [
        Entry(6, "revoke", 40, None, "revoke:admin:x", "duplicate account (admin boss@example.com)", _at(6)),
        Entry(
            5, "revoke", 100, None, "revoke:stripe:evt_3", "refund of cs_1: 100 credits taken back", _at(5)
        ),
        Entry(4, "purchase", 1000, None, "purchase:stripe:in_2", "plan Pro: 1000 credits", _at(4)),
        Entry(3, "purchase", 250, None, "purchase:stripe:cs_1", "pack of 250 credits", _at(3)),
        Entry(2, "grant", 10, None, "grant:admin:y", "sorry for the outage (admin boss@example.com)", _at(2)),
        Entry(1, "grant", 5, None, "grant:cli:z", "a thank-you", _at(1)),
    ]
    sales = {"cs_1": Sale("pack", "250", 250), "in_2": Sale("plan", "Pro", 1000)}
    got = [
        (line.what, line.change, line.params.get("reason"), line.params.get("plan"))
        for line in lines(entries, {}, sales)
    ]
    assert got == [
        # The administrator's address stays in the ledger; the user reads the reason.
        ("admin_take", -40, "duplicate account", None),
        ("refund", -100, "refund of cs_1: 100 credits taken back", None),
        ("plan", 1000, None, "Pro"),
        ("pack", 250, "pack of 250 credits", None),
        ("admin_grant", 10, "sorry for the outage", None),
        ("grant", 5, "a thank-you", None),
    ]


def test_a_hold_placed_before_the_window_read_is_left_out_not_told_in_part() -> None:
    entries = [Entry(9, "settle", 50, "old", "settle:old", "", _at(9))]
    assert lines(entries, {}, {}) == []


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'history.db'}"
    await upgrade(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


async def _run(sessions: Sessions, user_id: str, name: str, hold_id: str) -> None:
    async with sessions() as session, session.begin():
        project = Project(id=new_id(), user_id=user_id, name=name, slug=name.lower(), prompt="p")
        session.add(project)
        await session.flush()
        session.add(
            Run(project_id=project.id, user_id=user_id, model="blueprint", prompt="p", hold_id=hold_id)
        )


async def test_the_lines_of_a_real_ledger_add_up_to_the_balance(sessions: Sessions) -> None:
    user_id = new_id()
    async with sessions() as session, session.begin():
        session.add(User(id=user_id, email=f"{user_id}@example.test"))
    await credits.grant_trial(sessions, user_id=user_id)
    spent = await credits.place_hold(sessions, user_id=user_id, amount=50, idempotency_key="a")
    await _run(sessions, user_id, "Tienda", spent)
    await credits.settle(sessions, hold_id=spent)
    failed = await credits.place_hold(sessions, user_id=user_id, amount=20, idempotency_key="b")
    await _run(sessions, user_id, "Blog", failed)
    await credits.release(sessions, hold_id=failed)
    await credits.grant(
        sessions, user_id=user_id, amount=30, idempotency_key="admin:1", reason="gift (admin a@b.c)"
    )
    await clawback.take_back(sessions, user_id=user_id, amount=5, reason="typo (admin a@b.c)")
    running = await credits.place_hold(sessions, user_id=user_id, amount=50, idempotency_key="c")
    await _run(sessions, user_id, "Foro", running)

    told = await history(sessions, user_id=user_id)
    assert [line.what for line in told] == ["run", "admin_take", "admin_grant", "run", "run", "trial"]
    assert [line.params.get("project") for line in told if line.what == "run"] == ["Foro", "Blog", "Tienda"]
    assert [line.params["state"] for line in told if line.what == "run"] == ["open", "returned", "spent"]
    balance = await credits.balance(sessions, user_id=user_id)
    assert sum(line.change for line in told) == balance.available == 100 - 50 + 30 - 5 - 50
    assert len(await history(sessions, user_id=user_id, limit=2)) == 2
    assert await history(sessions, user_id=new_id()) == []
