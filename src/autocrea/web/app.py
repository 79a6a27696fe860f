"""FastAPI app factory. The platform API and UI grow here; for now: health and the error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from autocrea import __version__
from autocrea.config import Settings
from autocrea.errors import AutocreaError, InvalidInput
from autocrea.storage.migrate import upgrade


def _error(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details or {}}}, status_code=status
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The embedded SQLite database is created and migrated on start; PostgreSQL is migrated
        # explicitly (`autocrea db upgrade`) so several servers never race on a migration.
        if settings.database_url.startswith("sqlite"):
            await upgrade(settings.database_url)
        yield

    app = FastAPI(title="AUTOCREA", version=__version__, lifespan=lifespan)
    app.state.settings = settings

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(
            422,
            "validation_error",
            "The request is not valid.",
            {"errors": [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]},
        )

    @app.exception_handler(AutocreaError)
    async def domain_error(_: Request, exc: AutocreaError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=400 if isinstance(exc, InvalidInput) else 500)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
