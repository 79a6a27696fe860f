"""Does an account's ledger add up? (pure)

The balance is always derived from the ledger, so what can go wrong is the ledger disagreeing with
itself or with the holds table: a hold closed without its entries, entries for a hold that is still
open, more spent than was ever granted. For each account: the credits held by the ledger (hold
entries less their settle and release entries) must equal the open holds' amounts, each closed
hold's settle and release entries must add up to its amount, and no figure may be negative.
"""

from __future__ import annotations

from dataclasses import dataclass

from autocrea.domain.credits import Balance


@dataclass(frozen=True)
class AccountFigures:
    user_id: str
    balance: Balance  # from the ledger
    open_holds: int  # sum of the amounts of holds whose status is open
    bad_holds: int  # holds whose entries do not match their status and amount


@dataclass(frozen=True)
class Mismatch:
    user_id: str
    problems: tuple[str, ...]


def check(figures: AccountFigures) -> Mismatch | None:
    b = figures.balance
    problems = []
    if b.held != figures.open_holds:
        problems.append(f"the ledger holds {b.held} credits but open holds add up to {figures.open_holds}")
    if figures.bad_holds:
        problems.append(f"{figures.bad_holds} hold(s) whose entries do not match their status")
    if b.available < 0:
        problems.append(f"available is {b.available}: more spent or held than granted")
    if b.granted < 0 or b.spent < 0:
        problems.append(f"granted {b.granted} and spent {b.spent} must not be negative")
    return Mismatch(figures.user_id, tuple(problems)) if problems else None
