"""Public read-only links to runs: a random 256-bit token per shared run, only its SHA-256 stored.

Turning sharing on always makes a new token (the old link stops working); turning it off deletes
the row, so every lookup of the old token is a plain NotFound, like a token that never existed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from autocrea.errors import NotFound
from autocrea.storage.runs import Sessions, get_run
from autocrea.storage.tables import Run, RunShare, utcnow

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]; anything else is not a token of ours.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_GONE = "This link does not exist or its owner stopped sharing it."


@dataclass(frozen=True)
class NewShare:
    token: str
    created_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def share_run(sessions: Sessions, *, user_id: str, run_id: str) -> NewShare:
    """A new link to the user's run (NotFound for another's), replacing any earlier one."""
    await get_run(sessions, run_id=run_id, user_id=user_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    async with sessions() as session, session.begin():
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = insert(RunShare).values(
            run_id=run_id, user_id=user_id, token_hash=_digest(token), created_at=now
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["run_id"],
                set_={"token_hash": stmt.excluded.token_hash, "created_at": stmt.excluded.created_at},
            )
        )
    return NewShare(token, now)


async def unshare_run(sessions: Sessions, *, user_id: str, run_id: str) -> None:
    """Turn the link off; NotFound for another's run. Idempotent for the owner."""
    await get_run(sessions, run_id=run_id, user_id=user_id)
    async with sessions() as session, session.begin():
        await session.execute(delete(RunShare).where(RunShare.run_id == run_id, RunShare.user_id == user_id))


async def shared_since(sessions: Sessions, *, user_id: str, run_id: str) -> datetime | None:
    """When the user's run was shared (None: not shared); NotFound for another's run."""
    await get_run(sessions, run_id=run_id, user_id=user_id)
    async with sessions() as session:
        found: datetime | None = await session.scalar(
            select(RunShare.created_at).where(RunShare.run_id == run_id, RunShare.user_id == user_id)
        )
    return found


async def shared_run(sessions: Sessions, *, token: str) -> Run:
    """The run a link opens; NotFound for a malformed, unknown or withdrawn token."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise NotFound(_GONE)
    async with sessions() as session:
        found = await session.scalar(
            select(Run).join(RunShare, RunShare.run_id == Run.id).where(RunShare.token_hash == _digest(token))
        )
    if found is None:
        raise NotFound(_GONE)
    return found
