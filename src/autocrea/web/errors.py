"""The API's one error shape, `{"error": {"code", "message", "details"}}`, for every failure."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException as StarletteHTTPException

from autocrea import errors as e
from autocrea.storage.faults import unavailable

log = logging.getLogger("autocrea.web")
BUSY_RETRY_AFTER = 5  # seconds a client should wait after a 503

# Most specific first: the first matching class decides the status.
STATUS: tuple[tuple[type[e.AutocreaError], int], ...] = (
    (e.TooLarge, 413),
    (e.PromptTooLong, 413),
    (e.InvalidInput, 400),
    (e.UnsafePath, 400),
    (e.SpecInvalid, 400),
    (e.ProviderNotConfigured, 400),
    (e.AuthError, 401),
    (e.InsufficientCredits, 402),
    (e.Forbidden, 403),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.CreditConflict, 409),
    (e.RateLimited, 429),
    (e.PushRejected, 409),
    (e.RemoteUnreachable, 502),
    (e.PushFailed, 400),
    (e.GitError, 400),
    (e.DatabaseError, 503),
    (e.PaymentsNotConfigured, 409),
    (e.PaymentProviderError, 502),
    (e.ProviderError, 502),
    (e.GenerationFailed, 422),
)
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    error: ErrorBody


# Documented on every route, so clients and schema checkers know the one shape (also FastAPI's 422).
RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "the request cannot be served: see `error.code`"},
    "5XX": {"model": ErrorOut, "description": "a dependency or the server failed"},
}


def status_for(exc: e.AutocreaError) -> int:
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 500)


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details or {}}},
        status_code=status,
        headers=headers,
    )


def _loc(parts: tuple[Any, ...] | list[Any]) -> list[str | int]:
    return [p if isinstance(p, int) else str(p)[:100] for p in parts]


def install(app: FastAPI, *, gate: Callable[[Request], Awaitable[None]] | None = None) -> None:
    """Error handlers for every failure. `gate` runs the sign-in and CSRF checks for a body that is
    not JSON at all: FastAPI parses a body before it runs dependencies, so without it a caller who
    is not signed in would learn about the body (422) before being told to sign in (401)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail) if exc.detail else code
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        if gate is not None and any(err.get("type") == "json_invalid" for err in exc.errors()):
            try:
                await gate(request)
            except e.AutocreaError as refused:
                return JSONResponse(refused.to_dict(), status_code=status_for(refused))
        problems = [
            {"loc": _loc(err["loc"]), "msg": str(err["msg"])[:300], "type": str(err["type"])}
            for err in exc.errors()[:20]
        ]
        first = problems[0] if problems else None
        where = ".".join(str(p) for p in first["loc"][1:]) if first else ""
        message = (
            f"The request is not valid: {where}: {first['msg']}"
            if first and where
            else ("The request is not valid.")
        )
        return error_response(422, "validation_error", message, {"errors": problems})

    @app.exception_handler(e.AutocreaError)
    async def domain_error(_: Request, exc: e.AutocreaError) -> JSONResponse:
        status = status_for(exc)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, e.RateLimited) else None
        if status >= 500:
            log.warning("request failed: %s", exc.code)
        return JSONResponse(exc.to_dict(), status_code=status, headers=headers)

    @app.exception_handler(sa.TimeoutError)
    async def busy(_: Request, exc: sa.TimeoutError) -> JSONResponse:
        # Every database connection stayed in use for the pool's whole timeout: overload, not a bug.
        log.warning("database connection pool exhausted: %s", exc)
        message = "The server is busy right now; please try again in a few seconds."
        return error_response(503, "busy", message, headers={"Retry-After": str(BUSY_RETRY_AFTER)})

    def database_unreachable(exc: Exception) -> JSONResponse:
        cause = exc.orig if isinstance(exc, sa.DBAPIError) and exc.orig else exc
        log.warning("database unavailable: %s", type(cause).__name__)
        message = "The database is not answering right now; please try again in a few seconds."
        return error_response(503, "database_error", message, headers={"Retry-After": str(BUSY_RETRY_AFTER)})

    # Registered by class so Starlette's ExceptionMiddleware answers them (the catch-all below is
    # answered by the outermost middleware, which also re-raises to the server's log).
    @app.exception_handler(sa.DBAPIError)
    @app.exception_handler(sa.DisconnectionError)
    @app.exception_handler(ConnectionError)
    async def database_error(_: Request, exc: Exception) -> JSONResponse:
        if unavailable(exc):
            return database_unreachable(exc)
        return internal_error()

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        if unavailable(exc):  # a driver error raised without SQLAlchemy's wrapping
            return database_unreachable(exc)
        return internal_error()

    def internal_error() -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "internal_error", "Something went wrong on our side; please try again.")
