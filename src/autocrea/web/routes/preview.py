"""Live preview API: start, look at, and stop the running app of a project (one per project), and
reset the data its app keeps across restarts and new versions."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from autocrea.errors import Conflict, GitError, NotFound
from autocrea.jobs.preview import Preview
from autocrea.storage import runs as store
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id
from autocrea.web.preview_pass import LINK_SECONDS, OPEN_PATH, preview_url
from autocrea.web.routes.files import missing

router = APIRouter(prefix="/api/projects/{project_id}/preview", tags=["preview"])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str = Field(default="HEAD", max_length=80)


class PreviewOut(BaseModel):
    id: str
    url: str = Field(description="the preview's own origin (never AUTOCREA's); it answers only its owner")
    open_url: str = Field(
        description=f"the owner's way in: `url` with a capability valid for {LINK_SECONDS} s, exchanged "
        'for a pass cookie on the preview origin; frame it with sandbox="allow-scripts allow-forms '
        "allow-same-origin\" (the origin is the preview's own, so the frame cannot reach AUTOCREA)"
    )
    commit: str
    started_at: datetime


def _out(svc: Svc, preview: Preview) -> PreviewOut:
    return PreviewOut(
        id=preview.id,
        url=preview_url(svc.settings.preview_base_url, preview.id),
        open_url=open_url(svc, preview),
        commit=preview.commit,
        started_at=preview.started_at,
    )


def open_url(svc: Svc, preview: Preview) -> str:
    """The preview's address with a fresh capability for its owner."""
    cap = svc.passes.mint("link", preview_id=preview.id, user_id=preview.user_id, seconds=LINK_SECONDS)
    return preview_url(svc.settings.preview_base_url, preview.id) + OPEN_PATH.lstrip("/") + "?cap=" + cap


@router.post("", status_code=201, response_model=PreviewOut)
async def start(project_id: Id, principal: Auth, svc: Svc, body: PreviewIn | None = None) -> PreviewOut:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    if await store.active_run(svc.sessions, project_id=project_id) is not None:
        raise Conflict("The project is still being generated; preview it when the run ends.")
    try:
        preview = await svc.previews.start(
            project_id=project_id, user_id=principal.user.id, ref=(body.ref if body else "HEAD")
        )
    except GitError as exc:
        not_found = missing(exc)
        if not_found is None:
            raise
        raise not_found from exc
    return _out(svc, preview)


@router.get("", response_model=PreviewOut)
async def status(project_id: Id, principal: Auth, svc: Svc) -> PreviewOut:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    preview = await svc.previews.get(project_id)
    if preview is None:
        why = await svc.previews.data_over_cap(project_id)
        raise NotFound("This project has no running preview." + (f" {why}" if why else ""))
    return _out(svc, preview)


@router.delete("", status_code=204)
async def stop(project_id: Id, principal: Auth, svc: Svc) -> Response:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    await svc.previews.stop(project_id)
    return Response(status_code=204)


@router.delete("/data", status_code=204)
async def reset_data(project_id: Id, principal: Auth, svc: Svc) -> Response:
    """Empty the records the preview's app keeps; a running preview starts again on empty data."""
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    if await store.active_run(svc.sessions, project_id=project_id) is not None:
        raise Conflict("The project is being generated or changed; reset its preview data when the run ends.")
    await svc.previews.reset_data(project_id=project_id, user_id=principal.user.id)
    return Response(status_code=204)
