"""The administrators' pages: /admin (users, balances, disable/enable, credits, totals per day) and
/admin/runs. To anyone else, signed in or not, they are a 404 page, like the admin API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from autocrea.accounts import directory
from autocrea.domain.run import RunStatus
from autocrea.errors import NotFound
from autocrea.web.auth import NOT_FOUND, services
from autocrea.web.routes.admin import MAX_REASON
from autocrea.web.ui.render import Viewer, render, viewer_for

router = APIRouter(include_in_schema=False)
PAGE = 50
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


async def _admin(request: Request) -> Viewer:
    viewer = await viewer_for(request)
    if viewer is None or not viewer.admin:
        raise NotFound(NOT_FOUND)  # not a login redirect: the page does not exist for them
    return viewer


# A dependency, so it runs before the query is checked: a stranger's bad query is a 404 too.
AdminViewer = Annotated[Viewer, Depends(_admin)]


@router.get("/admin", response_class=HTMLResponse)
async def users_page(
    request: Request,
    viewer: AdminViewer,
    q: Annotated[str, Query(max_length=directory.MAX_QUERY)] = "",
    offset: Offset = 0,
) -> Response:
    svc = services(request)
    total, found = await directory.accounts(svc.sessions, query=q, offset=offset, limit=PAGE)
    return render(
        request,
        "admin.html",
        viewer=viewer,
        page_id="admin",
        q=q,
        total=total,
        accounts=found,
        offset=offset,
        page=PAGE,
        days=list(reversed(await directory.daily(svc.sessions))),  # newest first, as the tables above
        statuses=[s.value for s in RunStatus],
        max_reason=MAX_REASON,
    )


@router.get("/admin/runs", response_class=HTMLResponse)
async def runs_page(
    request: Request,
    viewer: AdminViewer,
    status: Annotated[str, Query(max_length=16)] = "",
    user: Annotated[str, Query(max_length=64)] = "",
    offset: Offset = 0,
) -> Response:
    svc = services(request)
    # The filter form sends an empty status for "any": a plain string, checked here.
    wanted = RunStatus(status) if status in {s.value for s in RunStatus} else None
    total, rows = await directory.runs(
        svc.sessions, status=wanted, user_id=user or None, offset=offset, limit=PAGE
    )
    return render(
        request,
        "admin_runs.html",
        viewer=viewer,
        page_id="admin",
        run_status=wanted.value if wanted else "",
        user=user,
        total=total,
        rows=rows,
        offset=offset,
        page=PAGE,
        statuses=[s.value for s in RunStatus],
    )
