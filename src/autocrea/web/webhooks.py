"""A verified Stripe event turned into its effect on credits: which events count and how each is
read. Out-of-order deliveries are safe by construction: a subscription is re-read from Stripe
(its state now, not the event's snapshot), a refund carries the charge's cumulative amount, and a
plan's credits come with its invoice, whether or not the subscription was seen yet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from autocrea.billing import payments as ledger
from autocrea.billing.credits import Sessions
from autocrea.domain.payments import EventRef
from autocrea.domain.pricing import Catalog
from autocrea.payments import webhook
from autocrea.payments.gateway import StripeGateway, plan_state

CHECKOUT = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
SUBSCRIPTION = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
HANDLED = (*CHECKOUT, "invoice.paid", *SUBSCRIPTION, "charge.refunded")


async def handle(
    event: dict[str, Any], *, sessions: Sessions, gateway: StripeGateway, catalog: Catalog
) -> ledger.Outcome | None:
    """Apply one verified event; None for a type AUTOCREA does not act on."""
    ref = webhook.event_ref(event)
    obj = webhook.data_object(event)
    if ref.type in CHECKOUT:
        purchase = webhook.pack_purchase(obj)
        if purchase is None:
            return await ledger.record(sessions, event=ref, note="checkout with nothing to grant here")
        return await ledger.grant(sessions, event=ref, purchase=purchase)
    if ref.type == "invoice.paid":
        purchase = webhook.plan_purchase(obj, catalog=catalog)
        if purchase is None:
            return await ledger.record(sessions, event=ref, note="not an invoice of a known plan")
        return await ledger.grant(sessions, event=ref, purchase=purchase)
    if ref.type in SUBSCRIPTION:
        return await _subscription(ref, obj, sessions=sessions, gateway=gateway, catalog=catalog)
    if ref.type == "charge.refunded":
        invoice = None
        intent = obj.get("payment_intent")
        if isinstance(intent, str) and not await ledger.paid_by(sessions, payment_intent=intent):
            invoice = await gateway.invoice_paid_by(intent)  # a plan's charge: find its invoice
        return await ledger.take_back(sessions, event=ref, refund=webhook.refund(obj, invoice=invoice))
    return None


async def _subscription(
    ref: EventRef, obj: dict[str, Any], *, sessions: Sessions, gateway: StripeGateway, catalog: Catalog
) -> ledger.Outcome:
    now = await gateway.subscription(str(obj["id"]))  # Stripe down: 502, and Stripe retries
    synced = datetime.now(UTC)
    if now is None:
        # Stripe keeps deleted subscriptions readable; one it has not at all leaves the event's own
        # snapshot, as of the event (any later read wins over it).
        now, synced = obj, ref.created
    return await ledger.plan_state(
        sessions, event=ref, state=plan_state(now, catalog=catalog, synced_at=synced)
    )
