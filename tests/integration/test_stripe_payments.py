"""Payments end to end with the real `stripe` SDK against the local Stripe: checkout, signed
webhooks (bad signatures change nothing), duplicates at once, any order, renewals and refunds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from autocrea.billing import credits
from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.migrate import upgrade
from tests.pg_server import own_postgres
from tests.platform import Account, Platform, running, settings_for
from tests.served import serve
from tests.services import postgres_database
from tests.stripe_world import StripeWorld, stripe_world

TRIAL = 100


@pytest.fixture
def world(tmp_path: Path) -> Iterator[StripeWorld]:
    with stripe_world(tmp_path / "data") as found:
        yield found


def _spend(world: StripeWorld, account: Account, amount: int) -> None:
    """Spend credits as a finished run does: a hold, settled."""

    async def spend() -> None:
        engine = create_engine(world.served.settings.database_url)
        sessions = session_factory(engine)
        try:
            hold = await credits.place_hold(
                sessions, user_id=account.user_id, amount=amount, idempotency_key="run"
            )
            await credits.settle(sessions, hold_id=hold)
        finally:
            await engine.dispose()

    asyncio.run(spend())


def _ledger(world: StripeWorld, account: Account) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = world.platform.request("GET", "/api/credits", account).json()["entries"]
    return entries


def _plans(world: StripeWorld, account: Account) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = world.platform.request("GET", "/api/billing", account).json()[
        "subscriptions"
    ]
    return found


def test_a_pack_bought_through_checkout_adds_its_credits_once_and_names_its_event(world: StripeWorld) -> None:
    ana = world.platform.register()
    session = world.buy(ana, "pack", "250")
    assert world.available(ana) == TRIAL + 250
    completed = world.events("checkout.session.completed")
    assert len(completed) == 1
    purchase = _ledger(world, ana)[0]
    assert purchase["kind"] == "purchase" and purchase["amount"] == 250
    assert completed[0]["id"] in purchase["reason"]
    assert session["payment_status"] == "paid" and session["metadata"]["autocrea_user"] == ana.user_id
    # Events AUTOCREA does not act on (charge.succeeded, payment_intent.succeeded) are answered 200.
    assert {a.type for a in world.stripe.webhooks.attempts if a.status == 200} >= {"charge.succeeded"}
    assert all(a.status == 200 for a in world.stripe.webhooks.attempts)


def test_signatures_are_checked_and_a_bad_one_changes_nothing(world: StripeWorld) -> None:
    ana = world.platform.register()
    world.stripe.webhooks.url = None  # keep the events; this test delivers them by hand
    world.stripe.pay(world.checkout(ana, "pack", "1000"))
    event = world.events("checkout.session.completed")[0]
    body, header = world.stripe.signed(event)

    tampered = body.replace(b'"credits": "1000"', b'"credits": "9000"')
    assert tampered != body
    old, _ = world.stripe.signed(event)
    refused = {
        "tampered body": world.deliver(tampered, header),
        "wrong secret": world.deliver(*world.stripe.signed(event, secret="whsec_not_the_endpoints")),
        "missing header": world.deliver(body, None),
        "malformed header": world.deliver(body, "v1=deadbeef"),
        "older than 300 s": world.deliver(
            old, world.stripe.signed(event, timestamp=int(time.time()) - 301)[1]
        ),
    }
    for what, response in refused.items():
        assert response.status_code == 400, (what, response.text)
        assert response.json()["error"]["code"] == "invalid_signature", what
    assert world.available(ana) == TRIAL and _ledger(world, ana)[0]["kind"] == "grant"
    not_an_event = world.deliver(*world.stripe.signed({"hello": "world"}))
    assert not_an_event.status_code == 400 and not_an_event.json()["error"]["code"] == "invalid_input"

    recent = world.deliver(body, world.stripe.signed(event, timestamp=int(time.time()) - 200)[1])
    assert recent.status_code == 200 and recent.json()["handled"] is True
    assert world.available(ana) == TRIAL + 1000
    again = world.deliver(body, header)
    assert again.status_code == 200 and again.json() == {
        "received": True,
        "handled": False,
        "note": "already handled",
    }

    unknown = dict(event, id="evt_test_unknown", type="customer.tax_id.created")
    response = world.deliver(*world.stripe.signed(unknown))
    assert response.status_code == 200 and response.json()["handled"] is False
    assert world.available(ana) == TRIAL + 1000


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_same_event_five_times_at_once_grants_once(tmp_path: Path, database: str) -> None:
    def run(overrides: dict[str, Any]) -> None:
        with stripe_world(tmp_path / "data", **overrides) as world:
            ana = world.platform.register()
            world.stripe.webhooks.copies = 5
            world.buy(ana, "pack", "250")
            event = world.events("checkout.session.completed")[0]
            answered = [a for a in world.stripe.webhooks.attempts if a.event_id == event["id"]]
            assert len(answered) == 5 and all(a.status == 200 for a in answered)
            assert world.available(ana) == TRIAL + 250
            assert [e["kind"] for e in _ledger(world, ana)] == ["purchase", "grant"]

    if database == "sqlite":
        run({})
    else:
        with postgres_database() as url:
            run({"database_url": url})


def test_a_plans_invoice_before_its_subscription_grants_once_and_records_the_plan(world: StripeWorld) -> None:
    ana = world.platform.register()
    world.stripe.webhooks.hold()
    session = world.stripe.pay(world.checkout(ana, "plan", "Pro"))
    sent = world.stripe.webhooks.release(reverse=True)
    world.settle()
    types = [next(e["type"] for e in world.stripe.events if e["id"] == i) for i in sent]
    assert types.index("invoice.paid") < types.index("customer.subscription.created")
    assert world.available(ana) == TRIAL + 1000
    plan = _plans(world, ana)
    assert [(p["plan"], p["status"], p["cancel_at_period_end"]) for p in plan] == [("Pro", "active", False)]

    world.stripe.renew(session["subscription"])  # a month later: its invoice pays the month's credits
    world.settle()
    assert world.available(ana) == TRIAL + 2000
    world.stripe.renew(session["subscription"])
    world.settle()
    assert world.available(ana) == TRIAL + 3000
    assert sum(e["kind"] == "purchase" for e in _ledger(world, ana)) == 3


def test_subscription_updates_delivered_in_reverse_leave_the_latest_state(world: StripeWorld) -> None:
    ana = world.platform.register()
    session = world.buy(ana, "plan", "Team")
    before = world.available(ana)
    world.stripe.webhooks.hold()
    world.stripe.update_subscription(session["subscription"], cancel_at_period_end=True)
    world.stripe.update_subscription(session["subscription"], status="past_due")
    sent = world.stripe.webhooks.release(reverse=True)
    world.settle()
    assert len(sent) == 2
    assert [(p["status"], p["cancel_at_period_end"]) for p in _plans(world, ana)] == [("past_due", True)]
    assert world.available(ana) == before  # plan state only: no grant

    world.stripe.update_subscription(session["subscription"], status="canceled")
    world.settle()
    assert [p["status"] for p in _plans(world, ana)] == ["canceled"]
    assert world.available(ana) == before


def test_a_refund_takes_back_what_is_unspent_and_never_goes_below_zero(world: StripeWorld) -> None:
    ana = world.platform.register()
    session = world.buy(ana, "pack", "250")
    _spend(world, ana, 300)  # of 350: 50 left
    world.stripe.refund(payment_intent=session["payment_intent"])
    world.settle()
    me = world.platform.credits(ana)
    assert me["available"] == 0 and me["granted"] == TRIAL + 250 - 50
    revoke = _ledger(world, ana)[0]
    assert revoke["kind"] == "revoke" and revoke["amount"] == 50
    assert "200 already spent" in revoke["reason"]
    refunded = world.events("charge.refunded")[0]
    assert refunded["id"] in revoke["reason"]
    # The same refund event again, and an old one after it: nothing more is taken.
    assert world.deliver(*world.stripe.signed(refunded)).json()["handled"] is False
    assert world.available(ana) == 0


def test_a_partial_refund_takes_back_its_share_and_a_plans_refund_finds_its_invoice(
    world: StripeWorld,
) -> None:
    ana = world.platform.register()
    pack = world.buy(ana, "pack", "1000")  # 15 EUR
    world.stripe.refund(payment_intent=pack["payment_intent"], amount=750)  # half
    world.settle()
    assert world.available(ana) == TRIAL + 500
    world.stripe.refund(payment_intent=pack["payment_intent"])  # the rest
    world.settle()
    assert world.available(ana) == TRIAL

    plan = world.buy(ana, "plan", "Pro")
    assert world.available(ana) == TRIAL + 1000
    invoice = world.stripe.objects.invoices[plan["invoice"]]
    intent = next(p for p in world.stripe.objects.invoice_payments.values() if p["invoice"] == invoice["id"])
    world.stripe.refund(payment_intent=intent["payment"]["payment_intent"])
    world.settle()
    assert world.available(ana) == TRIAL


def test_checkout_and_portal_refuse_bad_input_clearly(world: StripeWorld) -> None:
    ana = world.platform.register()
    request = world.platform.request
    unknown = request("POST", "/api/billing/checkout", ana, json={"kind": "pack", "id": "333"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["details"] == {
        "field": "id",
        "reason": "unknown",
        "known": ["250", "1000", "5000"],
    }
    assert (
        request("POST", "/api/billing/checkout", ana, json={"kind": "plan", "id": "Gold"}).status_code == 400
    )
    assert (
        request("POST", "/api/billing/checkout", ana, json={"kind": "gift", "id": "250"}).status_code == 422
    )
    anonymous = request("POST", "/api/billing/checkout", json={"kind": "pack", "id": "250"})
    assert anonymous.status_code == 401
    assert request("POST", "/api/billing/portal", ana).json()["error"]["code"] == "conflict"
    assert world.stripe.objects.sessions == {}

    world.buy(ana, "plan", "pro")  # plan names are matched without case
    portal = request("POST", "/api/billing/portal", ana)
    assert portal.status_code == 200 and portal.json()["url"].startswith(world.stripe.url + "/portal/")
    page = world.platform.client.get(portal.json()["url"])
    assert "Pro: active" in page.text


def test_a_stripe_price_id_from_the_settings_is_what_checkout_sells(tmp_path: Path) -> None:
    packs = "250:5:price_pack250,1000:15"
    with stripe_world(tmp_path / "data", credit_packs=packs) as world:
        world.stripe.add_price("price_pack250", unit_amount=500, currency="eur")
        ana = world.platform.register()
        session = world.buy(ana, "pack", "250")
        assert world.stripe.objects.sessions[session["id"]]["_price"] == "price_pack250"
        assert world.available(ana) == TRIAL + 250
        inline = world.platform.request(
            "POST", "/api/billing/checkout", ana, json={"kind": "plan", "id": "Pro"}
        )
        assert inline.status_code == 200  # no price id for plans here: an inline monthly price


def test_with_no_stripe_keys_payments_are_off_and_say_so(tmp_path: Path) -> None:
    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        ana = platform.register()
        bought = platform.request("POST", "/api/billing/checkout", ana, json={"kind": "pack", "id": "250"})
        assert bought.status_code == 409
        assert bought.json()["error"]["code"] == "payments_not_configured"
        assert "not configured" in bought.json()["error"]["message"]
        assert platform.request("POST", "/api/billing/portal", ana).status_code == 409
        hook = platform.request(
            "POST", "/api/billing/webhook", content=b"{}", headers={"stripe-signature": "t=1"}
        )
        assert hook.status_code == 409
        assert platform.request("GET", "/api/billing", ana).json()["payments"] is False
        assert platform.credits(ana)["available"] == TRIAL
        page = platform.request("GET", "/pricing", ana).text
        assert 'data-payments="off"' in page


def test_the_demo_setting_runs_a_local_stripe_inside_the_server(tmp_path: Path) -> None:
    """`AUTOCREA_STRIPE_FAKE=true`: no keys, a local Stripe started with the server, webhooks to it."""
    with serve(tmp_path / "data", stripe_fake=True) as served, httpx.Client(base_url=served.url) as client:
        platform = Platform(client, served.settings)
        ana = platform.register()
        url = platform.request(
            "POST", "/api/billing/checkout", ana, json={"kind": "pack", "id": "250"}
        ).json()["url"]
        assert url.startswith("http://127.0.0.1:") and "/pay/cs_test_" in url
        paid = httpx.post(url.replace("/pay/", "/_fake/sessions/") + "/pay")
        assert paid.status_code == 200 and paid.json()["payment_status"] == "paid"
        assert (
            platform.credits(
                ana, expect={"granted": TRIAL + 250, "spent": 0, "held": 0, "available": TRIAL + 250}
            )["available"]
            == TRIAL + 250
        )


def test_deliveries_while_postgresql_restarts_grant_once_after_it(tmp_path: Path) -> None:
    """Stripe retries a delivery that got no 2xx: the ones that met the outage (503, nothing kept)
    come again, five copies at once, and the pack is granted once the database is back."""
    with own_postgres() as pg:
        asyncio.run(upgrade(pg.url))
        with stripe_world(tmp_path / "data", database_url=pg.url) as world:
            ana = world.platform.register()
            session_id = world.checkout(ana, "pack", "250")
            world.stripe.webhooks.copies = 5
            pg.stop()
            try:
                world.stripe.pay(session_id)
                time.sleep(1.0)  # the first attempts meet the outage
            finally:
                pg.start()
            world.settle()
            event = world.events("checkout.session.completed")[0]
            attempts = [a for a in world.stripe.webhooks.attempts if a.event_id == event["id"]]
            assert any(a.status != 200 for a in attempts), attempts  # the outage was seen
            assert sum(a.status == 200 for a in attempts) == 5  # every copy got through in the end
            assert world.available(ana) == TRIAL + 250
            assert [e["kind"] for e in _ledger(world, ana)] == ["purchase", "grant"]
