"""FastAPI app factory: the platform API, the preview origin, operations endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from autocrea import __version__
from autocrea.config import Settings
from autocrea.jobs.preview import Previews
from autocrea.storage.migrate import upgrade
from autocrea.web import errors
from autocrea.web.auth import gate_unparsed_body
from autocrea.web.observe import Metrics, RequestPlumbing, configure_logging
from autocrea.web.preview_pass import PreviewPasses, cookie_attributes
from autocrea.web.proxy import PreviewProxy, host_pattern
from autocrea.web.routes import (
    accounts,
    admin,
    billing,
    changes,
    events,
    files,
    filetree,
    ops,
    preview,
    projects,
    remote,
    share,
    verification,
)
from autocrea.web.services import Services, build_services
from autocrea.web.ui import install as install_ui


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> FastAPI:
    settings = settings or Settings()
    pattern = host_pattern(settings.preview_base_url)  # a bad setting fails at start, not per request
    with_worker = settings.embedded_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The embedded SQLite database is created and migrated on start; PostgreSQL is migrated
        # explicitly (`autocrea db upgrade`) so several servers never race on a migration.
        if settings.database_url.startswith("sqlite"):
            await upgrade(settings.database_url)
        if settings.sentry_dsn is not None:
            import sentry_sdk

            sentry_sdk.init(dsn=settings.sentry_dsn.get_secret_value(), send_default_pii=False)
        services = await build_services(settings, run_worker=with_worker)
        app.state.services = services
        try:
            yield
        finally:
            await services.aclose()

    app = FastAPI(
        title="AUTOCREA",
        version=__version__,
        lifespan=lifespan,
        description="Describe an app, get a working, verified app. Errors: "
        '`{"error": {"code", "message", "details"}}`.',
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    errors.install(app, gate=gate_unparsed_body)
    routers = (ops, accounts, projects, changes, events, files, filetree, preview, verification)
    for module in (*routers, remote, share, billing, admin):
        app.include_router(module.router, responses=errors.RESPONSES)
    install_ui(app)

    def previews() -> Previews:
        services: Services = app.state.services
        return services.previews

    def passes() -> PreviewPasses:
        services: Services = app.state.services
        return services.passes

    app.add_middleware(RequestPlumbing, metrics=app.state.metrics, max_body_bytes=settings.max_body_bytes)
    # Outermost: requests for the preview origin never reach AUTOCREA's own routes or cookies.
    app.add_middleware(
        PreviewProxy,
        previews=previews,
        passes=passes,
        pattern=pattern,
        frame_origin=settings.public_url.rstrip("/"),
        cookie_attributes=cookie_attributes(settings.preview_base_url),
    )
    return app


def served_app() -> FastAPI:
    """The app of each process of `autocrea serve --workers N`: settings from the environment and the
    same JSON logs as a single-process server (a child process does not inherit the parent's setup)."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
