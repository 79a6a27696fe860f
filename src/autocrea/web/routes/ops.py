"""Operations: liveness, readiness (each dependency: database, Redis, sandbox), metrics."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from autocrea import __version__
from autocrea.billing.reconciliation import mismatches
from autocrea.domain.credits import EntryKind
from autocrea.domain.run import RunStatus
from autocrea.storage.runs import count_by_status
from autocrea.storage.tables import CreditEntry
from autocrea.web.auth import Svc
from autocrea.web.errors import error_response
from autocrea.web.observe import Metrics

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


REDIS_POLICY = (
    "while Redis is down: rate limits are counted in each process's memory, live events are read "
    "from the database every second, workers poll the queue"
)


@router.get("/ready", responses={503: {"description": "the database is not reachable"}})
async def ready(svc: Svc) -> Response:
    """Each dependency's state. Ready (200) while the database answers; Redis down is reported, with
    the policy in force, but does not make the server unready: it serves without it."""
    try:
        async with svc.sessions() as session:
            await session.execute(text("SELECT 1"))
        database: dict[str, object] = {"ok": True}
    except Exception as exc:
        database = {"ok": False, "error": type(exc).__name__}
    chosen = svc.sandbox
    details: dict[str, object] = {
        "database": database,
        "redis": await _redis(svc),
        "sandbox": {
            "kind": chosen.sandbox.kind,
            "isolated": chosen.isolated,
            "mechanism": chosen.mechanism,
            "warning": chosen.warning,
        },
    }
    if not database["ok"]:
        return error_response(503, "not_ready", "The database is not reachable.", details)
    return JSONResponse({"status": "ready", "details": details})


async def _redis(svc: Svc) -> dict[str, object] | None:
    if not svc.settings.redis_url:
        return None  # not configured: one process, everything in memory
    ok = await svc.limiter.shared() and svc.bus.live
    return {"ok": ok, "policy": None if ok else REDIS_POLICY}


def _scraper_allowed(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@router.get(
    "/metrics", response_class=Response, responses={401: {"description": "AUTOCREA_METRICS_TOKEN is set"}}
)
async def metrics(request: Request, svc: Svc) -> Response:
    token = svc.settings.metrics_token
    if token is not None and not _scraper_allowed(request, token.get_secret_value()):
        # Run counts and credits spent are business numbers: only the configured scraper sees them.
        message = "Metrics need the scraper's token (Authorization: Bearer …)."
        return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})
    registry: Metrics = request.app.state.metrics
    counts = await count_by_status(svc.sessions)
    for status in RunStatus:
        registry.runs.labels(status.value).set(counts.get(status.value, 0))
    async with svc.sessions() as session:
        spent = await session.scalar(
            select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
                CreditEntry.kind == EntryKind.SETTLE.value
            )
        )
    registry.credits_spent.set(int(spent or 0))
    registry.credit_mismatches.set(len(await mismatches(svc.sessions)))
    registry.ratelimit_fallbacks.set(svc.limiter.fallbacks)
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
