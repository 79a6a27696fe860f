"""The credits ledger service: trial grants, purchases, holds that are settled or released.

Every call runs in its own transaction and first locks the user's `credit_accounts` row
(`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite every transaction is `BEGIN IMMEDIATE`), so changes
to one user's credits are serialized and available credits never go below zero. Charge-like calls
take an idempotency key, unique per user in the ledger: a replay returns the first call's result.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.domain.credits import TRIAL_CREDITS, Balance, EntryKind, HoldStatus, balance_from_totals
from autocrea.errors import CreditConflict, InsufficientCredits, InvalidInput
from autocrea.storage.tables import CreditAccount, CreditEntry, CreditHold, new_id, utcnow

Sessions = async_sessionmaker[AsyncSession]

MAX_KEY_LENGTH = 150
TRIAL_KEY = "trial"


def _check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(f"a credit amount must be a positive whole number, not {amount!r}")


def _key(operation: str, idempotency_key: str) -> str:
    if not isinstance(idempotency_key, str) or not idempotency_key.strip():
        raise InvalidInput("an idempotency key is required")
    if len(idempotency_key) > MAX_KEY_LENGTH or not idempotency_key.isprintable():
        raise InvalidInput(f"an idempotency key has at most {MAX_KEY_LENGTH} printable characters")
    return f"{operation}:{idempotency_key}"  # one namespace per operation: a hold key never hits a purchase


async def lock_account(session: AsyncSession, user_id: str) -> None:
    """Create the user's account row if needed and hold its lock until the transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    try:
        await session.execute(
            insert(CreditAccount)
            .values(user_id=user_id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
    except IntegrityError as exc:  # the foreign key: no such user
        raise InvalidInput(f"unknown user {user_id!r}") from exc
    if dialect == "postgresql":
        await session.execute(
            select(CreditAccount.user_id).where(CreditAccount.user_id == user_id).with_for_update()
        )


async def balance_in(session: AsyncSession, user_id: str) -> Balance:
    rows = await session.execute(
        select(CreditEntry.kind, func.sum(CreditEntry.amount))
        .where(CreditEntry.user_id == user_id)
        .group_by(CreditEntry.kind)
    )
    return balance_from_totals({kind: int(total or 0) for kind, total in rows})


async def _entry(session: AsyncSession, user_id: str, key: str) -> CreditEntry | None:
    found = await session.execute(
        select(CreditEntry).where(CreditEntry.user_id == user_id, CreditEntry.idempotency_key == key)
    )
    return found.scalar_one_or_none()


def _replay(entry: CreditEntry, amount: int) -> None:
    if entry.amount != amount:
        raise CreditConflict(
            f"this idempotency key was used for {entry.amount} credits, not {amount}; use a new key",
            details={"amount": entry.amount},
        )


async def balance(sessions: Sessions, *, user_id: str) -> Balance:
    async with sessions() as session:
        return await balance_in(session, user_id)


async def grant_trial(sessions: Sessions, *, user_id: str) -> bool:
    """Give a new account its trial credits, once ever; True if this call granted them."""
    key = _key(EntryKind.GRANT, TRIAL_KEY)
    async with sessions() as session, session.begin():
        await lock_account(session, user_id)
        if await _entry(session, user_id, key) is not None:
            return False
        session.add(
            CreditEntry(
                user_id=user_id,
                kind=EntryKind.GRANT.value,
                amount=TRIAL_CREDITS,
                idempotency_key=key,
                reason="trial credits",
                created_at=utcnow(),
            )
        )
    return True


async def grant(sessions: Sessions, *, user_id: str, amount: int, idempotency_key: str, reason: str) -> int:
    """Give credits by hand (an administrator); returns the ledger entry's id, the same one when the
    key is replayed, so a command run twice grants once."""
    _check_amount(amount)
    if not reason.strip():
        raise InvalidInput("a grant needs a reason: it is kept in the ledger")
    key = _key(EntryKind.GRANT, idempotency_key)
    async with sessions() as session, session.begin():
        await lock_account(session, user_id)
        existing = await _entry(session, user_id, key)
        if existing is not None:
            _replay(existing, amount)
            return existing.id
        entry = CreditEntry(
            user_id=user_id,
            kind=EntryKind.GRANT.value,
            amount=amount,
            idempotency_key=key,
            reason=reason.strip()[:200],
            created_at=utcnow(),
        )
        session.add(entry)
        await session.flush()
        return entry.id


async def purchase(
    sessions: Sessions, *, user_id: str, amount: int, idempotency_key: str, reason: str = "purchase"
) -> int:
    """Add bought credits; returns the ledger entry's id (the same one when the key is replayed)."""
    _check_amount(amount)
    key = _key(EntryKind.PURCHASE, idempotency_key)
    async with sessions() as session, session.begin():
        await lock_account(session, user_id)
        existing = await _entry(session, user_id, key)
        if existing is not None:
            _replay(existing, amount)
            return existing.id
        entry = CreditEntry(
            user_id=user_id,
            kind=EntryKind.PURCHASE.value,
            amount=amount,
            idempotency_key=key,
            reason=reason[:200],
            created_at=utcnow(),
        )
        session.add(entry)
        await session.flush()
        return entry.id


async def place_hold(
    sessions: Sessions, *, user_id: str, amount: int, idempotency_key: str, reason: str = ""
) -> str:
    """Reserve `amount` credits and return the hold's id; raises InsufficientCredits when short."""
    _check_amount(amount)
    key = _key(EntryKind.HOLD, idempotency_key)
    async with sessions() as session, session.begin():
        await lock_account(session, user_id)
        existing = await _entry(session, user_id, key)
        if existing is not None:
            _replay(existing, amount)
            assert existing.hold_id is not None  # a hold entry always names its hold
            return existing.hold_id
        available = (await balance_in(session, user_id)).available
        if available < amount:
            raise InsufficientCredits(required=amount, available=available)
        now = utcnow()
        hold = CreditHold(
            id=new_id(),
            user_id=user_id,
            amount=amount,
            status=HoldStatus.OPEN.value,
            reason=reason[:200],
            created_at=now,
        )
        session.add(hold)
        await session.flush()  # the hold row before the entry that refers to it
        session.add(
            CreditEntry(
                user_id=user_id,
                kind=EntryKind.HOLD.value,
                amount=amount,
                hold_id=hold.id,
                idempotency_key=key,
                reason=reason[:200],
                created_at=now,
            )
        )
        return hold.id


async def hold_for_key(sessions: Sessions, *, user_id: str, idempotency_key: str) -> str | None:
    """The hold an earlier `place_hold` with this key placed for this user, if any (a replayed
    request finds its run before checking anything else)."""
    key = _key(EntryKind.HOLD, idempotency_key)
    async with sessions() as session:
        entry = await _entry(session, user_id, key)
    return entry.hold_id if entry is not None else None


async def hold_amount(sessions: Sessions, *, hold_id: str) -> int:
    async with sessions() as session:
        amount = await session.scalar(select(CreditHold.amount).where(CreditHold.id == hold_id))
    if amount is None:
        raise InvalidInput(f"unknown hold {hold_id!r}")
    return int(amount)


async def hold_status(sessions: Sessions, *, hold_id: str) -> HoldStatus:
    async with sessions() as session:
        status = await session.scalar(select(CreditHold.status).where(CreditHold.id == hold_id))
    if status is None:
        raise InvalidInput(f"unknown hold {hold_id!r}")
    return HoldStatus(status)


async def _close(
    sessions: Sessions, hold_id: str, status: HoldStatus, *, spend: int | None = None, note: str = ""
) -> None:
    """Settle or release a hold. A settle of `spend` below the hold's amount spends that much and
    releases the rest in the same transaction: two entries, each naming the hold."""
    kind = EntryKind.SETTLE if status is HoldStatus.SETTLED else EntryKind.RELEASE
    async with sessions() as session, session.begin():
        user_id = await session.scalar(select(CreditHold.user_id).where(CreditHold.id == hold_id))
        if user_id is None:
            raise InvalidInput(f"unknown hold {hold_id!r}")
        await lock_account(session, user_id)
        hold = await session.scalar(
            select(CreditHold).where(CreditHold.id == hold_id).execution_options(populate_existing=True)
        )
        assert hold is not None  # holds are never deleted
        if hold.status == status.value:
            return
        if hold.status != HoldStatus.OPEN.value:
            raise CreditConflict(
                f"hold {hold_id} was already {hold.status}; it cannot be {status.value} as well",
                details={"hold_id": hold_id, "status": hold.status},
            )
        now = utcnow()
        hold.status = status.value
        hold.closed_at = now
        spent = hold.amount if spend is None else min(spend, hold.amount)
        amounts = [(kind, hold.amount, hold.reason)]
        if kind is EntryKind.SETTLE and spent < hold.amount:
            returned = f"{hold.reason}: {hold.amount - spent} of {hold.amount} returned"
            amounts = [
                (EntryKind.SETTLE, spent, f"{hold.reason}: {spent} of {hold.amount} spent"),
                (EntryKind.RELEASE, hold.amount - spent, f"{returned} ({note})" if note else returned),
            ]
        for entry_kind, amount, reason in amounts:
            session.add(
                CreditEntry(
                    user_id=user_id,
                    kind=entry_kind.value,
                    amount=amount,
                    hold_id=hold_id,
                    reason=reason[:200],
                    created_at=now,
                )
            )


async def settle(sessions: Sessions, *, hold_id: str, amount: int | None = None, note: str = "") -> None:
    """Spend a hold's credits (a finished run): all of them, or `amount` with the rest returned in
    the same step (`note` says why, e.g. a run built offline pays the offline price). Settling twice
    is a no-op; after a release, an error."""
    if amount is not None:
        _check_amount(amount)
    await _close(sessions, hold_id, HoldStatus.SETTLED, spend=amount, note=note)


async def release(sessions: Sessions, *, hold_id: str) -> None:
    """Return a hold's credits (a failed or cancelled run). Idempotent; after a settle, an error."""
    await _close(sessions, hold_id, HoldStatus.RELEASED)
