"""Sharing a run: its owner turns a public read-only link on or off; anyone with the link reads it.

What a link shows is the run alone: its request, steps and events, the files of the version it
made or proved (that commit only, read-only) and its evidence. Never the account (no e-mail, credits,
keys or other projects and runs), the preview, or any other commit. A withdrawn or unknown token is
404 everywhere, and anonymous readers get no session cookie (these routes set none).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from autocrea.errors import GitError, NotFound
from autocrea.storage import runs as store
from autocrea.storage import shares
from autocrea.storage.git import ProjectRepo
from autocrea.storage.paths import safe_relpath
from autocrea.storage.tables import Run, RunEvent
from autocrea.storage.verification import evidence_commit
from autocrea.web.auth import Auth, Svc, anonymous_limit
from autocrea.web.ids import Id
from autocrea.web.routes.events import EVENT_ITEM, event_stream
from autocrea.web.routes.files import FileEntry, FileOut
from autocrea.web.services import Services
from autocrea.web.sse import EventStream
from autocrea.web.ui.evidence import EvidenceView, build_evidence

router = APIRouter(prefix="/api", tags=["sharing"])
MAX_EVENTS = 20_000
# What of a run's summary a link shows: everything but what it cost its owner.
PRIVATE_SUMMARY = frozenset({"credits"})
Token = Annotated[str, PathParam(max_length=64, description="the link's token")]


class ShareOut(BaseModel):
    url: str = Field(description="the public link; shown only now (only a hash of its token is kept)")
    created_at: datetime


class ShareStateOut(BaseModel):
    shared: bool
    since: datetime | None


class SharedRunOut(BaseModel):
    kind: str
    status: str
    prompt: str
    model: str
    error: str | None
    summary: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class TestOut(BaseModel):
    name: str
    outcome: str
    message: str


class PageOut(BaseModel):
    path: str
    status: int
    ms: float
    ok: bool


class FindingOut(BaseModel):
    severity: str
    tool: str
    rule: str
    location: str
    message: str


class StepOut(BaseModel):
    name: str
    title: str
    status: str
    summary: str
    seconds: float | None


class EvidenceOut(BaseModel):
    steps: list[StepOut]
    tests: list[TestOut]
    pages: list[PageOut]
    findings: list[FindingOut]


class SharedOut(BaseModel):
    project: str = Field(description="the project's name")
    run: SharedRunOut
    commit: str | None = Field(
        description="the version whose files the link shows; null when the run made none"
    )
    files: list[FileEntry]
    evidence: EvidenceOut
    events_url: str


@dataclass(frozen=True)
class Shared:
    """A shared run as the page and the API show it."""

    project: str
    run: Run
    commit: str | None
    files: dict[str, int]
    evidence: EvidenceView


def share_url(svc: Services, token: str) -> str:
    return f"{svc.settings.public_url.rstrip('/')}/share/{token}"


@router.post("/runs/{run_id}/share", status_code=201, response_model=ShareOut)
async def share(run_id: Id, principal: Auth, svc: Svc) -> ShareOut:
    """Turn the run's public link on; each call makes a new link and the previous one stops working."""
    made = await shares.share_run(svc.sessions, user_id=principal.user.id, run_id=run_id)
    return ShareOut(url=share_url(svc, made.token), created_at=made.created_at)


@router.get("/runs/{run_id}/share", response_model=ShareStateOut)
async def share_state(run_id: Id, principal: Auth, svc: Svc) -> ShareStateOut:
    since = await shares.shared_since(svc.sessions, user_id=principal.user.id, run_id=run_id)
    return ShareStateOut(shared=since is not None, since=since)


@router.delete("/runs/{run_id}/share", status_code=204)
async def unshare(run_id: Id, principal: Auth, svc: Svc) -> Response:
    await shares.unshare_run(svc.sessions, user_id=principal.user.id, run_id=run_id)
    return Response(status_code=204)


async def _repo(svc: Services, run: Run) -> ProjectRepo | None:
    path: Path = svc.jobs.projects_root / run.project_id
    if not (path / ".git").exists():
        return None
    return await asyncio.to_thread(ProjectRepo.open, path)


