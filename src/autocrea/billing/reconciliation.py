"""Reconciliation: every account's balance against its ledger and holds (`autocrea credits
reconcile`, and `autocrea_credit_mismatches` in /metrics). Zero mismatches is the only right answer;
anything else means a row was changed outside the ledger service."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from autocrea.billing.credits import Sessions
from autocrea.domain.credits import EntryKind, HoldStatus, balance_from_totals
from autocrea.domain.reconciliation import AccountFigures, Mismatch, check
from autocrea.storage.tables import CreditAccount, CreditEntry, CreditHold


async def mismatches(sessions: Sessions) -> list[Mismatch]:
    """Every account whose ledger does not add up, with what is wrong (read in one snapshot)."""
    async with sessions() as session, session.begin():
        totals: dict[str, dict[str, int]] = defaultdict(dict)
        rows = await session.execute(
            select(CreditEntry.user_id, CreditEntry.kind, func.sum(CreditEntry.amount)).group_by(
                CreditEntry.user_id, CreditEntry.kind
            )
        )
        for user_id, kind, total in rows:
            totals[user_id][kind] = int(total or 0)
        open_holds: dict[str, int] = {
            user_id: int(total or 0)
            for user_id, total in await session.execute(
                select(CreditHold.user_id, func.sum(CreditHold.amount))
                .where(CreditHold.status == HoldStatus.OPEN.value)
                .group_by(CreditHold.user_id)
            )
        }
        bad_holds = await _bad_holds(session)
        users = set(await session.scalars(select(CreditAccount.user_id))) | set(totals) | set(open_holds)
    found = []
    for user_id in sorted(users):
        figures = AccountFigures(
            user_id=user_id,
            balance=balance_from_totals(totals.get(user_id, {})),
            open_holds=open_holds.get(user_id, 0),
            bad_holds=bad_holds.get(user_id, 0),
        )
        mismatch = check(figures)
        if mismatch is not None:
            found.append(mismatch)
    return found


async def _bad_holds(session: AsyncSession) -> dict[str, int]:
    """Per user, holds whose entries disagree with them: an open hold must have only its hold entry;
    a closed one its hold entry plus settle and release entries adding up to its amount."""

    def total(kind: EntryKind) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((CreditEntry.kind == kind.value, CreditEntry.amount), else_=0)), 0)

    placed, settled, released = total(EntryKind.HOLD), total(EntryKind.SETTLE), total(EntryKind.RELEASE)
    per_hold = (
        select(
            CreditHold.user_id,
            CreditHold.status,
            CreditHold.amount,
            placed.label("placed"),
            settled.label("settled"),
            released.label("released"),
        )
        .join(CreditEntry, CreditEntry.hold_id == CreditHold.id, isouter=True)
        .group_by(CreditHold.id, CreditHold.user_id, CreditHold.status, CreditHold.amount)
    )
    bad: dict[str, int] = defaultdict(int)
    for row in await session.execute(per_hold):
        user_id, status, amount, put, spent, back = (str(row[0]), str(row[1]), *(int(v) for v in row[2:]))
        closed = spent + back
        ok = put == amount and (closed == 0 if status == HoldStatus.OPEN.value else closed == amount)
        if not ok:
            bad[user_id] += 1
    return bad
