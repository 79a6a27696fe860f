"""What the administrators see of every account: users with balances and run counts, runs across
users, accounts disabled and enabled again, and totals per day.

Read-only queries over storage, plus the disabled flag. Balances come from the same ledger
arithmetic as the user's own (domain/credits.py), summed per user in one query per page.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.domain.credits import Balance, EntryKind, balance_from_totals
from autocrea.domain.run import RunStatus
from autocrea.errors import InvalidInput, NotFound
from autocrea.storage.tables import CreditEntry, Run, User, utcnow

Sessions = async_sessionmaker[AsyncSession]
MAX_QUERY = 320  # an e-mail's longest


@dataclass(frozen=True)
class Account:
    user: User
    balance: Balance
    runs: int


@dataclass(frozen=True)
class RunRow:
    run: Run
    email: str
    cost: int  # credits spent (settled) for it; held credits of a live run are not a cost yet

    @property
    def failure(self) -> str | None:
        """The failure's stable code (summary.failure.code), or None."""
        found: Any = (self.run.summary or {}).get("failure")
        return str(found["code"]) if isinstance(found, dict) and found.get("code") else None


@dataclass
class Day:
    day: date
    new_users: int = 0
    runs: Counter[str] = field(default_factory=Counter)
    granted: int = 0  # grants and purchases
    revoked: int = 0
    spent: int = 0


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _balances(session: AsyncSession, user_ids: list[str]) -> dict[str, Balance]:
    totals: defaultdict[str, dict[str, int]] = defaultdict(dict)
    if user_ids:
        rows = await session.execute(
            select(CreditEntry.user_id, CreditEntry.kind, func.sum(CreditEntry.amount))
            .where(CreditEntry.user_id.in_(user_ids))
            .group_by(CreditEntry.user_id, CreditEntry.kind)
        )
        for user_id, kind, total in rows:
            totals[user_id][kind] = int(total or 0)
    return {user_id: balance_from_totals(totals[user_id]) for user_id in user_ids}


async def accounts(
    sessions: Sessions, *, query: str = "", offset: int = 0, limit: int = 50
) -> tuple[int, list[Account]]:
    """(how many match, one page of them newest first); `query` is a case-blind e-mail substring."""
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"search for at most {MAX_QUERY} characters of an e-mail")
    where = []
    if query.strip():
        where.append(func.lower(User.email).like(f"%{_escape(query.strip().lower())}%", escape="\\"))
    async with sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(User).where(*where)) or 0)
        users = list(
            await session.scalars(
                select(User)
                .where(*where)
                .order_by(User.created_at.desc(), User.id)
                .offset(offset)
                .limit(limit)
            )
        )
        ids = [u.id for u in users]
        balances = await _balances(session, ids)
        counts: dict[str, int] = {}
        if ids:
            rows = await session.execute(
                select(Run.user_id, func.count()).where(Run.user_id.in_(ids)).group_by(Run.user_id)
            )
            counts = {user_id: int(n) for user_id, n in rows}
    return total, [Account(u, balances[u.id], counts.get(u.id, 0)) for u in users]


async def account(sessions: Sessions, *, user_id: str) -> Account:
    async with sessions() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        balances = await _balances(session, [user_id])
        runs = int(await session.scalar(select(func.count()).where(Run.user_id == user_id)) or 0)
    return Account(user, balances[user_id], runs)


async def runs(
    sessions: Sessions,
    *,
    status: RunStatus | None = None,
    user_id: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[RunRow]]:
    """(how many match, one page newest first) of every user's runs, with who and what each cost."""
    where = []
    if status is not None:
        where.append(Run.status == status.value)
    if user_id is not None:
        where.append(Run.user_id == user_id)
    spent: Any = (
        select(func.coalesce(func.sum(CreditEntry.amount), 0))
        .where(CreditEntry.hold_id == Run.hold_id, CreditEntry.kind == EntryKind.SETTLE.value)
        .correlate(Run)
        .scalar_subquery()
    )
    async with sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(Run).where(*where)) or 0)
        rows = await session.execute(
            select(Run, User.email, spent)
            .join(User, User.id == Run.user_id)
            .where(*where)
            .order_by(Run.created_at.desc(), Run.id)
            .offset(offset)
            .limit(limit)
        )
        return total, [RunRow(row[0], row[1], int(row[2] or 0)) for row in rows]


async def set_disabled(sessions: Sessions, *, user_id: str, disabled: bool) -> User:
    """Disable an account (its sessions and tokens are refused from now on, nothing is deleted) or
    enable it again. Idempotent: disabling twice keeps the first time."""
    async with sessions() as session, session.begin():
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        if disabled and user.is_active:
            await session.execute(
                update(User).where(User.id == user_id).values(is_active=False, disabled_at=utcnow())
            )
        elif not disabled:
            await session.execute(
                update(User).where(User.id == user_id).values(is_active=True, disabled_at=None)
            )
    async with sessions() as session:
        found = await session.get(User, user_id)
        assert found is not None  # accounts are not deleted here
        return found


async def daily(sessions: Sessions, *, days: int = 30, now: datetime | None = None) -> list[Day]:
    """Per UTC day of the last `days` (oldest first, every day present): new users, runs by status,
    credits granted (incl. bought), revoked and spent. Bucketed here rather than in SQL: date
    functions differ between SQLite and PostgreSQL, and 30 days of rows are few."""
    today = (now or utcnow()).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(), UTC)
    table = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range(days)}
    added = (EntryKind.GRANT.value, EntryKind.PURCHASE.value)
    kinds = (*added, EntryKind.REVOKE.value, EntryKind.SETTLE.value)
    async with sessions() as session:
        for (created,) in await session.execute(select(User.created_at).where(User.created_at >= since)):
            if created.date() in table:
                table[created.date()].new_users += 1
        for created, status in await session.execute(
            select(Run.created_at, Run.status).where(Run.created_at >= since)
        ):
            if created.date() in table:
                table[created.date()].runs[status] += 1
        for created, kind, amount in await session.execute(
            select(CreditEntry.created_at, CreditEntry.kind, CreditEntry.amount).where(
                CreditEntry.created_at >= since, or_(*(CreditEntry.kind == k for k in kinds))
            )
        ):
            row = table.get(created.date())
            if row is None:
                continue
            if kind in added:
                row.granted += amount
            elif kind == EntryKind.REVOKE.value:
                row.revoked += amount
            else:
                row.spent += amount
    return [table[d] for d in sorted(table)]
