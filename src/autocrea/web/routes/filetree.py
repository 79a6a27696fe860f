"""New, renamed and deleted files and folders from the project's editor: one commit by the user each.

Paths are checked like every other path (storage/paths.py: no absolute paths, `..`, `.git`, links);
a name that is taken is a 409, a missing one a 404. `base`, the version the editor shows, makes the
operation conditional like a save: a commit made meanwhile is a 409 and nothing changes. A running
preview restarts at the new version once the answer is sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query
from pydantic import BaseModel, ConfigDict, Field

from autocrea.storage import filetree
from autocrea.storage.paths import safe_relpath
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id
from autocrea.web.routes.files import (
    MAX_EDIT_BYTES,
    checked_content,
    git_call,
    idle_repo,
    refresh_preview,
    user_author,
)

router = APIRouter(prefix="/api/projects/{project_id}", tags=["files"])
Base = Field(default=None, min_length=4, max_length=64, description="the commit the editor shows")


class CreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(max_length=1000, description="the new file's path, or the new folder's")
    folder: bool = Field(default=False, description="a folder (kept by an empty .gitkeep in it)")
    content: str = Field(default="", max_length=MAX_EDIT_BYTES)
    message: str = Field(default="", max_length=500)
    base: str | None = Base


class RenameIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(max_length=1000, description="a file, or a folder (every file in it moves)")
    to: str = Field(max_length=1000, description="the new path; it must be free")
    message: str = Field(default="", max_length=500)
    base: str | None = Base


class EditedOut(BaseModel):
    commit: str
    path: str = Field(description="the file or folder created, renamed (its new path) or deleted")
    files: list[str] = Field(description="the files the commit wrote or deleted")


def _message(text: str) -> str | None:
    return text.strip().splitlines()[0][:200] if text.strip() else None


@router.post("/files", status_code=201, response_model=EditedOut)
async def create(
    project_id: Id, body: CreateIn, principal: Auth, svc: Svc, background: BackgroundTasks
) -> EditedOut:
    rel = safe_relpath(body.path)
    content = checked_content(body.content)
    repo = await idle_repo(svc, principal.user.id, project_id, doing="create files")
    sha = await git_call(
        lambda: filetree.create(
            repo,
            rel,
            content=content,
            folder=body.folder,
            author=user_author(principal.user),
            message=_message(body.message),
            base=body.base,
        )
    )
    background.add_task(refresh_preview, svc, project_id=project_id, user_id=principal.user.id)
    written = f"{rel}/{filetree.KEEP}" if body.folder else rel
    return EditedOut(commit=sha, path=rel, files=[written])


@router.post("/rename", response_model=EditedOut)
async def rename(
    project_id: Id, body: RenameIn, principal: Auth, svc: Svc, background: BackgroundTasks
) -> EditedOut:
    rel, target = safe_relpath(body.path), safe_relpath(body.to)
    repo = await idle_repo(svc, principal.user.id, project_id, doing="rename files")
    sha, moved = await git_call(
        lambda: filetree.rename(
            repo,
            rel,
            target,
            author=user_author(principal.user),
            message=_message(body.message),
            base=body.base,
        )
    )
    background.add_task(refresh_preview, svc, project_id=project_id, user_id=principal.user.id)
    return EditedOut(commit=sha, path=target, files=moved)


@router.delete("/files/{path:path}", response_model=EditedOut)
async def delete(
    project_id: Id,
    path: str,
    principal: Auth,
    svc: Svc,
    background: BackgroundTasks,
    base: Annotated[str | None, Query(min_length=4, max_length=64)] = None,
) -> EditedOut:
    """A file, or a folder with every file in it."""
    rel = safe_relpath(path)
    repo = await idle_repo(svc, principal.user.id, project_id, doing="delete files")
    sha, gone = await git_call(
        lambda: filetree.remove(repo, rel, author=user_author(principal.user), base=base)
    )
    background.add_task(refresh_preview, svc, project_id=project_id, user_id=principal.user.id)
    return EditedOut(commit=sha, path=rel, files=gone)
