"""The local Stripe speaks the wire format the real SDK sends and signs its webhooks as Stripe does."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import stripe

from autocrea.testing.stripe_server import FakeStripe, nest, signature


def test_stripes_form_encoding_reads_back_into_objects() -> None:
    pairs = [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][quantity]", "1"),
        ("line_items[1][price]", "price_x"),
        ("metadata[kind]", "pack"),
        ("expand[0]", "customer"),
    ]
    assert nest(pairs) == {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "eur"}, "quantity": "1"}, {"price": "price_x"}],
        "metadata": {"kind": "pack"},
        "expand": ["customer"],
    }


def test_a_signature_is_what_the_sdk_accepts_and_nothing_else() -> None:
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}})
    header = signature(payload, "whsec_a")
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    assert v1 == hmac.new(b"whsec_a", f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    assert stripe.Webhook.construct_event(payload, header, "whsec_a").id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_b")
    with pytest.raises(stripe.SignatureVerificationError):
        old = signature(payload, "whsec_a", timestamp=int(time.time()) - 301)
        stripe.Webhook.construct_event(payload, old, "whsec_a", tolerance=300)


def test_the_sdk_gets_stripes_errors_for_a_wrong_key_and_a_missing_object() -> None:
    with FakeStripe() as fake:
        client = stripe.StripeClient("sk_test_wrong", base_addresses={"api": fake.url}, max_network_retries=0)
        with pytest.raises(stripe.AuthenticationError):
            client.v1.customers.create({"email": "a@example.com"})
        client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0)
        with pytest.raises(stripe.InvalidRequestError) as missing:
            client.v1.subscriptions.retrieve("sub_nope")
        assert missing.value.code == "resource_missing"
        customer = client.v1.customers.create({"email": "a@example.com", "metadata": {"autocrea_user": "u1"}})
        session = client.v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "customer": customer.id,
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": 1900,
                            "recurring": {"interval": "month"},
                        },
                    }
                ],
                "success_url": "http://localhost/ok?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": "http://localhost/no",
                "subscription_data": {"metadata": {"item": "Pro"}},
            }
        )
        assert session.status == "open" and session.url.startswith(fake.url + "/pay/")
        fake.pay(session.id)
        paid = client.v1.checkout.sessions.retrieve(session.id)
        subscription = client.v1.subscriptions.retrieve(paid.subscription)
        assert subscription.status == "active" and subscription.metadata["item"] == "Pro"
        invoice = fake.renew(subscription.id)
        assert invoice["billing_reason"] == "subscription_cycle"
        types = [e["type"] for e in fake.events]
        assert types.count("invoice.paid") == 2 and "customer.subscription.created" in types
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.checkout.sessions.create({"mode": "rent", "success_url": "x", "cancel_url": "y"})
