"""Project files API: tree and files at any commit, edits as commits, history, diff, restore, ZIP.

A save or a restore is a commit by the user; a running preview restarts at it once the answer is
sent (new, renamed and deleted files: routes/filetree.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import APIRouter, BackgroundTasks, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from autocrea.errors import Conflict, GitError, InvalidInput, NotFound, TooLarge
from autocrea.storage import runs as store
from autocrea.storage.archive import zip_commit
from autocrea.storage.git import Author, ProjectRepo
from autocrea.storage.paths import safe_relpath
from autocrea.storage.tables import User
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id

router = APIRouter(prefix="/api/projects/{project_id}", tags=["files"])
log = logging.getLogger("autocrea.web")
Ref = Annotated[str, Query(max_length=80, description="commit sha, HEAD or HEAD~n")]
T = TypeVar("T")
MAX_EDIT_BYTES = 500_000
MAX_PATCH_CHARS = 2_000_000


class FileEntry(BaseModel):
    path: str
    size: int


class TreeOut(BaseModel):
    commit: str
    files: list[FileEntry]


class FileOut(BaseModel):
    path: str
    commit: str
    size: int
    binary: bool
    content: str | None


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(max_length=MAX_EDIT_BYTES)
    message: str = Field(default="", max_length=500)
    # At least 4 characters: the base is compared as a sha prefix, and "" is a prefix of every sha.
    base: str | None = Field(
        default=None, min_length=4, max_length=64, description="the commit the edit started from"
    )


class CommitOut(BaseModel):
    sha: str
    message: str
    author_name: str
    author_email: str
    role: str | None
    committed_at: datetime
    parents: list[str]
    files_changed: int


class ChangeOut(BaseModel):
    path: str
    status: str
    additions: int
    deletions: int
    old_path: str | None


class DiffOut(BaseModel):
    base: str
    head: str
    files: list[ChangeOut]
    patch: str
    truncated: bool


class RestoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commit: str = Field(min_length=4, max_length=64)


class SavedOut(BaseModel):
    commit: str


async def _repo(svc: Svc, user_id: str, project_id: str) -> ProjectRepo:
    await store.get_project(svc.sessions, user_id=user_id, project_id=project_id)
    path: Path = svc.jobs.projects_root / project_id
    if not (path / ".git").exists():
        raise NotFound("This project has no files yet.")
    return await asyncio.to_thread(ProjectRepo.open, path)


async def idle_repo(svc: Svc, user_id: str, project_id: str, *, doing: str) -> ProjectRepo:
    """The repository of a project no run is writing to; checked first, as a new run has no files yet."""
    await store.get_project(svc.sessions, user_id=user_id, project_id=project_id)
    if await store.active_run(svc.sessions, project_id=project_id) is not None:
        raise Conflict(
            f"The project is running a generation, a change or a verification; {doing} when it ends."
        )
    return await _repo(svc, user_id, project_id)


def missing(exc: GitError) -> NotFound | None:
    """The 404 for an unknown revision or file; None for other repository errors."""
    if "unknown revision" in exc.message or "no file" in exc.message or "no commits" in exc.message:
        return NotFound(exc.message, details=exc.details)
    return None


async def git_call(call: Callable[[], T]) -> T:
    """Run a repository call in a thread."""
    try:
        return await asyncio.to_thread(call)
    except GitError as exc:
        not_found = missing(exc)
        if not_found is None:
            raise
        raise not_found from exc


def checked_content(content: str) -> bytes:
    """A file's text as the editor sent it: refused when over the size limit or binary (a NUL)."""
    data = content.encode()
    if len(data) > MAX_EDIT_BYTES:
        raise TooLarge(f"A file can have at most {MAX_EDIT_BYTES:,} bytes.")
    if "\x00" in content:
        raise InvalidInput(
            "Binary content (a NUL character) cannot be written from the editor.",
            details={"field": "content", "reason": "binary"},
        )
    return data


async def refresh_preview(svc: Svc, *, project_id: str, user_id: str) -> None:
    """Restart a running preview at HEAD (a background task: the commit is made and answered)."""
    try:
        await svc.previews.refresh(project_id=project_id, user_id=user_id)
    except Exception:  # the edit is made; a preview that did not restart shows the version before
        log.warning("the preview of project %s did not restart after an edit", project_id, exc_info=True)


def user_author(user: User) -> Author:
    try:
        return Author(name=user.display_name or user.email, email=user.email)
    except GitError:  # a display name with characters git signatures cannot hold
        return Author(name="AUTOCREA user", email=user.email)


