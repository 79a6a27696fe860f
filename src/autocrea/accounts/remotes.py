"""A project's git remote: an HTTPS URL and a token, encrypted at rest with Fernet like model keys,
shown masked. The token is decrypted only to push that project, for its owner.

The URL is an address the server will call from its own network position, so like a model key's base
URL it must reach a public address unless the server owner allows private ones
(AUTOCREA_ALLOW_PRIVATE_GIT_REMOTES, which also allows plain http://); checked when saved and again
before each push, as a name may resolve elsewhere later.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.accounts.endpoint import literal_problem, resolved_problem
from autocrea.errors import InvalidInput, NotFound
from autocrea.storage.push import DEFAULT_USERNAME, check_token, check_url, check_username, mask
from autocrea.storage.tables import ProjectRemote, utcnow

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class RemoteInfo:
    url: str
    username: str
    hint: str
    updated_at: datetime
    pushed_at: datetime | None
    pushed_commit: str | None


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    token: str


def _info(row: ProjectRemote) -> RemoteInfo:
    return RemoteInfo(row.url, row.username, row.token_hint, row.updated_at, row.pushed_at, row.pushed_commit)


async def require_public_remote(url: str) -> None:
    """InvalidInput (field url) when the remote's host is or resolves to a non-public address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    why = literal_problem(host)
    if why is None:
        loop = asyncio.get_running_loop()
        try:
            found = await asyncio.wait_for(
                loop.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM), timeout=5
            )
        except (OSError, TimeoutError):
            return  # unresolvable now: the push says the host is unknown
        why = resolved_problem([str(info[4][0]) for info in found])
    if why is not None:
        raise InvalidInput(
            f"The remote URL points at {host} ({why}). Projects may only push to public addresses; "
            "the server owner can allow private ones with AUTOCREA_ALLOW_PRIVATE_GIT_REMOTES.",
            details={"field": "url", "reason": "private_address"},
        )


async def checked_url(url: str, *, allow_private: bool) -> str:
    url = check_url(url, allow_http=allow_private)
    if not allow_private:
        await require_public_remote(url)
    return url


async def save_remote(
    sessions: Sessions,
    *,
    fernet: Fernet,
    user_id: str,
    project_id: str,
    url: str,
    token: str | None,
    username: str | None = None,
    allow_private: bool = False,
) -> RemoteInfo:
    """Set the project's remote; `token` or `username` None keeps the saved one (a new URL, the same
    login)."""
    url = await checked_url(url, allow_private=allow_private)
    name = check_username(username) if username is not None else None
    secret = check_token(token) if token is not None else None
    now = utcnow()
    async with sessions() as session, session.begin():
        row = await session.get(ProjectRemote, project_id, with_for_update=True)
        if row is not None and row.user_id != user_id:
            raise NotFound("No such project.", details={"project_id": project_id[:64]})
        if row is None:
            if secret is None:
                raise InvalidInput(
                    "Enter the token that may push to this repository.", details={"field": "token"}
                )
            row = ProjectRemote(project_id=project_id, user_id=user_id, created_at=now, pushed_at=None)
            session.add(row)
        if secret is not None:
            row.token_ciphertext = fernet.encrypt(secret.encode()).decode()
            row.token_hint = mask(secret)
        if row.url != url:  # another repository: what was pushed to the old one says nothing of it
            row.pushed_at, row.pushed_commit = None, None
        row.url, row.updated_at = url, now
        row.username = name or row.username or DEFAULT_USERNAME
        await session.flush()
        return _info(row)


async def get_remote(sessions: Sessions, *, user_id: str, project_id: str) -> RemoteInfo:
    async with sessions() as session:
        row = await session.scalar(
            select(ProjectRemote).where(
                ProjectRemote.project_id == project_id, ProjectRemote.user_id == user_id
            )
        )
    if row is None:
        raise NotFound("This project has no git remote; set one first.", details={"reason": "no_remote"})
    return _info(row)


async def delete_remote(sessions: Sessions, *, user_id: str, project_id: str) -> None:
    async with sessions() as session, session.begin():
        done = await session.execute(
            delete(ProjectRemote).where(
                ProjectRemote.project_id == project_id, ProjectRemote.user_id == user_id
            )
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("This project has no git remote.", details={"reason": "no_remote"})


async def read_credentials(
    sessions: Sessions, *, fernet: Fernet, user_id: str, project_id: str
) -> Credentials:
    """The remote with its token in plain text, for one push."""
    async with sessions() as session:
        row = await session.scalar(
            select(ProjectRemote).where(
                ProjectRemote.project_id == project_id, ProjectRemote.user_id == user_id
            )
        )
    if row is None:
        raise NotFound("This project has no git remote; set one first.", details={"reason": "no_remote"})
    try:
        token = fernet.decrypt(row.token_ciphertext.encode()).decode()
    except InvalidToken as exc:  # saved under an older server secret
        raise InvalidInput(
            "The saved token cannot be read any more (the server's secret changed); enter it again.",
            details={"field": "token", "reason": "unreadable"},
        ) from exc
    return Credentials(row.url, row.username, token)


async def record_push(sessions: Sessions, *, project_id: str, commit: str) -> RemoteInfo | None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(ProjectRemote)
            .where(ProjectRemote.project_id == project_id)
            .values(pushed_at=utcnow(), pushed_commit=commit)
        )
        row = await session.get(ProjectRemote, project_id)
        return None if row is None else _info(row)
