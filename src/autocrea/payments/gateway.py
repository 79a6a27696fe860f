"""Stripe API calls through the official SDK (`StripeClient`, async, over httpx).

`api_base` points the SDK at another Stripe, e.g. the local one in autocrea.testing.stripe_server.
Every Stripe failure becomes PaymentProviderError with Stripe's own words, never a traceback.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import stripe

from autocrea.domain.payments import PlanState
from autocrea.domain.pricing import Catalog, Pack, Plan
from autocrea.errors import PaymentProviderError

# Currencies Stripe counts in whole units (no cents): a price of 500 JPY is unit_amount 500.
ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
TIMEOUT_SECONDS = 20


def minor_units(price: int, currency: str) -> int:
    """A whole-unit price in the currency's smallest unit, as Stripe wants amounts."""
    return price if currency.upper() in ZERO_DECIMAL else price * 100


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) and value else None


def metadata_for(*, user_id: str, kind: str, item: Plan | Pack) -> dict[str, str]:
    """What AUTOCREA writes on a checkout (and its subscription or payment) so every later event
    names the user and what was bought, whatever the order events come in."""
    return {"autocrea_user": user_id, "kind": kind, "item": item.id, "credits": str(item.credits)}


def plan_state(subscription: dict[str, Any], *, catalog: Catalog, synced_at: datetime) -> PlanState:
    """A subscription object (API response or webhook payload) as the plan state billing keeps."""
    metadata = subscription.get("metadata") or {}
    items = (subscription.get("items") or {}).get("data") or []
    first = items[0] if items else {}
    price = (first.get("price") or {}).get("id")
    by_price = next((p for p in catalog.plans if price and p.price_id == price), None)
    plan = metadata.get("item") or (by_price.name if by_price else "") or str(price or "unknown")
    customer = subscription.get("customer")
    return PlanState(
        id=str(subscription["id"]),
        customer=customer if isinstance(customer, str) else None,
        user_id=metadata.get("autocrea_user"),
        plan=plan,
        status=str(subscription.get("status") or "unknown"),
        current_period_end=_timestamp(first.get("current_period_end")),
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
        synced_at=synced_at,
    )


class StripeGateway:
    def __init__(self, *, secret_key: str, api_base: str | None = None) -> None:
        bases = cast(Any, {"api": api_base.rstrip("/")} if api_base else None)
        self._http = stripe.HTTPXClient(timeout=TIMEOUT_SECONDS)
        self._client = stripe.StripeClient(
            secret_key, base_addresses=bases, http_client=self._http, max_network_retries=2
        )

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _call(self, what: str, request: Any) -> dict[str, Any]:
        try:
            found = await request
        except stripe.StripeError as exc:
            message = exc.user_message or str(exc) or type(exc).__name__
            raise PaymentProviderError(f"Stripe could not {what}: {message}") from exc
        return cast(dict[str, Any], found.to_dict())

    async def create_customer(self, *, email: str, user_id: str) -> str:
        params = {"email": email, "metadata": {"autocrea_user": user_id}}
        customer = await self._call(
            "create a customer", self._client.v1.customers.create_async(cast(Any, params))
        )
        return str(customer["id"])

    async def checkout(
        self,
        *,
        customer: str,
        user_id: str,
        item: Plan | Pack,
        currency: str,
        success_url: str,
        cancel_url: str,
    ) -> str:
        """A Checkout session for a plan (mode subscription) or a pack (mode payment); its URL."""
        kind = "plan" if isinstance(item, Plan) else "pack"
        metadata = metadata_for(user_id=user_id, kind=kind, item=item)
        line: dict[str, Any] = {"quantity": 1}
        if item.price_id:
            line["price"] = item.price_id
        else:  # no price id configured: describe the price inline (one Stripe makes per checkout)
            data: dict[str, Any] = {
                "currency": currency.lower(),
                "unit_amount": minor_units(item.price, currency),
                "product_data": {
                    "name": f"AUTOCREA {item.name}"
                    if isinstance(item, Plan)
                    else f"{item.credits} AUTOCREA credits"
                },
            }
            if isinstance(item, Plan):
                data["recurring"] = {"interval": "month"}
            line["price_data"] = data
        params: dict[str, Any] = {
            "mode": "subscription" if isinstance(item, Plan) else "payment",
            "customer": customer,
            "client_reference_id": user_id,
            "line_items": [line],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
        }
        if isinstance(item, Plan):
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        session = await self._call(
            "start a checkout", self._client.v1.checkout.sessions.create_async(cast(Any, params))
        )
        return str(session["url"])

    async def portal(self, *, customer: str, return_url: str) -> str:
        params = {"customer": customer, "return_url": return_url}
        session = await self._call(
            "open the customer portal",
            self._client.v1.billing_portal.sessions.create_async(cast(Any, params)),
        )
        return str(session["url"])

    async def subscription(self, subscription_id: str) -> dict[str, Any] | None:
        """The subscription as Stripe has it now (events may arrive late or out of order); None when
        Stripe has no such subscription."""
        try:
            found = await self._client.v1.subscriptions.retrieve_async(subscription_id)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return None
            raise PaymentProviderError(
                f"Stripe could not read a subscription: {exc.user_message or exc}"
            ) from exc
        except stripe.StripeError as exc:
            raise PaymentProviderError(
                f"Stripe could not read a subscription: {exc.user_message or exc}"
            ) from exc
        return found.to_dict()

    async def invoice_paid_by(self, payment_intent: str) -> str | None:
        """The invoice a payment intent paid (a plan's), or None (a pack's payment has none)."""
        params = {"payment": {"type": "payment_intent", "payment_intent": payment_intent}, "limit": 1}
        found = await self._call(
            "find an invoice payment", self._client.v1.invoice_payments.list_async(cast(Any, params))
        )
        data = found.get("data") or []
        invoice = data[0].get("invoice") if data else None
        return invoice if isinstance(invoice, str) else None
