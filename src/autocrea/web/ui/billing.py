"""Where Stripe Checkout sends the buyer back: paid (credits arrive with Stripe's webhook, so the
page watches the balance) or cancelled (nothing was charged)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from autocrea.web.ui.render import render, to_login, viewer_for

router = APIRouter(include_in_schema=False)


async def _page(request: Request, outcome: str) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    return render(request, "billing.html", viewer=viewer, page_id="billing", outcome=outcome)


@router.get("/billing/success", response_class=HTMLResponse)
async def success(request: Request) -> Response:
    return await _page(request, "success")


@router.get("/billing/cancel", response_class=HTMLResponse)
async def cancel(request: Request) -> Response:
    return await _page(request, "cancel")
