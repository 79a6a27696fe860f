"""The billing page (plan, renewal, credits in words, invoices through Stripe's portal), and where
Stripe Checkout sends the buyer back: paid (credits arrive with Stripe's webhook, so the page
watches the balance) or cancelled (nothing was charged)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from autocrea.billing.history import Line, history
from autocrea.billing.payments import customer_of, subscriptions_of
from autocrea.web.auth import services
from autocrea.web.payments import catalog
from autocrea.web.ui.public import PLAN_WORDS
from autocrea.web.ui.render import render, to_login, viewer_for

router = APIRouter(include_in_schema=False)


def history_words(t: Callable[..., str], line: Line) -> str:
    """One line of the credits' history in the page's language."""
    if line.what != "run":
        return t(f"history.{line.what}", **line.params)
    project = str(line.params["project"]) or t("history.a_project")
    action = t(f"history.run.{line.params['kind']}", project=project)
    state = t(f"history.state.{line.params['state']}", **line.params)
    return f"{action}: {state}"


@router.get("/billing", response_class=HTMLResponse)
async def billing(request: Request) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    svc = services(request)
    user_id = viewer.user.id
    subscriptions = await subscriptions_of(svc.sessions, user_id=user_id)
    current = next((s for s in reversed(subscriptions) if s.status != "canceled"), None)
    plan = catalog(svc.settings).plan(current.plan) if current is not None else None
    return render(
        request,
        "billing.html",
        viewer=viewer,
        page_id="billing",
        outcome="overview",
        payments=svc.payments is not None,
        customer=await customer_of(svc.sessions, user_id=user_id) is not None,
        subscription=current,
        plan_credits=plan.credits if plan is not None else None,
        plan_words=PLAN_WORDS,
        lines=await history(svc.sessions, user_id=user_id),
        history_words=history_words,
    )


async def _result(request: Request, outcome: str) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    return render(request, "billing_result.html", viewer=viewer, page_id="billing", outcome=outcome)


@router.get("/billing/success", response_class=HTMLResponse)
async def success(request: Request) -> Response:
    return await _result(request, "success")


@router.get("/billing/cancel", response_class=HTMLResponse)
async def cancel(request: Request) -> Response:
    return await _result(request, "cancel")
