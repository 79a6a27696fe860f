"""Pages behind the session: generate (chat), projects, one project, settings."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from autocrea.accounts import keys, remotes, tokens
from autocrea.domain.prompt import MAX_PROMPT_CHARS
from autocrea.domain.run import ACTIVE, RunStatus
from autocrea.errors import NotFound
from autocrea.storage import runs as store
from autocrea.storage.git import ProjectRepo
from autocrea.storage.verification import state_of
from autocrea.web.auth import services
from autocrea.web.routes.preview import open_url
from autocrea.web.ui.queries import Used, credits_by_project, model_options
from autocrea.web.ui.render import render, to_login, viewer_for
from autocrea.web.ui.tree import file_tree

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Field(max_length=64)]
ACTIVE_STATUSES = frozenset(s.value for s in ACTIVE)


@router.get("/chat", response_class=HTMLResponse)
async def chat(request: Request, run: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    svc = services(request)
    current = project = None
    if run:
        current = await store.get_run(svc.sessions, run_id=run, user_id=viewer.user.id)
        project = await store.get_project(svc.sessions, user_id=viewer.user.id, project_id=current.project_id)
    return render(
        request,
        "chat.html",
        viewer=viewer,
        page_id="chat",
        models=await model_options(svc, user_id=viewer.user.id),
        run=current,
        project=project,
        prompt_limit=MAX_PROMPT_CHARS,
    )


@router.get("/projects", response_class=HTMLResponse)
async def projects(request: Request) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    svc = services(request)
    rows, total = await store.list_projects(svc.sessions, user_id=viewer.user.id, limit=100)
    used = await credits_by_project(svc.sessions, user_id=viewer.user.id)
    return render(
        request,
        "projects.html",
        viewer=viewer,
        page_id="projects",
        rows=[(p, r, used.get(p.id, Used(0, 0))) for p, r in rows],
        total=total,
    )


@router.get("/projects/{project_id}", response_class=HTMLResponse)
async def project_page(project_id: Id, request: Request) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    svc = services(request)
    project = await store.get_project(svc.sessions, user_id=viewer.user.id, project_id=project_id)
    runs = await store.list_runs(svc.sessions, user_id=viewer.user.id, project_id=project_id)
    # The app's state is its generation's, or its newest verified change's; a change in progress or
    # one that failed (the project is as it was) shows in the conversation instead, and a
    # verification in the header's badge and the Evidence tab.
    latest = next(
        (r for r in runs if r.kind == "generation" or (r.kind == "change" and r.status == "succeeded")), None
    )
    path = svc.jobs.projects_root / project_id
    files: dict[str, int] = {}
    head = None
    repo = None
    if (path / ".git").exists():
        repo = await asyncio.to_thread(ProjectRepo.open, path)
        head = await asyncio.to_thread(repo.head)
        if head is not None:
            files = {p: len(d) for p, d in (await asyncio.to_thread(repo.tree, head)).items()}
    verified = await asyncio.to_thread(state_of, repo, runs)
    preview = await svc.previews.get(project_id)
    try:
        remote = await remotes.get_remote(svc.sessions, user_id=viewer.user.id, project_id=project_id)
    except NotFound:
        remote = None  # none set yet: the Git panel asks for one
    return render(
        request,
        "project.html",
        viewer=viewer,
        page_id="project",
        project=project,
        latest=latest,
        active=latest is not None and latest.status in ACTIVE_STATUSES,  # a generation still running
        succeeded=latest is not None and latest.status == RunStatus.SUCCEEDED.value,
        verification=verified,
        head=head,
        tree=file_tree(files),
        file_count=len(files),
        first_file=_first_file(files),
        preview_running=preview is not None,
        change_cost=svc.settings.change_cost,
        change_models=await model_options(svc, user_id=viewer.user.id),
        prompt_limit=MAX_PROMPT_CHARS,
        remote=remote,
    )


@router.get("/projects/{project_id}/preview/open")
async def open_preview(project_id: Id, request: Request) -> Response:
    """The owner's link to the running preview in a tab of its own: a fresh capability each time."""
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    svc = services(request)
    await store.get_project(svc.sessions, user_id=viewer.user.id, project_id=project_id)
    preview = await svc.previews.get(project_id)
    if preview is None:
        raise NotFound("This project has no running preview.")
    return RedirectResponse(open_url(svc, preview), status_code=303, headers={"Cache-Control": "no-store"})


def _first_file(files: dict[str, int]) -> str:
    """What the editor opens first: the app's entry point when there is one."""
    for candidate in ("app/main.py", "README.md"):
        if candidate in files:
            return candidate
    return min(files, default="")


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(request: Request) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return to_login(request)
    svc = services(request)
    saved = {k.provider: k for k in await keys.list_keys(svc.sessions, user_id=viewer.user.id)}
    return render(
        request,
        "settings.html",
        viewer=viewer,
        page_id="settings",
        tokens=await tokens.list_tokens(svc.sessions, user_id=viewer.user.id),
        keys=saved,
        providers=("openai", "anthropic", "huggingface"),
    )
