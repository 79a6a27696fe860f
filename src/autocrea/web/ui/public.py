"""Pages anyone may see: landing, log in, sign up, pricing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from autocrea.billing.payments import subscriptions_of
from autocrea.web.auth import services
from autocrea.web.ui.pricing import parse_packs, parse_plans
from autocrea.web.ui.render import render, safe_next, viewer_for

router = APIRouter(include_in_schema=False)
# Stripe's subscription states that have words of their own in strings.yml.
PLAN_WORDS = frozenset(f"pricing.plan_status.{s}" for s in ("active", "trialing", "past_due", "unpaid"))


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> Response:
    return render(request, "landing.html", viewer=await viewer_for(request), page_id="landing")


async def _auth_page(request: Request, mode: str) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if await viewer_for(request) is not None:
        return RedirectResponse(next_path, status_code=303)
    return render(request, "auth.html", viewer=None, page_id="auth", mode=mode, next_path=next_path)


@router.get("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    return await _auth_page(request, "login")


@router.get("/register", response_class=HTMLResponse)
async def register(request: Request) -> Response:
    return await _auth_page(request, "register")


@router.get("/pricing", response_class=HTMLResponse)
async def pricing(request: Request) -> Response:
    svc = services(request)
    settings = svc.settings
    viewer = await viewer_for(request)
    plans = [] if viewer is None else await subscriptions_of(svc.sessions, user_id=viewer.user.id)
    current = next((s for s in reversed(plans) if s.status != "canceled"), None)
    return render(
        request,
        "pricing.html",
        viewer=viewer,
        page_id="pricing",
        plans=parse_plans(settings.pricing_plans),
        packs=parse_packs(settings.credit_packs),
        currency=settings.currency,
        payments=svc.payments is not None,
        plan=current,
        plan_words=PLAN_WORDS,
    )
