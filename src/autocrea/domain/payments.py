"""What a payment provider's events mean for credits, as plain values (pure).

The Stripe adapter (autocrea.payments) turns verified webhook events into these; the billing
service applies them to the ledger. Nothing here knows Stripe's wire format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from autocrea.domain.pricing import ItemKind


@dataclass(frozen=True)
class EventRef:
    """The event an effect comes from: its id makes a repeated delivery a no-op."""

    id: str
    type: str
    created: datetime


@dataclass(frozen=True)
class Purchase:
    """A payment that grants credits: a pack's checkout session, or a plan's paid invoice."""

    source: str  # the checkout session or invoice id: one grant per source, whatever the event
    kind: ItemKind
    item: str  # the pack's credits or the plan's name
    credits: int
    amount: int  # money, in the currency's smallest unit
    currency: str
    customer: str | None
    user_id: str | None  # from the metadata AUTOCREA put on the checkout, when present
    payment_intent: str | None


@dataclass(frozen=True)
class PlanState:
    """A subscription as read from the provider at `synced_at`."""

    id: str
    customer: str | None
    user_id: str | None
    plan: str
    status: str  # Stripe's: active, trialing, past_due, canceled, unpaid, incomplete, …
    current_period_end: datetime | None
    cancel_at_period_end: bool
    synced_at: datetime


@dataclass(frozen=True)
class Refund:
    """A charge's refunds so far: `refunded` is cumulative, so events in any order converge."""

    payment_intent: str | None
    invoice: str | None  # the plan invoice the charge paid, when known
    refunded: int  # money refunded on the charge so far
    amount: int  # the charge's amount


def credits_refunded(*, credits: int, amount: int, refunded: int) -> int:
    """Credits a refund of `refunded` out of `amount` covers: all of them for a full refund, else the
    same share, rounded down (the buyer keeps the benefit of the rounding)."""
    if amount <= 0 or refunded <= 0:
        return 0
    if refunded >= amount:
        return credits
    return credits * refunded // amount
