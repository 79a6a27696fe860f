"""Billing API: Stripe Checkout for plans and packs, the Customer Portal, Stripe's webhook, and what
the user has bought. With no Stripe keys every call but the read answers 409 payments_not_configured."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from autocrea.billing import credits as credits_ledger
from autocrea.billing import payments as ledger
from autocrea.domain.prompt import MAX_PROMPT_CHARS, clean_prompt
from autocrea.errors import Conflict, InvalidInput, PaymentsNotConfigured
from autocrea.jobs.launch import price_for
from autocrea.payments import webhook
from autocrea.pipeline.estimate import Estimate, estimate_generation
from autocrea.providers.catalog import load_catalog
from autocrea.providers.select import parse_model
from autocrea.web.auth import Auth, Svc
from autocrea.web.payments import Payments, catalog
from autocrea.web.services import Services
from autocrea.web.webhooks import handle

router = APIRouter(prefix="/api/billing", tags=["billing"])
OFF_RESPONSE: dict[int | str, dict[str, Any]] = {
    409: {"description": "payments are off: payments_not_configured"}
}
OFF = "Payments are not configured on this server (no Stripe keys): nothing can be bought yet."


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["pack", "plan"]
    id: str = Field(min_length=1, max_length=100, description="a pack's credits (\"250\") or a plan's name")


class UrlOut(BaseModel):
    url: str = Field(description="send the browser here")


class PlanOut(BaseModel):
    id: str
    credits: int
    price: int


class SubscriptionOut(BaseModel):
    plan: str
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool


class BillingOut(BaseModel):
    payments: bool = Field(description="false: no Stripe keys on this server")
    currency: str
    plans: list[PlanOut]
    packs: list[PlanOut]
    subscriptions: list[SubscriptionOut]


class EstimateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(max_length=MAX_PROMPT_CHARS + 1000, description="the description to generate")
    model: str = Field(default="blueprint", max_length=200, description="as POST /api/projects takes it")


class RoleEstimateOut(BaseModel):
    role: str
    prompt_tokens: int
    max_completion_tokens: int


class ModelEstimateOut(BaseModel):
    provider: str
    model: str
    prompt_tokens: int = Field(description="≈4 characters a token, what the roles would send")
    max_completion_tokens: int = Field(description="every role's answer at its limit")
    cost_usd_max: float = Field(description="USD at models.yml prices for one answer per role")
    complete: bool = Field(description="false: only the architect's call could be counted")
    roles: list[RoleEstimateOut]


class EstimateOut(BaseModel):
    credits: int = Field(description="held when the run starts; returned if it fails")
    available: int
    model: ModelEstimateOut | None = Field(description="null for the offline Blueprint engine")


class WebhookOut(BaseModel):
    received: bool
    handled: bool = Field(description="false for an event type AUTOCREA does not act on, or a repeat")
    note: str


def _payments(svc: Services) -> Payments:
    if svc.payments is None:
        raise PaymentsNotConfigured(OFF)
    return svc.payments


@router.get("", response_model=BillingOut)
async def billing(principal: Auth, svc: Svc) -> BillingOut:
    sold = catalog(svc.settings)
    plans = await ledger.subscriptions_of(svc.sessions, user_id=principal.user.id)
    return BillingOut(
        payments=svc.payments is not None,
        currency=sold.currency,
        plans=[PlanOut(id=p.id, credits=p.credits, price=p.price) for p in sold.plans],
        packs=[PlanOut(id=p.id, credits=p.credits, price=p.price) for p in sold.packs],
        subscriptions=[
            SubscriptionOut(
                plan=s.plan,
                status=s.status,
                current_period_end=s.current_period_end,
                cancel_at_period_end=s.cancel_at_period_end,
            )
            for s in plans
        ],
    )


def estimate_out(*, credits: int, available: int, guess: Estimate | None) -> EstimateOut:
    if guess is None:
        return EstimateOut(credits=credits, available=available, model=None)
    return EstimateOut(
        credits=credits,
        available=available,
        model=ModelEstimateOut(
            provider=guess.provider,
            model=guess.model,
            prompt_tokens=guess.prompt_tokens,
            max_completion_tokens=guess.max_completion_tokens,
            cost_usd_max=round(guess.cost_usd_max, 6),
            complete=guess.complete,
            roles=[RoleEstimateOut(**vars(c)) for c in guess.calls],
        ),
    )


@router.post("/estimate", response_model=EstimateOut)
async def estimate(body: EstimateIn, principal: Auth, svc: Svc) -> EstimateOut:
    """What a generation of this description with this model will cost, before it starts (a
    change's: POST /api/projects/{id}/changes/estimate)."""
    prompt = clean_prompt(body.prompt)
    choice = parse_model(body.model)
    credits = price_for(
        str(choice), model_cost=svc.settings.generation_cost, offline_cost=svc.settings.offline_cost
    )
    balance = await credits_ledger.balance(svc.sessions, user_id=principal.user.id)
    guess = None
    if choice.engine != "blueprint":
        guess = await asyncio.to_thread(
            estimate_generation, prompt, provider=choice.engine, model=choice.model, catalog=load_catalog()
        )
    return estimate_out(credits=credits, available=balance.available, guess=guess)


@router.post("/checkout", response_model=UrlOut, responses=OFF_RESPONSE)
async def checkout(body: CheckoutIn, principal: Auth, svc: Svc) -> UrlOut:
    """A Stripe Checkout session for a pack (one payment) or a plan (a monthly subscription)."""
    payments = _payments(svc)
    sold = catalog(svc.settings)
    item = sold.pack(body.id) if body.kind == "pack" else sold.plan(body.id)
    if item is None:
        known = [p.id for p in (sold.packs if body.kind == "pack" else sold.plans)]
        raise InvalidInput(
            f"There is no {body.kind} {body.id!r} on sale; choose one of {', '.join(known) or 'none'}.",
            details={"field": "id", "reason": "unknown", "known": known},
        )
    user = principal.user
    customer = await ledger.customer_of(svc.sessions, user_id=user.id)
    if customer is None:
        made = await payments.gateway.create_customer(email=user.email, user_id=user.id)
        customer = await ledger.remember_customer(svc.sessions, user_id=user.id, customer_id=made)
    base = svc.settings.public_url.rstrip("/")
    url = await payments.gateway.checkout(
        customer=customer,
        user_id=user.id,
        item=item,
        currency=sold.currency,
        success_url=f"{base}/billing/success?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{base}/billing/cancel",
    )
    return UrlOut(url=url)


@router.post("/portal", response_model=UrlOut, responses=OFF_RESPONSE)
async def portal(principal: Auth, svc: Svc) -> UrlOut:
    """Stripe's Customer Portal: the subscriber's plan, card and invoices."""
    payments = _payments(svc)
    customer = await ledger.customer_of(svc.sessions, user_id=principal.user.id)
    if customer is None:
        raise Conflict("You have bought nothing through Stripe yet, so there is no portal to open.")
    base = svc.settings.public_url.rstrip("/")
    return UrlOut(url=await payments.gateway.portal(customer=customer, return_url=f"{base}/billing"))


@router.post(
    "/webhook",
    response_model=WebhookOut,
    responses={400: {"description": "signature missing, wrong or older than 300 s"}},
)
async def stripe_webhook(request: Request, svc: Svc) -> WebhookOut:
    """Stripe's events, signed with the endpoint's secret. 2xx tells Stripe to stop retrying: a
    failure to apply an event (the database down) answers 5xx so the delivery comes again."""
    payments = _payments(svc)
    body = await request.body()
    event = webhook.verify(body, request.headers.get("stripe-signature"), payments.webhook_secret)
    outcome = await handle(
        event, sessions=svc.sessions, gateway=payments.gateway, catalog=catalog(svc.settings)
    )
    if outcome is None:
        return WebhookOut(received=True, handled=False, note=f"{event.get('type')} is not acted on")
    return WebhookOut(received=True, handled=outcome.applied, note=outcome.note)
