"""Stripe objects as API version 2026-10-28 shapes them, built fresh (pure, for the local Stripe):
payment intents and charges, subscriptions (the period sits on the item), invoices (the plan under
`parent.subscription_details`, the price under `lines.data[].pricing.price_details`) and invoice
payments (which invoice a payment intent paid)."""

from __future__ import annotations

import time
from copy import deepcopy
from typing import Any

Obj = dict[str, Any]
MONTH = 30 * 24 * 3600


def charge(
    *, charge_id: str, intent_id: str, amount: int, currency: str, customer: str | None, metadata: Obj
) -> Obj:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "currency": currency,
        "customer": customer,
        "payment_intent": intent_id,
        "paid": True,
        "refunded": False,
        "status": "succeeded",
        "created": int(time.time()),
        "metadata": metadata,
        "livemode": False,
    }


def intent(
    *, charge_id: str, intent_id: str, amount: int, currency: str, customer: str | None, metadata: Obj
) -> Obj:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "currency": currency,
        "customer": customer,
        "latest_charge": charge_id,
        "status": "succeeded",
        "metadata": metadata,
        "created": int(time.time()),
        "livemode": False,
    }


def subscription(*, subscription_id: str, item_id: str, customer: str, price: Obj, metadata: Obj) -> Obj:
    now = int(time.time())
    return {
        "id": subscription_id,
        "object": "subscription",
        "customer": customer,
        "status": "active",
        "metadata": metadata,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "ended_at": None,
        "created": now,
        "start_date": now,
        "currency": price["currency"],
        "latest_invoice": None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": item_id,
                    "object": "subscription_item",
                    "price": deepcopy(price),
                    "quantity": 1,
                    "current_period_start": now,
                    "current_period_end": now + MONTH,
                }
            ],
        },
        "livemode": False,
    }


def invoice(*, invoice_id: str, line_id: str, subscription: Obj, reason: str) -> Obj:
    item = subscription["items"]["data"][0]
    price = item["price"]
    amount = int(price["unit_amount"])
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": subscription["customer"],
        "status": "paid",
        "billing_reason": reason,
        "amount_due": amount,
        "amount_paid": amount,
        "amount_remaining": 0,
        "currency": price["currency"],
        "created": int(time.time()),
        "period_start": item["current_period_start"],
        "period_end": item["current_period_end"],
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {
                "subscription": subscription["id"],
                "metadata": deepcopy(subscription["metadata"]),
            },
        },
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": line_id,
                    "object": "line_item",
                    "amount": amount,
                    "currency": price["currency"],
                    "period": {"start": item["current_period_start"], "end": item["current_period_end"]},
                    "pricing": {
                        "type": "price_details",
                        "price_details": {"price": price["id"], "product": price["product"]},
                    },
                }
            ],
        },
        "livemode": False,
    }


def invoice_payment(*, payment_id: str, invoice: Obj, intent_id: str) -> Obj:
    amount, currency = invoice["amount_paid"], invoice["currency"]
    return {
        "id": payment_id,
        "object": "invoice_payment",
        "invoice": invoice["id"],
        "amount_paid": amount,
        "amount_requested": amount,
        "currency": currency,
        "is_default": True,
        "status": "paid",
        "payment": {"type": "payment_intent", "payment_intent": intent_id},
        "created": int(time.time()),
        "livemode": False,
    }
