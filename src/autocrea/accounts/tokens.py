"""Browser sessions and API tokens: random secrets given out once, stored only as SHA-256 hashes.

A session carries its own CSRF token (synchronizer pattern): every state-changing request made with
the session cookie must echo it in the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.domain.account import clean_name
from autocrea.errors import InvalidInput, NotFound
from autocrea.storage.tables import ApiToken, User, UserSession, new_id, utcnow

Sessions = async_sessionmaker[AsyncSession]
TOKEN_PREFIX = "acr_"  # noqa: S105  # a public marker, not a secret
MAX_TOKENS = 20
MAX_SECRET = 200
# Touching last_seen/last_used on every request would make each read a write; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Resolved:
    user: User
    session_id: str | None = None
    csrf_token: str | None = None  # None for API tokens: they are not sent automatically by browsers
    expires_at: datetime | None = None


async def create_session(sessions: Sessions, *, user_id: str, days: int) -> NewSession:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = utcnow()
    expires = now + timedelta(days=days)
    async with sessions() as session, session.begin():
        session.add(
            UserSession(
                id=new_id(),
                user_id=user_id,
                token_hash=digest(token),
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=expires,
            )
        )
    return NewSession(token=token, csrf_token=csrf, expires_at=expires)


async def resolve_session(sessions: Sessions, *, token: str) -> Resolved | None:
    if not token or len(token) > MAX_SECRET:
        return None
    now = utcnow()
    async with sessions() as session:
        row = (
            await session.execute(
                select(UserSession, User)
                .join(User, User.id == UserSession.user_id)
                .where(UserSession.token_hash == digest(token))
            )
        ).first()
    if row is None:
        return None
    found, user = row
    if found.expires_at <= now:  # a disabled account's session resolves: the caller says 403
        return None
    if now - found.last_seen_at > TOUCH_EVERY:
        async with sessions() as session, session.begin():
            await session.execute(
                update(UserSession).where(UserSession.id == found.id).values(last_seen_at=now)
            )
    return Resolved(user=user, session_id=found.id, csrf_token=found.csrf_token, expires_at=found.expires_at)


async def end_session(sessions: Sessions, *, token: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(UserSession).where(UserSession.token_hash == digest(token)))


@dataclass(frozen=True)
class NewToken:
    id: str
    name: str
    token: str  # shown once
    prefix: str
    created_at: datetime
    expires_at: datetime | None


async def create_token(sessions: Sessions, *, user_id: str, name: str, days: int | None = None) -> NewToken:
    label = clean_name(name, field="token name") or "token"
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("A token lasts between 1 and 3650 days.", details={"field": "days"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        id=new_id(),
        user_id=user_id,
        name=label,
        prefix=secret[:12],
        token_hash=digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    async with sessions() as session, session.begin():
        active = await session.scalars(
            select(ApiToken.id).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        )
        if len(active.all()) >= MAX_TOKENS:
            raise InvalidInput(f"You can have at most {MAX_TOKENS} API tokens; revoke one first.")
        session.add(row)
    return NewToken(row.id, label, secret, row.prefix, now, row.expires_at)


async def list_tokens(sessions: Sessions, *, user_id: str) -> list[ApiToken]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
        return list(rows)


async def revoke_token(sessions: Sessions, *, user_id: str, token_id: str) -> None:
    async with sessions() as session, session.begin():
        done = await session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("No such API token.")


async def resolve_token(sessions: Sessions, *, token: str) -> Resolved | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_SECRET:
        return None
    now = utcnow()
    async with sessions() as session:
        row = (
            await session.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == digest(token))
            )
        ).first()
    if row is None:
        return None
    found, user = row
    if found.revoked_at is not None or (found.expires_at and found.expires_at <= now):
        return None  # a disabled account's token still resolves, so the caller can say 403, not 401
    if found.last_used_at is None or now - found.last_used_at > TOUCH_EVERY:
        async with sessions() as session, session.begin():
            await session.execute(update(ApiToken).where(ApiToken.id == found.id).values(last_used_at=now))
    return Resolved(user=user, expires_at=found.expires_at)
