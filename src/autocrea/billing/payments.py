"""Payments applied to the credits ledger: purchases, plan state and refunds, once per event.

Every effect runs in one transaction that first inserts the event's id into `payment_events`
(ON CONFLICT DO NOTHING). A delivery repeated five times at once, or retried after the database
was down, finds the id taken (on PostgreSQL the later inserts wait for the first transaction and
then see its row) and changes nothing. A purchase is also unique by its source (checkout session or
invoice), so two different events about one payment grant once. Grants are ledger entries whose
reason names the event; a refund appends a "revoke" entry, never more than is available.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from autocrea.billing.credits import Sessions, balance_in, lock_account
from autocrea.domain.credits import EntryKind
from autocrea.domain.payments import EventRef, PlanState, Purchase, Refund, credits_refunded
from autocrea.storage.tables import (
    BillingCustomer,
    CreditEntry,
    Payment,
    PaymentEvent,
    Subscription,
    User,
    utcnow,
)


@dataclass(frozen=True)
class Outcome:
    """What an event did: `applied` False for a repeat (nothing changed)."""

    applied: bool
    note: str
    user_id: str | None = None


DUPLICATE = Outcome(applied=False, note="already handled")


async def _claim(session: AsyncSession, event: EventRef) -> bool:
    """Insert the event's row; False when another transaction already has (or had) it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(PaymentEvent)
        .values(id=event.id, type=event.type[:100], created=event.created, outcome="", received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _once(
    sessions: Sessions, event: EventRef, effect: Callable[[AsyncSession], Awaitable[Outcome]]
) -> Outcome:
    async with sessions() as session, session.begin():
        if not await _claim(session, event):
            return DUPLICATE
        outcome = await effect(session)
        row = await session.get(PaymentEvent, event.id)
        assert row is not None  # inserted above, in this transaction
        row.outcome = outcome.note[:200]
        row.user_id = outcome.user_id
        return outcome


async def _user_for(session: AsyncSession, *, user_id: str | None, customer: str | None) -> str | None:
    """The user a payment is for: the checkout's metadata, else the customer AUTOCREA made."""
    if user_id and await session.get(User, user_id) is not None:
        return user_id
    if customer:
        found = await session.scalar(
            select(BillingCustomer.user_id).where(BillingCustomer.customer_id == customer)
        )
        return str(found) if found else None
    return None


async def customer_of(sessions: Sessions, *, user_id: str) -> str | None:
    async with sessions() as session:
        found = await session.scalar(
            select(BillingCustomer.customer_id).where(BillingCustomer.user_id == user_id)
        )
    return str(found) if found else None


async def remember_customer(sessions: Sessions, *, user_id: str, customer_id: str) -> str:
    """Keep the user's Stripe customer; when two checkouts raced, the first one kept wins."""
    async with sessions() as session, session.begin():
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(BillingCustomer)
            .values(user_id=user_id, customer_id=customer_id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        kept = await session.scalar(
            select(BillingCustomer.customer_id).where(BillingCustomer.user_id == user_id)
        )
    return str(kept)


async def record(sessions: Sessions, *, event: EventRef, note: str) -> Outcome:
    """An event handled with nothing to change (e.g. a subscription's checkout: its invoice pays)."""

    async def nothing(_: AsyncSession) -> Outcome:
        return Outcome(applied=True, note=note)

    return await _once(sessions, event, nothing)


def _what(purchase: Purchase) -> str:
    if purchase.kind == "pack":
        return f"pack of {purchase.credits} credits"
    return f"plan {purchase.item}: {purchase.credits} credits for the month"


async def grant(sessions: Sessions, *, event: EventRef, purchase: Purchase) -> Outcome:
    """Add a purchase's credits, once per event and once per source."""

    async def effect(session: AsyncSession) -> Outcome:
        user_id = await _user_for(session, user_id=purchase.user_id, customer=purchase.customer)
        if user_id is None:
            return Outcome(applied=False, note=f"no AUTOCREA user for {purchase.source}")
        if purchase.credits <= 0:
            return Outcome(applied=False, note=f"{purchase.source} grants no credits", user_id=user_id)
        await lock_account(session, user_id)  # before the check: two events of one payment queue here
        if await session.get(Payment, purchase.source) is not None:
            return Outcome(applied=False, note=f"{purchase.source} was already granted", user_id=user_id)
        session.add(
            Payment(
                id=purchase.source,
                user_id=user_id,
                kind=purchase.kind,
                item=purchase.item[:100],
                credits=purchase.credits,
                amount=purchase.amount,
                currency=purchase.currency[:3].upper(),
                payment_intent=purchase.payment_intent,
                refunded=0,
                refunded_credits=0,
                event_id=event.id,
                created_at=utcnow(),
            )
        )
        session.add(
            CreditEntry(
                user_id=user_id,
                kind=EntryKind.PURCHASE.value,
                amount=purchase.credits,
                idempotency_key=f"{EntryKind.PURCHASE.value}:stripe:{purchase.source}"[:200],
                reason=f"{_what(purchase)} (Stripe {event.id})"[:200],
                created_at=utcnow(),
            )
        )
        return Outcome(applied=True, note=f"granted {purchase.credits} credits", user_id=user_id)

    return await _once(sessions, event, effect)


async def paid_by(sessions: Sessions, *, payment_intent: str) -> bool:
    """Whether credits were granted for this payment intent (a pack's; a plan's is found by invoice)."""
    async with sessions() as session:
        found = await session.scalar(select(Payment.id).where(Payment.payment_intent == payment_intent))
    return found is not None


async def _payment_for(session: AsyncSession, refund: Refund) -> Payment | None:
    if refund.payment_intent:
        found = await session.scalar(select(Payment).where(Payment.payment_intent == refund.payment_intent))
        if found is not None:
            return found
    return await session.get(Payment, refund.invoice) if refund.invoice else None


async def take_back(sessions: Sessions, *, event: EventRef, refund: Refund) -> Outcome:
    """Take back the credits a refund covers, as far as they are unspent: never below zero."""

    async def effect(session: AsyncSession) -> Outcome:
        payment = await _payment_for(session, refund)
        if payment is None:
            return Outcome(applied=False, note="no credits were granted for this charge")
        await lock_account(session, payment.user_id)
        await session.refresh(payment)  # as of the lock: another refund may have just moved it
        covered = credits_refunded(credits=payment.credits, amount=refund.amount, refunded=refund.refunded)
        due = covered - payment.refunded_credits
        if due <= 0:  # an older refund event, or one already accounted for
            return Outcome(applied=False, note="refund already accounted for", user_id=payment.user_id)
        available = (await balance_in(session, payment.user_id)).available
        taken = max(0, min(due, available))
        payment.refunded = max(payment.refunded, refund.refunded)
        payment.refunded_credits = covered
        if taken:
            spent = f"; {due - taken} already spent" if taken < due else ""
            session.add(
                CreditEntry(
                    user_id=payment.user_id,
                    kind=EntryKind.REVOKE.value,
                    amount=taken,
                    idempotency_key=f"{EntryKind.REVOKE.value}:stripe:{event.id}"[:200],
                    reason=f"refund of {payment.id}: {taken} credits taken back{spent} (Stripe {event.id})"[
                        :200
                    ],
                    created_at=utcnow(),
                )
            )
        return Outcome(applied=True, note=f"took back {taken} of {due} credits", user_id=payment.user_id)

    return await _once(sessions, event, effect)


async def plan_state(sessions: Sessions, *, event: EventRef, state: PlanState) -> Outcome:
    """Keep a subscription's state; a state read earlier than the one kept changes nothing."""

    async def effect(session: AsyncSession) -> Outcome:
        user_id = await _user_for(session, user_id=state.user_id, customer=state.customer)
        if user_id is None:
            return Outcome(applied=False, note=f"no AUTOCREA user for {state.id}")
        await lock_account(session, user_id)  # one writer per user: no race to insert the same plan
        row = await session.get(Subscription, state.id, populate_existing=True)
        if row is not None and row.synced_at > state.synced_at:
            return Outcome(applied=False, note="a newer state is kept", user_id=user_id)
        if row is None:
            row = Subscription(id=state.id, user_id=user_id, created_at=utcnow())
            session.add(row)
        row.plan = state.plan[:100]
        row.status = state.status[:32]
        row.current_period_end = state.current_period_end
        row.cancel_at_period_end = state.cancel_at_period_end
        row.synced_at = state.synced_at
        return Outcome(applied=True, note=f"plan {state.plan} is {state.status}", user_id=user_id)

    return await _once(sessions, event, effect)


async def subscriptions_of(sessions: Sessions, *, user_id: str) -> list[Subscription]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.created_at)
        )
        return list(rows)
