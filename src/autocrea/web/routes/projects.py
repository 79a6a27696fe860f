"""Projects and runs API: start a generation (202), list, get, delete, cancel."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from autocrea.domain.prompt import MAX_PROMPT_CHARS
from autocrea.errors import Conflict
from autocrea.jobs.launch import cancel_run, check_idempotency_key, price_for, start_generation
from autocrea.jobs.models import check_model_for_user
from autocrea.storage import runs as store
from autocrea.storage.tables import Project, Run
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id

router = APIRouter(prefix="/api", tags=["projects"])


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # No max_length here: the body limit bounds it, and a too-long prompt gets the clear 413 of clean_prompt.
    prompt: str = Field(
        description=f"what to build, Spanish or English; at most {MAX_PROMPT_CHARS:,} characters"
    )
    name: str = Field(default="", max_length=200)
    model: str = Field(
        default="blueprint", max_length=250, description="blueprint, joxcoder, openai:<m>, anthropic:<m>"
    )
    fallback: bool = Field(
        default=True,
        description="when the chosen model fails (unusable or too slow answers), let the Blueprint "
        "build the app at the offline price; false: the run fails and its credits are returned",
    )


class RunOut(BaseModel):
    id: str
    project_id: str
    kind: str = Field(
        description="generation (built the project), change (a request from its chat) or verify "
        "(its current version proved again)"
    )
    status: str
    model: str  # asked for; once verified, what built it ("built offline: <model> failed (<reason>)")
    fallback: bool
    error: str | None
    summary: dict[str, Any]
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    base_commit: str | None = Field(
        description="a change: the version it started from; a verify: the version it proves"
    )
    commit: str | None = Field(
        description="the version the run's evidence is for (a change: the verified version it ended as)"
    )
    events_url: str


class ProjectOut(BaseModel):
    id: str
    name: str
    slug: str
    prompt: str
    model: str
    created_at: datetime
    updated_at: datetime
    latest_run: RunOut | None


class CreatedOut(BaseModel):
    project: ProjectOut
    run: RunOut


class ProjectPage(BaseModel):
    items: list[ProjectOut]
    total: int
    limit: int
    offset: int


def run_out(run: Run) -> RunOut:
    return RunOut(
        id=run.id,
        project_id=run.project_id,
        kind=run.kind,
        status=run.status,
        model=run.model,
        fallback=run.fallback,
        error=run.error,
        summary=run.summary or {},
        cancel_requested=run.cancel_requested,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        base_commit=run.base_commit,
        commit=run.commit,
        events_url=f"/api/runs/{run.id}/events",
    )


def project_out(project: Project, latest: Run | None) -> ProjectOut:
    return ProjectOut(
        id=project.id,
        name=project.name,
        slug=project.slug,
        prompt=project.prompt,
        model=project.model,
        created_at=project.created_at,
        updated_at=project.updated_at,
        latest_run=run_out(latest) if latest is not None else None,
    )


@router.post("/projects", status_code=202, response_model=CreatedOut)
async def create_project(
    body: ProjectIn,
    principal: Auth,
    svc: Svc,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CreatedOut:
    user_id = principal.user.id
    key = check_idempotency_key(idempotency_key)
    await svc.limiter.hit(
        svc.rates.generate,
        "generate",
        user_id,
        message="You started too many generations in a short time; wait a moment and try again.",
    )

    async def check_model(spec: str) -> None:
        await check_model_for_user(
            spec, svc.models, sessions=svc.sessions, fernet=svc.fernet, user_id=user_id
        )

    project, run, _ = await start_generation(
        svc.sessions,
        svc.bus,
        user_id=user_id,
        prompt=body.prompt,
        name=body.name,
        model=body.model,
        cost=price_for(
            body.model, model_cost=svc.settings.generation_cost, offline_cost=svc.settings.offline_cost
        ),
        idempotency_key=key,
        check_model=check_model,
        fallback=body.fallback,
    )
    return CreatedOut(project=project_out(project, run), run=run_out(run))


@router.get("/projects", response_model=ProjectPage)
async def list_projects(
    principal: Auth,
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ProjectPage:
    rows, total = await store.list_projects(
        svc.sessions, user_id=principal.user.id, limit=limit, offset=offset
    )
    return ProjectPage(items=[project_out(p, r) for p, r in rows], total=total, limit=limit, offset=offset)


@router.get("/projects/{project_id}", response_model=ProjectOut)
async def get_project(project_id: Id, principal: Auth, svc: Svc) -> ProjectOut:
    project = await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    runs = await store.list_runs(svc.sessions, user_id=principal.user.id, project_id=project_id)
    return project_out(project, runs[0] if runs else None)


@router.delete("/projects/{project_id}", status_code=204)
async def delete_project(project_id: Id, principal: Auth, svc: Svc) -> Response:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    if await store.active_run(svc.sessions, project_id=project_id) is not None:
        raise Conflict("This project is still generating; cancel the run first.")
    if await svc.previews.get(project_id) is not None:
        await svc.previews.stop(project_id)
    await store.delete_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    await asyncio.to_thread(shutil.rmtree, svc.jobs.projects_root / project_id, True)
    await svc.previews.remove_data(project_id)
    return Response(status_code=204)


@router.get("/projects/{project_id}/runs", response_model=list[RunOut])
async def list_runs(project_id: Id, principal: Auth, svc: Svc) -> list[RunOut]:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    return [
        run_out(r)
        for r in await store.list_runs(svc.sessions, user_id=principal.user.id, project_id=project_id)
    ]


@router.get("/runs/{run_id}", response_model=RunOut)
async def get_run(run_id: Id, principal: Auth, svc: Svc) -> RunOut:
    return run_out(await store.get_run(svc.sessions, run_id=run_id, user_id=principal.user.id))


@router.post("/runs/{run_id}/cancel", status_code=202, response_model=RunOut)
async def cancel(run_id: Id, principal: Auth, svc: Svc) -> RunOut:
    return run_out(await cancel_run(svc.jobs, user_id=principal.user.id, run_id=run_id))
