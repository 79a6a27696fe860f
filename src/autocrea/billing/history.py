"""A user's credits in words: the ledger's entries as the lines of the billing page.

The ledger is append-only and exact (hold, then settle and/or release); people think in events (a
pack bought, an app built, a failed run refunded). `lines` turns one into the other: each run's
hold and its closing entries become one line naming the project; grants, purchases and take-backs
are one line each. Every line carries the signed change of the available credits, so the page's
lines add up to what the ledger says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from autocrea.billing.credits import TRIAL_KEY
from autocrea.domain.credits import EntryKind
from autocrea.storage.runs import Sessions
from autocrea.storage.tables import CreditEntry, Payment, Project, Run

_ADMIN = re.compile(r"\s*\(admin [^)]*\)$")  # the admin's address stays in the ledger, off the page


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    amount: int
    hold_id: str | None
    idempotency_key: str | None
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class RunFacts:
    kind: str  # generation | change | verify
    project: str
    status: str


@dataclass(frozen=True)
class Sale:
    kind: str  # pack | plan
    item: str
    credits: int


@dataclass(frozen=True)
class Line:
    when: datetime
    change: int  # signed change of the available credits
    what: str  # trial | grant | admin_grant | pack | plan | purchase | refund | admin_take | run
    params: Mapping[str, str | int] = field(default_factory=dict)


def _key_tail(entry: Entry, prefix: str) -> str | None:
    key = entry.idempotency_key or ""
    return key[len(prefix) :] if key.startswith(prefix) else None


def _single(entry: Entry, sales: Mapping[str, Sale]) -> Line:
    reason = _ADMIN.sub("", entry.reason).strip()
    admin = _ADMIN.search(entry.reason) is not None
    if entry.kind == EntryKind.GRANT:
        if entry.idempotency_key == f"{EntryKind.GRANT.value}:{TRIAL_KEY}":
            return Line(entry.created_at, entry.amount, "trial", {"credits": entry.amount})
        what = "admin_grant" if admin else "grant"
        return Line(entry.created_at, entry.amount, what, {"credits": entry.amount, "reason": reason})
    if entry.kind == EntryKind.PURCHASE:
        source = _key_tail(entry, f"{EntryKind.PURCHASE.value}:stripe:")
        sale = sales.get(source) if source else None
        if sale is not None and sale.kind == "plan":
            return Line(entry.created_at, entry.amount, "plan", {"credits": entry.amount, "plan": sale.item})
        what = "pack" if sale is not None else "purchase"
        return Line(entry.created_at, entry.amount, what, {"credits": entry.amount, "reason": reason})
    # A take-back: a Stripe refund's share of unspent credits, or an administrator's.
    what = "refund" if _key_tail(entry, f"{EntryKind.REVOKE.value}:stripe:") else "admin_take"
    return Line(entry.created_at, -entry.amount, what, {"credits": entry.amount, "reason": reason})


def _run_line(entries: Sequence[Entry], run: RunFacts | None) -> Line:
    amounts = {e.kind: e.amount for e in entries}
    held = amounts.get(EntryKind.HOLD, 0)
    spent = amounts.get(EntryKind.SETTLE, 0)
    returned = amounts.get(EntryKind.RELEASE, 0)
    closed = EntryKind.SETTLE in amounts or EntryKind.RELEASE in amounts
    if not closed:
        state = "open"
    elif spent and returned:
        state = "partial"
    elif spent:
        state = "spent"
    else:
        state = "returned"
    params: dict[str, str | int] = {
        "held": held,
        "spent": spent,
        "returned": returned,
        "state": state,
        "kind": run.kind if run is not None else "generation",
        "project": run.project if run is not None else "",
    }
    # The balance's change: what the hold took, less what came back (an open hold is held, not spent).
    return Line(max(e.created_at for e in entries), -(held - returned), "run", params)


def lines(entries: Sequence[Entry], runs: Mapping[str, RunFacts], sales: Mapping[str, Sale]) -> list[Line]:
    """The history, newest first. `runs` by hold id; `sales` (Stripe payments) by source id."""
    by_hold: dict[str, list[Entry]] = {}
    out: list[Line] = []
    for entry in entries:
        if entry.hold_id is not None and entry.kind in (EntryKind.HOLD, EntryKind.SETTLE, EntryKind.RELEASE):
            by_hold.setdefault(entry.hold_id, []).append(entry)
        else:
            out.append(_single(entry, sales))
    # A hold whose placing fell outside the window read is left out rather than told in part.
    out.extend(
        _run_line(group, runs.get(hold))
        for hold, group in by_hold.items()
        if any(e.kind == EntryKind.HOLD for e in group)
    )
    return sorted(out, key=lambda line: line.when, reverse=True)


async def history(sessions: Sessions, *, user_id: str, limit: int = 60) -> list[Line]:
    """The user's latest `limit` events of their credits, in words (a run counts once)."""
    async with sessions() as session:
        # Newest holds and other entries first; a hold's closing entries come with it.
        rows = list(
            await session.scalars(
                select(CreditEntry)
                .where(CreditEntry.user_id == user_id)
                .order_by(CreditEntry.id.desc())
                .limit(limit * 3)
            )
        )
        holds = {r.hold_id for r in rows if r.hold_id is not None}
        runs: dict[str, RunFacts] = {}
        if holds:
            found = await session.execute(
                select(Run.hold_id, Run.kind, Run.status, Project.name)
                .join(Project, Project.id == Run.project_id)
                .where(Run.user_id == user_id, Run.hold_id.in_(holds))
            )
            runs = {str(hold): RunFacts(kind, name, status) for hold, kind, status, name in found}
        sales = {
            p.id: Sale(p.kind, p.item, p.credits)
            for p in await session.scalars(select(Payment).where(Payment.user_id == user_id))
        }
    entries = [
        Entry(r.id, r.kind, r.amount, r.hold_id, r.idempotency_key, r.reason, r.created_at) for r in rows
    ]
    return lines(entries, runs, sales)[:limit]
