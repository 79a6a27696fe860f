"""A project's git remote: set, show (token masked), remove, and push the main branch to it.

The token is written once and never returned or logged: answers carry only its last characters.
A push never forces unless the body says `"force": true`: a remote with commits the project does
not have is refused with 409 `push_rejected` (`details.reason` `non_fast_forward`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from autocrea.accounts import remotes
from autocrea.errors import Conflict
from autocrea.storage import runs as store
from autocrea.storage.push import push_main
from autocrea.web.auth import Auth, Svc
from autocrea.web.ids import Id

router = APIRouter(prefix="/api/projects/{project_id}", tags=["git remote"])


class RemoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # No max_length: the body limit bounds them, and an over-long value gets check_url's clear 400.
    url: str = Field(description="the repository's https:// address (at most 500 characters), no credentials")
    token: str | None = Field(default=None, description="a token that may push; omit to keep the saved one")
    username: str | None = Field(
        default=None,
        description="login name sent with the token (default x-access-token); omit to keep the saved one",
    )


class RemoteOut(BaseModel):
    url: str
    username: str
    token_hint: str = Field(description="the token's last characters; the token itself is never shown")
    updated_at: datetime
    pushed_at: datetime | None
    pushed_commit: str | None


class PushIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = Field(
        default=False, description="replace the remote's main even when it has commits the project does not"
    )


class PushOut(BaseModel):
    commit: str
    forced: bool
    remote: RemoteOut


def _out(info: remotes.RemoteInfo) -> RemoteOut:
    return RemoteOut(
        url=info.url,
        username=info.username,
        token_hint=info.hint,
        updated_at=info.updated_at,
        pushed_at=info.pushed_at,
        pushed_commit=info.pushed_commit,
    )


@router.get("/remote", response_model=RemoteOut)
async def get_remote(project_id: Id, principal: Auth, svc: Svc) -> RemoteOut:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    return _out(await remotes.get_remote(svc.sessions, user_id=principal.user.id, project_id=project_id))


@router.put("/remote", response_model=RemoteOut)
async def put_remote(project_id: Id, body: RemoteIn, principal: Auth, svc: Svc) -> RemoteOut:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    info = await remotes.save_remote(
        svc.sessions,
        fernet=svc.fernet,
        user_id=principal.user.id,
        project_id=project_id,
        url=body.url,
        token=body.token,
        username=body.username,
        allow_private=svc.settings.allow_private_git_remotes,
    )
    return _out(info)


@router.delete("/remote", status_code=204)
async def delete_remote(project_id: Id, principal: Auth, svc: Svc) -> Response:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    await remotes.delete_remote(svc.sessions, user_id=principal.user.id, project_id=project_id)
    return Response(status_code=204)


@router.post("/push", response_model=PushOut)
async def push(project_id: Id, principal: Auth, svc: Svc, body: PushIn | None = None) -> PushOut:
    await store.get_project(svc.sessions, user_id=principal.user.id, project_id=project_id)
    remote = await remotes.read_credentials(
        svc.sessions, fernet=svc.fernet, user_id=principal.user.id, project_id=project_id
    )
    allow_private = svc.settings.allow_private_git_remotes
    await remotes.checked_url(remote.url, allow_private=allow_private)  # a name may resolve elsewhere now
    path: Path = svc.jobs.projects_root / project_id
    if not (path / ".git").exists():
        raise Conflict("The project has no files yet: there is nothing to push.")
    force = body.force if body is not None else False
    pushed = await asyncio.to_thread(
        push_main, path, url=remote.url, token=remote.token, username=remote.username, force=force
    )
    info = await remotes.record_push(svc.sessions, project_id=project_id, commit=pushed.commit)
    if info is None:  # the remote was removed while the push ran
        raise Conflict("The remote was removed during the push.")
    return PushOut(commit=pushed.commit, forced=pushed.forced, remote=_out(info))
