"""AUTOCREA served on a real port with the local Stripe beside it: the SDK calls the fake over HTTP
and the fake signs and delivers its webhooks to AUTOCREA, as Stripe would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from autocrea.testing.stripe_server import FakeStripe
from tests.platform import Account, Platform
from tests.served import Served, serve

WEBHOOK = "/api/billing/webhook"


@dataclass
class StripeWorld:
    platform: Platform
    stripe: FakeStripe
    served: Served

    def checkout(self, account: Account, kind: str, item: str) -> str:
        """Start a checkout through the API; returns the session id."""
        response = self.platform.request(
            "POST", "/api/billing/checkout", account, json={"kind": kind, "id": item}
        )
        assert response.status_code == 200, response.text
        found = re.search(r"/pay/(cs_test_[0-9a-f]+)$", response.json()["url"])
        assert found, response.json()
        return found.group(1)

    def buy(self, account: Account, kind: str, item: str) -> dict[str, Any]:
        """Check out and pay; returns the completed session once its webhooks were answered."""
        session = self.stripe.pay(self.checkout(account, kind, item))
        self.settle()
        return session

    def settle(self) -> None:
        assert self.stripe.webhooks.wait_idle(60), "webhook deliveries still in flight"

    def available(self, account: Account) -> int:
        return int(self.platform.credits(account)["available"])

    def deliver(self, body: bytes, signature: str | None) -> httpx.Response:
        headers = {"content-type": "application/json"}
        if signature is not None:
            headers["stripe-signature"] = signature
        return self.platform.client.post(WEBHOOK, content=body, headers=headers)

    def events(self, type_: str) -> list[dict[str, Any]]:
        return [e for e in self.stripe.events if e["type"] == type_]


@contextmanager
def stripe_world(data_dir: Path, **overrides: Any) -> Iterator[StripeWorld]:
    with FakeStripe() as fake:
        settings = {
            "stripe_secret_key": fake.api_key,
            "stripe_webhook_secret": fake.webhook_secret,
            "stripe_api_base": fake.url,
            **overrides,
        }
        with serve(data_dir, **settings) as served, httpx.Client(base_url=served.url, timeout=30) as client:
            fake.webhooks.url = served.url + WEBHOOK
            world = StripeWorld(Platform(client, served.settings), fake, served)
            try:
                yield world
            finally:
                fake.webhooks.wait_idle(30)  # no delivery outlives the server it was for