async def _events(svc: Services, run_id: str) -> list[RunEvent]:
    rows: list[RunEvent] = []
    after = 0
    while len(rows) < MAX_EVENTS:
        batch = await store.read_events(svc.sessions, run_id=run_id, after=after)
        if not batch:
            break
        rows.extend(batch)
        after = batch[-1].seq
    return rows


async def shared(svc: Services, token: str) -> Shared:
    """What a link shows; NotFound when it does not exist (any more)."""
    run = await shares.shared_run(svc.sessions, token=token)
    project = await store.get_project(svc.sessions, user_id=run.user_id, project_id=run.project_id)
    repo = await _repo(svc, run)
    commit = files = security_md = None
    if repo is not None:
        commit = await asyncio.to_thread(evidence_commit, repo, run)
    if repo is not None and commit is not None:
        tree = await asyncio.to_thread(repo.tree, commit)
        files = {path: len(data) for path, data in tree.items()}
        report = tree.get("SECURITY.md")
        security_md = report.decode("utf-8", "replace") if report is not None else None
    rows = await _events(svc, run.id)
    evidence = build_evidence(({"type": r.type, "step": r.step, "data": r.data} for r in rows), security_md)
    return Shared(project.name, run, commit, files or {}, evidence)


def public_summary(run: Run) -> dict[str, Any]:
    return {k: v for k, v in (run.summary or {}).items() if k not in PRIVATE_SUMMARY}


@router.get("/share/{token}", response_model=SharedOut, dependencies=[Depends(anonymous_limit)])
async def read_shared(token: Token, svc: Svc) -> SharedOut:
    """A shared run: its request, outcome, the files of its version and its evidence (no account data)."""
    found = await shared(svc, token)
    run, ev = found.run, found.evidence
    return SharedOut(
        project=found.project,
        run=SharedRunOut(
            kind=run.kind,
            status=run.status,
            prompt=run.prompt,
            model=run.model,
            error=run.error,
            summary=public_summary(run),
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        ),
        commit=found.commit,
        files=[FileEntry(path=p, size=s) for p, s in sorted(found.files.items())],
        evidence=EvidenceOut(
            steps=[
                StepOut(name=x.name, title=x.title, status=x.status, summary=x.summary, seconds=x.seconds)
                for x in ev.steps
            ],
            tests=[TestOut(name=t.name, outcome=t.outcome, message=t.message) for t in ev.tests],
            pages=[PageOut(path=p.path, status=p.status, ms=p.ms, ok=p.ok) for p in ev.pages],
            findings=[
                FindingOut(
                    severity=f.severity, tool=f.tool, rule=f.rule, location=f.location, message=f.message
                )
                for f in ev.findings
            ],
        ),
        events_url=f"/api/share/{token}/events",
    )


async def _shared_run(token: Token, svc: Svc) -> Run:
    # A dependency, not the stream's first line: a stream's errors come after its 200 has been sent.
    return await shares.shared_run(svc.sessions, token=token)


@router.get(
    "/share/{token}/events",
    response_class=EventStream,
    status_code=200,
    responses={200: {"content": {"text/event-stream": {"itemSchema": EVENT_ITEM}}}},
    dependencies=[Depends(anonymous_limit)],
)
async def shared_events(
    run: Annotated[Run, Depends(_shared_run)],
    request: Request,
    svc: Svc,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    after: Annotated[int | None, Query(ge=0, le=10**9)] = None,
) -> EventStream:
    """The shared run's events as Server-Sent Events, replayed like the owner's stream."""
    return event_stream(svc, request, run.id, last_event_id=last_event_id, after=after)


@router.get(
    "/share/{token}/files/{path:path}", response_model=FileOut, dependencies=[Depends(anonymous_limit)]
)
async def shared_file(token: Token, path: str, svc: Svc) -> FileOut:
    """One file of the shared run's version (that version only)."""
    rel = safe_relpath(path)
    run = await shares.shared_run(svc.sessions, token=token)
    repo = await _repo(svc, run)
    commit = await asyncio.to_thread(evidence_commit, repo, run) if repo is not None else None
    if repo is None or commit is None:
        raise NotFound("This run made no version: it has no files to show.")
    try:
        data = await asyncio.to_thread(repo.read, commit, rel)
    except GitError as exc:
        raise NotFound(f"No file {rel!r} in this run's version.") from exc
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return FileOut(path=rel, commit=commit, size=len(data), binary=text is None, content=text)
