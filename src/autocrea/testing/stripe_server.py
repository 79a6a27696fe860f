"""A local Stripe that the official `stripe` SDK talks to over HTTP, for tests and demos.

    with FakeStripe(webhook_url=autocrea + "/api/billing/webhook") as fake:
        settings = Settings(stripe_secret_key=fake.api_key, stripe_webhook_secret=fake.webhook_secret,
                            stripe_api_base=fake.url)

It speaks the API's wire format (form-encoded bodies with bracketed keys, Bearer keys, JSON answers,
errors as {"error": {...}}) for what AUTOCREA uses: customers, Checkout sessions, Customer Portal
sessions, subscriptions (read, update, cancel), refunds, invoice payments. A session's `url` is a
small page with Pay and Cancel buttons that sends the buyer on to the success or cancel URL; paying
makes the payment (or the subscription and its first invoice) and sends the events, signed as
Stripe signs them (stripe_webhooks.py), with retries, duplicates and any order on request.

Test controls, as methods and as HTTP: renew a subscription (`POST /_fake/subscriptions/{id}/renew`),
pay a session without a browser (`POST /_fake/sessions/{id}/pay`).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from autocrea.testing.stripe_objects import StripeFailure, StripeObjects, missing, new_id
from autocrea.testing.stripe_shapes import Obj
from autocrea.testing.stripe_webhooks import Deliverer, signature
from autocrea.testing.threaded import ThreadedServer

__all__ = ["FakeStripe", "signature"]
_HEAD = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
    "<title>{title}</title></head>"
)
_BODY = '<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">'
_KEY_PART = re.compile(r"[^\[\]]+")


def nest(pairs: list[tuple[str, str]]) -> Obj:
    """Stripe's form encoding back into objects: `line_items[0][price]=p` becomes
    {"line_items": [{"price": "p"}]}."""
    root: Obj = {}
    for key, value in pairs:
        parts = _KEY_PART.findall(key)
        if not parts:
            continue
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)  # type: ignore[no-any-return]


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    values = {key: _lists(value) for key, value in node.items()}
    if values and all(key.isdigit() for key in values):
        return [values[key] for key in sorted(values, key=int)]
    return values


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


class FakeStripe(ThreadedServer):
    thread_name = "fake-stripe"

    def __init__(
        self,
        *,
        api_key: str = "sk_test_local",
        webhook_secret: str | None = None,
        webhook_url: str | None = None,
    ) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret or f"whsec_{secrets.token_hex(24)}"
        self.webhooks = Deliverer(url=webhook_url, secret=self.webhook_secret)
        self.objects = StripeObjects(self.webhooks.send)
        self.portals: dict[str, Obj] = {}
        self.app = Starlette(routes=self._routes())
        super().__init__()

    def asgi_app(self) -> Starlette:
        return self.app

    # -- what tests call ----------------------------------------------------------------------------
    @property
    def events(self) -> list[Obj]:
        return self.objects.events

    def add_price(
        self, price_id: str, *, unit_amount: int, currency: str = "eur", monthly: bool = False
    ) -> Obj:
        return self.objects.add_price(price_id, unit_amount=unit_amount, currency=currency, monthly=monthly)

    def pay(self, session_id: str) -> Obj:
        return self.objects.complete(session_id)

    def renew(self, subscription_id: str) -> Obj:
        return self.objects.renew(subscription_id)

    def update_subscription(self, subscription_id: str, **changes: Any) -> Obj:
        return self.objects.update(subscription_id, changes)

    def refund(self, *, payment_intent: str, amount: int | None = None) -> Obj:
        return self.objects.refund({"payment_intent": payment_intent, "amount": amount})

    def signed(
        self, event: Obj, *, secret: str | None = None, timestamp: int | None = None
    ) -> tuple[bytes, str]:
        """An event's body and the Stripe-Signature header for it (to deliver by hand)."""
        payload = json.dumps(event)
        return payload.encode(), signature(payload, secret or self.webhook_secret, timestamp=timestamp)

    # -- HTTP ---------------------------------------------------------------------------------------
    def _routes(self) -> list[Route]:
        api = self._api
        return [
            Route("/v1/customers", api(self._create_customer), methods=["POST"]),
            Route("/v1/customers/{id}", api(self._get("customers", "customer")), methods=["GET"]),
            Route("/v1/checkout/sessions", api(self._create_session), methods=["POST"]),
            Route(
                "/v1/checkout/sessions/{id}", api(self._get("sessions", "checkout.session")), methods=["GET"]
            ),
            Route("/v1/billing_portal/sessions", api(self._create_portal), methods=["POST"]),
            Route("/v1/subscriptions/{id}", api(self._get("subscriptions", "subscription")), methods=["GET"]),
            Route("/v1/subscriptions/{id}", api(self._update_subscription), methods=["POST"]),
            Route("/v1/subscriptions/{id}", api(self._cancel_subscription), methods=["DELETE"]),
            Route("/v1/invoices/{id}", api(self._get("invoices", "invoice")), methods=["GET"]),
            Route("/v1/charges/{id}", api(self._get("charges", "charge")), methods=["GET"]),
            Route(
                "/v1/payment_intents/{id}",
                api(self._get("payment_intents", "payment_intent")),
                methods=["GET"],
            ),
            Route("/v1/refunds", api(self._create_refund), methods=["POST"]),
            Route("/v1/invoice_payments", api(self._list_invoice_payments), methods=["GET"]),
            Route("/pay/{id}", self._pay_page, methods=["GET"]),
            Route("/pay/{id}/{action}", self._pay_action, methods=["POST"]),
            Route("/portal/{id}", self._portal_page, methods=["GET"]),
            Route("/portal/{id}/cancel", self._portal_cancel, methods=["POST"]),
            Route(
                "/_fake/sessions/{id}/pay",
                api(lambda r, p: self.pay(r.path_params["id"]), key=False),
                methods=["POST"],
            ),
            Route(
                "/_fake/subscriptions/{id}/renew",
                api(lambda r, p: self.renew(r.path_params["id"]), key=False),
                methods=["POST"],
            ),
        ]

    def _api(self, handler: Any, *, key: bool = True) -> Any:
        async def endpoint(request: Request) -> Response:
            if key and request.headers.get("authorization") != f"Bearer {self.api_key}":
                shown = request.headers.get("authorization", "").removeprefix("Bearer ")[:8]
                message = (
                    f"Invalid API Key provided: {shown}***" if shown else "You did not provide an API key."
                )
                return JSONResponse(StripeFailure(401, message).body(), status_code=401)
            pairs = list(request.query_params.multi_items())
            if request.method == "POST":
                pairs += [(k, str(v)) for k, v in (await request.form()).multi_items()]
            try:
                found = handler(request, nest(pairs))
            except StripeFailure as failure:
                return JSONResponse(failure.body(), status_code=failure.status)
            return JSONResponse(StripeObjects.public(found), headers={"request-id": new_id("req")})

        return endpoint

    def _get(self, store: str, kind: str) -> Any:
        def read(request: Request, _: Obj) -> Obj:
            found: Obj | None = getattr(self.objects, store).get(request.path_params["id"])
            if found is None:
                raise missing(kind, request.path_params["id"], "id")
            return found

        return read

    def _create_customer(self, _: Request, params: Obj) -> Obj:
        return self.objects.customer(params)

    def _create_session(self, _: Request, params: Obj) -> Obj:
        return self.objects.checkout(params, pay_url=lambda session_id: f"{self.url}/pay/{session_id}")

    def _create_portal(self, _: Request, params: Obj) -> Obj:
        customer = str(params.get("customer") or "")
        if customer not in self.objects.customers:
            raise missing("customer", customer, "customer")
        portal_id = new_id("bps")
        portal = {
            "id": portal_id,
            "object": "billing_portal.session",
            "customer": customer,
            "return_url": params.get("return_url"),
            "url": f"{self.url}/portal/{portal_id}",
            "created": int(time.time()),
            "livemode": False,
        }
        self.portals[portal_id] = portal
        return portal

    def _update_subscription(self, request: Request, params: Obj) -> Obj:
        changes: Obj = {}
        if "cancel_at_period_end" in params:
            changes["cancel_at_period_end"] = _flag(params["cancel_at_period_end"])
        if isinstance(params.get("metadata"), dict):
            changes["metadata"] = params["metadata"]
        return self.objects.update(request.path_params["id"], changes)

    def _cancel_subscription(self, request: Request, _: Obj) -> Obj:
        return self.objects.update(request.path_params["id"], {"status": "canceled"})

    def _create_refund(self, _: Request, params: Obj) -> Obj:
        return self.objects.refund(params)

    def _list_invoice_payments(self, _: Request, params: Obj) -> Obj:
        payment = params.get("payment") or {}
        data = self.objects.invoice_payments_for(payment.get("payment_intent"), params.get("invoice"))
        return {"object": "list", "url": "/v1/invoice_payments", "has_more": False, "data": data}

    # -- pages --------------------------------------------------------------------------------------
    async def _pay_page(self, request: Request) -> Response:
        session = self.objects.sessions.get(request.path_params["id"])
        if session is None:
            return HTMLResponse("<h1>No such checkout session</h1>", status_code=404)
        price = self.objects.prices[session["_price"]]
        what = "a month" if price.get("recurring") else "once"
        sid = html.escape(session["id"])
        body = (
            _HEAD.format(title="Local Stripe checkout")
            + _BODY
            + f"""
<p>Local Stripe — test mode, no real money</p>
<h1>Pay {_money(session["amount_total"], session["currency"])} {what}</h1>
<p>Session {sid} · {html.escape(session["status"])}</p>
<form method="post" action="/pay/{sid}/confirm"><button type="submit">Pay</button></form>
<form method="post" action="/pay/{sid}/cancel"><button type="submit">Cancel</button></form>
</body></html>"""
        )
        return HTMLResponse(body)

    async def _pay_action(self, request: Request) -> Response:
        session = self.objects.sessions.get(request.path_params["id"])
        if session is None:
            return HTMLResponse("<h1>No such checkout session</h1>", status_code=404)
        if request.path_params["action"] == "cancel":
            return RedirectResponse(session["cancel_url"], status_code=303)
        if request.path_params["action"] != "confirm":
            return HTMLResponse("<h1>Unknown action</h1>", status_code=404)
        if session["status"] == "open":
            await asyncio.to_thread(self.pay, session["id"])
        url = str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])
        return RedirectResponse(url, status_code=303)

    async def _portal_page(self, request: Request) -> Response:
        portal = self.portals.get(request.path_params["id"])
        if portal is None:
            return HTMLResponse("<h1>No such portal session</h1>", status_code=404)
        rows = "".join(
            f"<li>{html.escape(str(s['metadata'].get('item') or s['id']))}: {html.escape(s['status'])}"
            f"{' (ends at period end)' if s['cancel_at_period_end'] else ''}</li>"
            for s in self.objects.subscriptions.values()
            if s["customer"] == portal["customer"]
        )
        pid = html.escape(portal["id"])
        back = html.escape(str(portal["return_url"] or "/"))
        body = (
            _HEAD.format(title="Local Stripe portal")
            + _BODY
            + f"""
<h1>Your plan</h1><ul>{rows or "<li>none</li>"}</ul>
<form method="post" action="/portal/{pid}/cancel"><button type="submit">Cancel plan</button></form>
<p><a href="{back}">Return</a></p></body></html>"""
        )
        return HTMLResponse(body)

    async def _portal_cancel(self, request: Request) -> Response:
        portal = self.portals.get(request.path_params["id"])
        if portal is None:
            return HTMLResponse("<h1>No such portal session</h1>", status_code=404)
        for sub in list(self.objects.subscriptions.values()):
            if sub["customer"] == portal["customer"] and sub["status"] == "active":
                await asyncio.to_thread(self.update_subscription, sub["id"], cancel_at_period_end=True)
        return RedirectResponse(f"/portal/{portal['id']}", status_code=303)
