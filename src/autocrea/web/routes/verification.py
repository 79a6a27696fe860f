"""Verifying a project's current version: its state (is the shown evidence for HEAD?) and a verify run.

A hand edit makes the evidence of the last run describe an older version; `POST .../verify` starts a
verify run (free, rate-limited like changes; 409 while the project runs anything) whose live steps
are at `events_url` like any run's, and whose evidence is then the project's.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from autocrea.jobs.verification import start_verify, verification
from autocrea.storage.verification import Verification
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id
from autocrea.web.routes.projects import RunOut, run_out

router = APIRouter(prefix="/api/projects/{project_id}", tags=["verification"])


class VerificationOut(BaseModel):
    state: Literal["verified", "failing", "stale", "verifying", "unverified"] = Field(
        description="verified or failing: the evidence is for the current version and says so; stale: it "
        "is for `commit`, an older version; verifying: a verify run is in progress; unverified: none"
    )
    head: str | None = Field(description="the project's current version")
    commit: str | None = Field(description="the version the shown evidence is for")
    run: RunOut | None = Field(description="the run whose evidence is shown")
    active_run: RunOut | None = Field(description="a run in progress (of any kind)")


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base: str | None = Field(
        default=None, min_length=4, max_length=64, description="verify only if this is still HEAD"
    )


class VerifyStartedOut(BaseModel):
    run: RunOut
    verification: VerificationOut


def verification_out(found: Verification) -> VerificationOut:
    return VerificationOut(
        state=found.state,
        head=found.head,
        commit=found.commit,
        run=run_out(found.run) if found.run is not None else None,
        active_run=run_out(found.active) if found.active is not None else None,
    )


@router.get("/verification", response_model=VerificationOut)
async def state(project_id: Id, principal: Auth, svc: Svc) -> VerificationOut:
    found = await verification(
        svc.sessions, projects_root=svc.jobs.projects_root, user_id=principal.user.id, project_id=project_id
    )
    return verification_out(found)


@router.post("/verify", status_code=202, response_model=VerifyStartedOut)
async def verify(project_id: Id, principal: Auth, svc: Svc, body: VerifyIn | None = None) -> VerifyStartedOut:
    """Free: no credits are held. Rate-limited per user with AUTOCREA_RATE_LIMIT_GENERATE."""
    user_id = principal.user.id
    await svc.limiter.hit(
        svc.rates.generate,
        "verify",
        user_id,
        message="You asked for too many verifications in a short time; wait a moment and try again.",
    )
    run = await start_verify(
        svc.sessions,
        svc.bus,
        projects_root=svc.jobs.projects_root,
        user_id=user_id,
        project_id=project_id,
        base=body.base if body is not None else None,
    )
    found = await verification(
        svc.sessions, projects_root=svc.jobs.projects_root, user_id=user_id, project_id=project_id
    )
    return VerifyStartedOut(run=run_out(run), verification=verification_out(found))
