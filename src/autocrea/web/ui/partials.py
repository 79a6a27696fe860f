"""Server-rendered fragments the project page loads with htmx: history, one diff, evidence."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from autocrea.errors import GitError, NotFound
from autocrea.storage import runs as store
from autocrea.storage.git import ProjectRepo
from autocrea.storage.tables import RunEvent
from autocrea.storage.verification import evidence_commit, evidence_run
from autocrea.web.auth import services
from autocrea.web.ui.evidence import build_evidence, step_words
from autocrea.web.ui.render import Viewer, render, viewer_for

router = APIRouter(prefix="/projects/{project_id}/part", include_in_schema=False)
MAX_DIFF_LINES = 4000
MAX_EVENTS = 20_000


async def _open(request: Request, project_id: str) -> tuple[Viewer, ProjectRepo] | Response:
    viewer = await viewer_for(request)
    if viewer is None:  # htmx follows HX-Redirect with a full page load: the session ended
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    svc = services(request)
    await store.get_project(svc.sessions, user_id=viewer.user.id, project_id=project_id[:64])
    path: Path = svc.jobs.projects_root / project_id
    if not (path / ".git").exists():
        raise NotFound("This project has no files yet.")
    return viewer, await asyncio.to_thread(ProjectRepo.open, path)


@router.get("/history", response_class=HTMLResponse)
async def history(project_id: str, request: Request) -> Response:
    opened = await _open(request, project_id)
    if isinstance(opened, Response):
        return opened
    viewer, repo = opened
    commits = await asyncio.to_thread(lambda: repo.history(limit=200))
    head = commits[0].sha if commits else None
    return render(
        request, "parts/history.html", viewer=viewer, commits=commits, head=head, project_id=project_id
    )


@router.get("/diff", response_class=HTMLResponse)
async def diff(
    project_id: str, request: Request, sha: Annotated[str, Query(min_length=4, max_length=64)]
) -> Response:
    opened = await _open(request, project_id)
    if isinstance(opened, Response):
        return opened
    viewer, repo = opened
    try:
        head = await asyncio.to_thread(repo.resolve, sha)
        parents = [
            c.parents for c in await asyncio.to_thread(lambda: repo.history(limit=500)) if c.sha == head
        ]
        base = parents[0][0] if parents and parents[0] else None
        result = await asyncio.to_thread(repo.diff, base, head) if base else None
    except GitError as exc:
        raise NotFound(exc.message) from exc
    lines = result.patch.splitlines()[:MAX_DIFF_LINES] if result else []
    return render(
        request,
        "parts/diff.html",
        viewer=viewer,
        sha=head,
        changes=result.files if result else [],
        lines=lines,
        truncated=result is not None and len(result.patch.splitlines()) > MAX_DIFF_LINES,
        first_commit=base is None,
    )


@router.get("/evidence", response_class=HTMLResponse)
async def evidence(project_id: str, request: Request) -> Response:
    viewer = await viewer_for(request)
    if viewer is None:
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    svc = services(request)
    runs = await store.list_runs(svc.sessions, user_id=viewer.user.id, project_id=project_id[:64])
    if not runs:
        raise NotFound("This project has no runs.")
    # What the project proved last: its generation, its newest verified change or its newest verify,
    # passing or failing (a change that failed left the version before it); while the first
    # generation runs, that run. Whether it is for the current version is said above it.
    run = evidence_run(runs) or runs[0]
    rows: list[RunEvent] = []
    after = 0
    while len(rows) < MAX_EVENTS:
        batch = await store.read_events(svc.sessions, run_id=run.id, after=after)
        if not batch:
            break
        rows.extend(batch)
        after = batch[-1].seq
    security_md = None
    path = svc.jobs.projects_root / run.project_id
    if (path / ".git").exists():
        repo = await asyncio.to_thread(ProjectRepo.open, path)
        # The report of the version the evidence is for, not a newer one's.
        at = await asyncio.to_thread(evidence_commit, repo, run) or "HEAD"
        try:
            security_md = (await asyncio.to_thread(repo.read, at, "SECURITY.md")).decode("utf-8", "replace")
        except GitError:
            security_md = None  # a run that failed before the security role wrote nothing to read
    view = build_evidence(({"type": r.type, "step": r.step, "data": r.data} for r in rows), security_md)
    return render(
        request,
        "parts/evidence.html",
        viewer=viewer,
        run=run,
        ev=view,
        summary=run.summary or {},
        step_words=step_words,
    )
