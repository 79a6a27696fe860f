"""A Stripe webhook delivery: verified by the SDK, then read into domain values.

Verification is `stripe.Webhook.construct_event` with a 300 s tolerance: a missing or malformed
Stripe-Signature header, a body changed by one byte, another endpoint's secret or a timestamp
older than five minutes (a replay) are all refused before anything is read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import stripe

from autocrea.domain.payments import EventRef, Purchase, Refund
from autocrea.domain.pricing import Catalog
from autocrea.errors import InvalidInput, SignatureRejected

TOLERANCE_SECONDS = 300


def verify(payload: bytes, header: str | None, secret: str) -> dict[str, Any]:
    """The event, as plain JSON, if and only if Stripe signed this very body with `secret`."""
    if not header:
        raise SignatureRejected("Missing Stripe-Signature header.", details={"header": "Stripe-Signature"})
    try:
        event = stripe.Webhook.construct_event(payload, header, secret, tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise SignatureRejected(
            f"The Stripe signature does not match this body: {exc.user_message or exc}",
            details={"header": "Stripe-Signature"},
        ) from exc
    except (ValueError, IndexError) as exc:  # not JSON, or a header without t= / v1=
        raise SignatureRejected(
            "The webhook body or its Stripe-Signature header is malformed.",
            details={"header": "Stripe-Signature"},
        ) from exc
    return cast(dict[str, Any], event.to_dict())


def event_ref(event: dict[str, Any]) -> EventRef:
    try:
        created = datetime.fromtimestamp(int(event["created"]), UTC)
        return EventRef(id=str(event["id"]), type=str(event["type"]), created=created)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput("A signed body that is not a Stripe event (id, type, created).") from exc


def data_object(event: dict[str, Any]) -> dict[str, Any]:
    return cast(dict[str, Any], (event.get("data") or {}).get("object") or {})


def _id(value: Any) -> str | None:
    """An expandable field: an id, or the expanded object's id."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _credits(metadata: dict[str, Any]) -> int:
    text = str(metadata.get("credits") or "")
    return int(text) if text.isdigit() else 0


def pack_purchase(session: dict[str, Any]) -> Purchase | None:
    """A paid pack's checkout session; None for a subscription's checkout (its invoice pays) or
    a session still waiting for an asynchronous payment."""
    metadata = session.get("metadata") or {}
    if session.get("mode") != "payment" or session.get("payment_status") != "paid":
        return None
    if metadata.get("kind") != "pack":
        return None
    return Purchase(
        source=str(session["id"]),
        kind="pack",
        item=str(metadata.get("item") or ""),
        credits=_credits(metadata),
        amount=int(session.get("amount_total") or 0),
        currency=str(session.get("currency") or ""),
        customer=_id(session.get("customer")),
        user_id=metadata.get("autocrea_user"),
        payment_intent=_id(session.get("payment_intent")),
    )


def plan_purchase(invoice: dict[str, Any], *, catalog: Catalog) -> Purchase | None:
    """A paid invoice of a plan: the month's credits. The plan is named by the metadata AUTOCREA
    put on the subscription (copied onto each invoice), else by the invoice line's price id."""
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    if not details:
        return None  # a one-off invoice, not a plan's
    metadata = details.get("metadata") or {}
    credits = _credits(metadata)
    item = str(metadata.get("item") or "")
    if not credits:
        lines = (invoice.get("lines") or {}).get("data") or []
        prices = [((line.get("pricing") or {}).get("price_details") or {}).get("price") for line in lines]
        plan = next((p for p in catalog.plans if p.price_id and p.price_id in prices), None)
        if plan is None:
            return None
        item, credits = plan.name, plan.credits
    return Purchase(
        source=str(invoice["id"]),
        kind="plan",
        item=item,
        credits=credits,
        amount=int(invoice.get("amount_paid") or 0),
        currency=str(invoice.get("currency") or ""),
        customer=_id(invoice.get("customer")),
        user_id=metadata.get("autocrea_user"),
        payment_intent=None,
    )


def subscription_id(invoice: dict[str, Any]) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription"))


def refund(charge: dict[str, Any], *, invoice: str | None = None) -> Refund:
    return Refund(
        payment_intent=_id(charge.get("payment_intent")),
        invoice=invoice,
        refunded=int(charge.get("amount_refunded") or 0),
        amount=int(charge.get("amount") or 0),
    )
