"""The web UI: server-rendered pages (Jinja2 + htmx + small scripts) over the platform API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from autocrea.web.ui import admin, billing, errors, pages, partials, public, shared
from autocrea.web.ui.render import STATIC


def install(app: FastAPI) -> None:
    """Mount the static files, add the page routes, and answer browsers' errors with a page."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    routers = (public.router, pages.router, partials.router, shared.router, billing.router, admin.router)
    for router in routers:
        app.include_router(router)
    errors.install(app)
