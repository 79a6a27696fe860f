"""The local Stripe's objects and the events their changes emit, shaped as Stripe's API version
2026-10-28 has them (the one the pinned SDK speaks): customers, prices, Checkout sessions, payment
intents, charges, refunds, subscriptions, invoices and invoice payments (their shapes in
stripe_shapes.py). Paying, renewing, updating and refunding change them and emit the events Stripe
would, in Stripe's usual order.

All state sits behind one lock: requests arrive on the server's thread, tests call from theirs.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from copy import deepcopy

from autocrea.testing import stripe_shapes as shapes
from autocrea.testing.stripe_shapes import Obj

API_VERSION = "2026-10-28.endive"


class StripeFailure(Exception):
    """Answered as Stripe's error shape: {"error": {"type", "code", "message", "param"}}."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param

    def body(self) -> Obj:
        kind = "invalid_request_error" if self.status < 500 else "api_error"
        return {"error": {"type": kind, "code": self.code, "message": self.message, "param": self.param}}


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def missing(kind: str, object_id: str, param: str | None = None) -> StripeFailure:
    return StripeFailure(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


class StripeObjects:
    def __init__(self, emit: Callable[[Obj], None]) -> None:
        self._emit = emit
        self.lock = threading.RLock()
        self.customers: dict[str, Obj] = {}
        self.prices: dict[str, Obj] = {}
        self.sessions: dict[str, Obj] = {}
        self.payment_intents: dict[str, Obj] = {}
        self.charges: dict[str, Obj] = {}
        self.refunds: dict[str, Obj] = {}
        self.subscriptions: dict[str, Obj] = {}
        self.invoices: dict[str, Obj] = {}
        self.invoice_payments: dict[str, Obj] = {}
        self.events: list[Obj] = []

    # -- events ------------------------------------------------------------------------------------
    def event(self, type_: str, obj: Obj, previous: Obj | None = None) -> Obj:
        data: Obj = {"object": deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self.events.append(event)
        self._emit(event)
        return event

    # -- plain objects ------------------------------------------------------------------------------
    def customer(self, params: Obj) -> Obj:
        with self.lock:
            customer_id = new_id("cus")
            found: Obj = {
                "id": customer_id,
                "object": "customer",
                "created": int(time.time()),
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": dict(params.get("metadata") or {}),
                "livemode": False,
            }
            self.customers[customer_id] = found
            return found

    def add_price(self, price_id: str, *, unit_amount: int, currency: str, monthly: bool) -> Obj:
        with self.lock:
            price = {
                "id": price_id,
                "object": "price",
                "active": True,
                "currency": currency.lower(),
                "unit_amount": unit_amount,
                "product": new_id("prod"),
                "recurring": {"interval": "month", "interval_count": 1} if monthly else None,
                "type": "recurring" if monthly else "one_time",
            }
            self.prices[price_id] = price
            return price

    def _price_of(self, line: Obj) -> Obj:
        if line.get("price"):
            price = self.prices.get(str(line.get("price")))
            if price is None:
                raise missing("price", str(line["price"]), "line_items[0][price]")
            return price
        data = line.get("price_data")
        if not isinstance(data, dict) or "unit_amount" not in data or "currency" not in data:
            raise StripeFailure(400, "Each line item needs a price or price_data.", param="line_items[0]")
        recurring = data.get("recurring") or None
        return self.add_price(
            new_id("price"),
            unit_amount=int(data["unit_amount"]),
            currency=str(data["currency"]),
            monthly=bool(recurring),
        )

    # -- Checkout -----------------------------------------------------------------------------------
    def checkout(self, params: Obj, *, pay_url: Callable[[str], str]) -> Obj:
        with self.lock:
            mode = params.get("mode")
            if mode not in ("payment", "subscription"):
                raise StripeFailure(
                    400, "Invalid mode: must be one of payment, setup, or subscription", param="mode"
                )
            for url in ("success_url", "cancel_url"):
                if not str(params.get(url) or "").startswith(("http://", "https://")):
                    raise StripeFailure(400, f"Not a valid URL: {url}", param=url)
            lines = params.get("line_items") or []
            # A payment may buy several things (a shop's cart); a subscription is one plan.
            if not lines or (mode == "subscription" and len(lines) != 1):
                raise StripeFailure(
                    400, "The local Stripe sells one plan per subscription session.", param="line_items"
                )
            customer = params.get("customer")
            if customer and customer not in self.customers:
                raise missing("customer", str(customer), "customer")
            prices = [self._price_of(line) for line in lines]
            price = prices[0]
            for index, each in enumerate(prices):
                if (mode == "subscription") != bool(each.get("recurring")):
                    raise StripeFailure(
                        400, f"The price {each['id']} does not fit mode {mode}.", param=f"line_items[{index}]"
                    )
                if each["currency"] != price["currency"]:
                    raise StripeFailure(
                        400, "Every line item must be in one currency.", param=f"line_items[{index}]"
                    )
            total = sum(
                int(each["unit_amount"]) * int(line.get("quantity") or 1)
                for each, line in zip(prices, lines, strict=True)
            )
            session_id = new_id("cs")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": mode,
                "status": "open",
                "payment_status": "unpaid",
                "url": pay_url(session_id),
                "success_url": params["success_url"],
                "cancel_url": params["cancel_url"],
                "customer": customer,
                "client_reference_id": params.get("client_reference_id"),
                "metadata": dict(params.get("metadata") or {}),
                "amount_total": total,
                "currency": price["currency"],
                "payment_intent": None,
                "subscription": None,
                "invoice": None,
                "created": int(time.time()),
                "expires_at": int(time.time()) + 24 * 3600,
                "livemode": False,
                "_price": price["id"],
                "_subscription_data": dict(params.get("subscription_data") or {}),
                "_payment_intent_data": dict(params.get("payment_intent_data") or {}),
            }
            self.sessions[session_id] = session
            return session

    def _charge(self, *, amount: int, currency: str, customer: str | None, metadata: Obj) -> tuple[Obj, Obj]:
        intent_id, charge_id = new_id("pi"), new_id("ch")
        charge = shapes.charge(
            charge_id=charge_id,
            intent_id=intent_id,
            amount=amount,
            currency=currency,
            customer=customer,
            metadata=metadata,
        )
        intent = shapes.intent(
            charge_id=charge_id,
            intent_id=intent_id,
            amount=amount,
            currency=currency,
            customer=customer,
            metadata=metadata,
        )
        self.charges[charge["id"]], self.payment_intents[intent["id"]] = charge, intent
        self.event("charge.succeeded", charge)
        self.event("payment_intent.succeeded", intent)
        return intent, charge

    def complete(self, session_id: str) -> Obj:
        """The buyer paid: a pack's payment, or a plan's subscription and first invoice."""
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                raise missing("checkout.session", session_id)
            if session["status"] != "open":
                raise StripeFailure(400, f"This Checkout session is {session['status']}.")
            customer = session["customer"]
            if customer is None:
                customer = self.customer({"email": None})["id"]
                session["customer"] = customer
            if session["mode"] == "payment":
                metadata = dict(session["_payment_intent_data"].get("metadata") or {})
                intent, _ = self._charge(
                    amount=session["amount_total"],
                    currency=session["currency"],
                    customer=customer,
                    metadata=metadata,
                )
                session["payment_intent"] = intent["id"]
            else:
                subscription = self._subscribe(session, customer)
                session["subscription"] = subscription["id"]
                session["invoice"] = subscription["latest_invoice"]
            session["status"], session["payment_status"] = "complete", "paid"
            self.event("checkout.session.completed", self.public(session))
            return session

    # -- subscriptions ------------------------------------------------------------------------------

    # -- subscriptions ------------------------------------------------------------------------------
    def _subscribe(self, session: Obj, customer: str) -> Obj:
        subscription = shapes.subscription(
            subscription_id=new_id("sub"),
            item_id=new_id("si"),
            customer=customer,
            price=deepcopy(self.prices[session["_price"]]),
            metadata=dict(session["_subscription_data"].get("metadata") or {}),
        )
        self.subscriptions[subscription["id"]] = subscription
        self.event("customer.subscription.created", subscription)
        self._invoice(subscription, reason="subscription_create")
        return subscription

    def _invoice(self, subscription: Obj, *, reason: str) -> Obj:
        invoice = shapes.invoice(
            invoice_id=new_id("in"), line_id=new_id("il"), subscription=subscription, reason=reason
        )
        intent, _ = self._charge(
            amount=invoice["amount_paid"],
            currency=invoice["currency"],
            customer=invoice["customer"],
            metadata={},
        )
        payment = shapes.invoice_payment(payment_id=new_id("inpay"), invoice=invoice, intent_id=intent["id"])
        self.invoices[invoice["id"]], self.invoice_payments[payment["id"]] = invoice, payment
        subscription["latest_invoice"] = invoice["id"]
        self.event("invoice.paid", invoice)
        self.event("invoice.payment_succeeded", invoice)
        return invoice

    def renew(self, subscription_id: str) -> Obj:
        """A month passed: the next period, its invoice paid."""
        with self.lock:
            subscription = self.subscription(subscription_id)
            if subscription["status"] not in ("active", "trialing", "past_due"):
                raise StripeFailure(400, f"A {subscription['status']} subscription does not renew.")
            item = subscription["items"]["data"][0]
            previous = {
                "items": deepcopy(subscription["items"]),
                "latest_invoice": subscription["latest_invoice"],
            }
            item["current_period_start"] = item["current_period_end"]
            item["current_period_end"] = item["current_period_end"] + shapes.MONTH
            invoice = self._invoice(subscription, reason="subscription_cycle")
            self.event("customer.subscription.updated", subscription, previous)
            return invoice

    def update(self, subscription_id: str, changes: Obj) -> Obj:
        with self.lock:
            subscription = self.subscription(subscription_id)
            previous = {key: subscription.get(key) for key in changes}
            subscription.update(changes)
            if subscription["status"] == "canceled":
                subscription["canceled_at"] = subscription["ended_at"] = int(time.time())
                self.event("customer.subscription.deleted", subscription, previous)
            else:
                self.event("customer.subscription.updated", subscription, previous)
            return subscription

    def subscription(self, subscription_id: str) -> Obj:
        found = self.subscriptions.get(subscription_id)
        if found is None:
            raise missing("subscription", subscription_id)
        return found

    # -- refunds ------------------------------------------------------------------------------------
    def refund(self, params: Obj) -> Obj:
        with self.lock:
            charge_id = params.get("charge")
            if not charge_id and params.get("payment_intent"):
                intent = self.payment_intents.get(str(params["payment_intent"]))
                if intent is None:
                    raise missing("payment_intent", str(params["payment_intent"]), "payment_intent")
                charge_id = intent["latest_charge"]
            charge = self.charges.get(str(charge_id))
            if charge is None:
                raise missing("charge", str(charge_id), "charge")
            left = charge["amount"] - charge["amount_refunded"]
            amount = int(params.get("amount") or left)
            if amount <= 0 or amount > left:
                raise StripeFailure(
                    400,
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                    code="amount_too_large",
                    param="amount",
                )
            refund = {
                "id": new_id("re"),
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "currency": charge["currency"],
                "status": "succeeded",
                "created": int(time.time()),
                "metadata": dict(params.get("metadata") or {}),
            }
            self.refunds[refund["id"]] = refund
            previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            self.event("refund.created", refund)
            self.event("charge.refunded", charge, previous)
            return refund

    def invoice_payments_for(self, intent_id: str | None, invoice_id: str | None) -> list[Obj]:
        with self.lock:
            return [
                p
                for p in self.invoice_payments.values()
                if (intent_id is None or p["payment"].get("payment_intent") == intent_id)
                and (invoice_id is None or p["invoice"] == invoice_id)
            ]

    @staticmethod
    def public(obj: Obj) -> Obj:
        """The object as the API shows it: without the local Stripe's own bookkeeping (`_…`)."""
        return {key: deepcopy(value) for key, value in obj.items() if not key.startswith("_")}