@router.get("/tree", response_model=TreeOut)
async def tree(project_id: Id, principal: Auth, svc: Svc, ref: Ref = "HEAD") -> TreeOut:
    repo = await _repo(svc, principal.user.id, project_id)
    commit: str = await git_call(lambda: repo.resolve(ref))
    files: dict[str, bytes] = await git_call(lambda: repo.tree(commit))
    return TreeOut(commit=commit, files=[FileEntry(path=p, size=len(d)) for p, d in sorted(files.items())])


@router.get("/files/{path:path}", response_model=FileOut)
async def read_file(project_id: Id, path: str, principal: Auth, svc: Svc, ref: Ref = "HEAD") -> FileOut:
    rel = safe_relpath(path)
    repo = await _repo(svc, principal.user.id, project_id)
    commit: str = await git_call(lambda: repo.resolve(ref))
    data: bytes = await git_call(lambda: repo.read(commit, rel))
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return FileOut(path=rel, commit=commit, size=len(data), binary=text is None, content=text)


@router.put("/files/{path:path}", response_model=SavedOut)
async def save_file(
    project_id: Id, path: str, body: EditIn, principal: Auth, svc: Svc, background: BackgroundTasks
) -> SavedOut:
    rel = safe_relpath(path)
    content = checked_content(body.content)
    repo = await idle_repo(svc, principal.user.id, project_id, doing="save your change")
    message = body.message.strip().splitlines()[0][:200] if body.message.strip() else f"Edit {rel}"
    sha: str = await git_call(
        lambda: repo.commit_files(
            {rel: content}, message=message, author=user_author(principal.user), expected_head=body.base
        )
    )
    background.add_task(refresh_preview, svc, project_id=project_id, user_id=principal.user.id)
    return SavedOut(commit=sha)


def _role(email: str) -> str | None:
    local, _, domain = email.partition("@")
    return local if domain == "autocrea.local" else None


@router.get("/commits", response_model=list[CommitOut])
async def commits(
    project_id: Id, principal: Auth, svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> list[CommitOut]:
    repo = await _repo(svc, principal.user.id, project_id)
    history = await asyncio.to_thread(lambda: repo.history(limit=limit))
    return [
        CommitOut(
            sha=c.sha,
            message=c.message.strip(),
            author_name=c.author.name,
            author_email=c.author.email,
            role=_role(c.author.email),
            committed_at=datetime.fromtimestamp(c.timestamp, UTC),
            parents=list(c.parents),
            files_changed=c.files_changed,
        )
        for c in history
    ]


@router.get("/diff", response_model=DiffOut)
async def diff(
    project_id: Id,
    principal: Auth,
    svc: Svc,
    head: Ref = "HEAD",
    base: Annotated[str | None, Query(max_length=80, description="default: head's parent")] = None,
) -> DiffOut:
    repo = await _repo(svc, principal.user.id, project_id)
    head_sha: str = await git_call(lambda: repo.resolve(head))
    if base is None:
        parents = [
            c.parents for c in await asyncio.to_thread(lambda: repo.history(limit=500)) if c.sha == head_sha
        ]
        if not parents or not parents[0]:
            raise InvalidInput("This commit has no parent; give `base` to compare with.")
        base = parents[0][0]
    result = await git_call(lambda: repo.diff(base, head_sha))
    patch = result.patch
    return DiffOut(
        base=result.base,
        head=result.head,
        files=[
            ChangeOut(
                path=f.path,
                status=f.status,
                additions=f.additions,
                deletions=f.deletions,
                old_path=f.old_path,
            )
            for f in result.files
        ],
        patch=patch[:MAX_PATCH_CHARS],
        truncated=len(patch) > MAX_PATCH_CHARS,
    )


@router.post("/restore", response_model=SavedOut)
async def restore(
    project_id: Id, body: RestoreIn, principal: Auth, svc: Svc, background: BackgroundTasks
) -> SavedOut:
    repo = await idle_repo(svc, principal.user.id, project_id, doing="restore")
    sha: str = await git_call(lambda: repo.restore(body.commit, author=user_author(principal.user)))
    background.add_task(refresh_preview, svc, project_id=project_id, user_id=principal.user.id)
    return SavedOut(commit=sha)


@router.get(
    "/zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "the project's files at `ref`"}},
)
async def download_zip(project_id: Id, principal: Auth, svc: Svc, ref: Ref = "HEAD") -> Response:
    project = await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    repo = await _repo(svc, principal.user.id, project_id)
    commit: str = await git_call(lambda: repo.resolve(ref))
    data: bytes = await git_call(lambda: zip_commit(repo, commit, prefix=project.slug or "app"))
    name = f"{project.slug or 'app'}-{commit[:7]}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private"},
    )
