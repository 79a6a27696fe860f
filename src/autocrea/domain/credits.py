"""Credit arithmetic: ledger entry kinds, their effect on a balance, and the fixed amounts.

The ledger is append-only and every amount in it is positive; the kind says what it does:
grant and purchase add credits, revoke takes added credits back (a refunded payment, never more than
is available), hold reserves them, settle turns a hold into spending, release returns a hold. A hold
is closed once: settled, released, or settled in part with the rest released in the same step (a
run the Blueprint built after the chosen model failed pays the offline price).
Available = granted - spent - held, where granted is net of what was revoked and held counts holds
not yet closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

TRIAL_CREDITS = 100
GENERATION_COST = 50


class EntryKind(StrEnum):
    GRANT = "grant"
    PURCHASE = "purchase"
    REVOKE = "revoke"
    HOLD = "hold"
    SETTLE = "settle"
    RELEASE = "release"


class HoldStatus(StrEnum):
    OPEN = "open"
    SETTLED = "settled"
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class Balance:
    granted: int
    spent: int
    held: int

    @property
    def available(self) -> int:
        return self.granted - self.spent - self.held


def balance_from_totals(totals: Mapping[str, int]) -> Balance:
    """A balance from the sum of amounts per entry kind (kinds absent from `totals` count 0)."""

    def total(kind: EntryKind) -> int:
        return int(totals.get(kind.value, 0))

    closed = total(EntryKind.SETTLE) + total(EntryKind.RELEASE)
    return Balance(
        granted=total(EntryKind.GRANT) + total(EntryKind.PURCHASE) - total(EntryKind.REVOKE),
        spent=total(EntryKind.SETTLE),
        held=total(EntryKind.HOLD) - closed,
    )
