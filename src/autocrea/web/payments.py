"""The payments this server takes: Stripe with the configured keys, the local Stripe for a demo
(`AUTOCREA_STRIPE_FAKE`), or none (every Buy button says so and the API answers 409)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autocrea.config import Settings
from autocrea.domain.pricing import Catalog, catalog_from
from autocrea.payments.gateway import StripeGateway

if TYPE_CHECKING:
    from autocrea.testing.stripe_server import FakeStripe


@dataclass
class Payments:
    gateway: StripeGateway
    webhook_secret: str
    fake: FakeStripe | None = None  # the local Stripe this process started, stopped with it

    async def aclose(self) -> None:
        await self.gateway.aclose()
        if self.fake is not None:
            await asyncio.to_thread(self.fake.stop)


def catalog(settings: Settings) -> Catalog:
    return catalog_from(plans=settings.pricing_plans, packs=settings.credit_packs, currency=settings.currency)


async def payments_from(settings: Settings) -> Payments | None:
    if not settings.payments_enabled:
        return None
    if settings.stripe_fake:
        # A demo, never real money: the local Stripe runs in this process and signs its webhooks
        # to this server's own address.
        from autocrea.testing.stripe_server import FakeStripe

        fake = FakeStripe(webhook_url=settings.public_url.rstrip("/") + "/api/billing/webhook")
        await asyncio.to_thread(fake.start)
        gateway = StripeGateway(secret_key=fake.api_key, api_base=fake.url)
        return Payments(gateway=gateway, webhook_secret=fake.webhook_secret, fake=fake)
    assert settings.stripe_secret_key is not None and settings.stripe_webhook_secret is not None
    gateway = StripeGateway(
        secret_key=settings.stripe_secret_key.get_secret_value(), api_base=settings.stripe_api_base
    )
    return Payments(gateway=gateway, webhook_secret=settings.stripe_webhook_secret.get_secret_value())
