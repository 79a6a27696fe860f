"""Credits an administrator takes back from an account: a "revoke" entry naming who and why.

Like every ledger change it runs under the account's lock (credits.lock_account), so two take-backs
at once are serialized and neither sees credits the other already took: never below zero.
"""

from __future__ import annotations

from autocrea.billing.credits import Sessions, balance_in, lock_account
from autocrea.domain.credits import EntryKind
from autocrea.errors import CreditConflict, InvalidInput
from autocrea.storage.tables import CreditEntry, new_id, utcnow


async def take_back(sessions: Sessions, *, user_id: str, amount: int, reason: str) -> int:
    """Remove `amount` available credits; returns the ledger entry's id. Held or spent credits are
    not touched: asking for more than is available is refused (409) and changes nothing."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(f"a credit amount must be a positive whole number, not {amount!r}")
    if not reason.strip():
        raise InvalidInput("taking credits back needs a reason: it is kept in the ledger")
    async with sessions() as session, session.begin():
        await lock_account(session, user_id)
        available = (await balance_in(session, user_id)).available
        if amount > available:
            raise CreditConflict(
                f"Only {available} credits are available; {amount} cannot be taken back "
                "(credits never go below zero).",
                details={"available": available, "asked": amount},
            )
        entry = CreditEntry(
            user_id=user_id,
            kind=EntryKind.REVOKE.value,
            amount=amount,
            idempotency_key=f"{EntryKind.REVOKE.value}:admin:{new_id()}",
            reason=reason.strip()[:200],
            created_at=utcnow(),
        )
        session.add(entry)
        await session.flush()
        return entry.id
