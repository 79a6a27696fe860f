"""Errors on pages get a page (with a way back), not JSON; the API keeps its one JSON error shape.

The API's handlers are kept and called for /api/* and for clients that do not ask for HTML.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from autocrea import errors as e
from autocrea.storage.faults import unavailable
from autocrea.web.errors import status_for
from autocrea.web.ui.render import render, viewer_for

log = logging.getLogger("autocrea.web")


def wants_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path in ("/health", "/ready", "/metrics"):
        return False
    if request.headers.get("hx-request"):
        return True  # a fragment: htmx shows it in place of the part that failed
    return "text/html" in request.headers.get("accept", "")


async def error_page(request: Request, status: int, reason: str = "") -> Response:
    """`reason`: the error's `details.reason` when the page has words of its own for it."""
    try:
        viewer = await viewer_for(request)
    except Exception:  # the page must render even when the session lookup is what failed
        viewer = None
    template = "parts/error.html" if request.headers.get("hx-request") else "error.html"
    return render(
        request, template, viewer=viewer, status=status, page_id="error", status_code=status, reason=reason
    )


def install(app: FastAPI) -> None:
    def wrap(cls: type[Exception], status: Callable[[Exception], int]) -> None:
        api = app.exception_handlers[cls]

        async def handler(request: Request, exc: Exception) -> Response:
            if not wants_page(request):
                answer = api(request, exc)
                return await answer if inspect.isawaitable(answer) else answer
            code = status(exc)
            if code >= 500:
                log.exception("page failed", exc_info=exc)
            details = exc.details if isinstance(exc, e.AutocreaError) else {}
            return await error_page(request, code, str(details.get("reason", "")))

        app.add_exception_handler(cls, handler)

    wrap(
        StarletteHTTPException,
        lambda exc: exc.status_code if isinstance(exc, StarletteHTTPException) else 500,
    )
    wrap(RequestValidationError, lambda _: 400)
    wrap(e.AutocreaError, lambda exc: status_for(exc) if isinstance(exc, e.AutocreaError) else 500)
    # The database away (a restart, the pool exhausted): a page that says "one moment", as the API's 503.
    for cls in (sa.DBAPIError, sa.DisconnectionError, sa.TimeoutError, ConnectionError, Exception):
        wrap(cls, lambda exc: 503 if unavailable(exc) else 500)
