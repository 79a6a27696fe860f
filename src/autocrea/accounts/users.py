"""Users: sign-up and password login (argon2id via pwdlib), and users first seen through Clerk."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.accounts.passwords import Passwords
from autocrea.domain.account import check_password, clean_name, normalize_email
from autocrea.errors import AuthError, Forbidden, InvalidInput
from autocrea.storage.tables import User, new_id, utcnow

Sessions = async_sessionmaker[AsyncSession]
WRONG_LOGIN = "The e-mail or password is not right."
DISABLED = "This account has been disabled by an administrator; ask them to enable it again."
_PLAIN_SUBJECT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def register(
    sessions: Sessions, *, passwords: Passwords, email: str, password: str, display_name: str = ""
) -> User:
    """Create an account; InvalidInput for a bad address or password, or one already registered."""
    address = normalize_email(email)
    check_password(password, email=address)
    name = clean_name(display_name or address.split("@", 1)[0], field="name")
    hashed = await passwords.hash(password)
    user = User(
        id=new_id(),
        email=address,
        password_hash=hashed,
        display_name=name,
        is_active=True,
        created_at=utcnow(),
    )
    try:
        async with sessions() as session, session.begin():
            session.add(user)
    except IntegrityError as exc:
        raise InvalidInput(
            "An account with this e-mail already exists. Log in instead.",
            details={"field": "email", "reason": "taken"},
        ) from exc
    return user


async def authenticate(sessions: Sessions, *, passwords: Passwords, email: str, password: str) -> User:
    """The user with this e-mail and password; AuthError with one message for every kind of miss."""
    try:
        address = normalize_email(email)
    except InvalidInput:
        address = ""
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.email == address)) if address else None
    stored = user.password_hash if user is not None else None
    verified = await passwords.verify(password, stored or None)
    if user is None or not verified.ok:
        raise AuthError(WRONG_LOGIN)
    check_enabled(user)  # only after the password: a disabled account is not told to strangers
    if verified.rehashed is not None:  # the owner changed the cost: this account follows now
        async with sessions() as session, session.begin():
            await session.execute(
                update(User)
                .where(User.id == user.id, User.password_hash == stored)
                .values(password_hash=verified.rehashed)
            )
    return user


def check_enabled(user: User) -> None:
    """Forbidden (403, not 401: logging in again would not help) for a disabled account."""
    if not user.is_active:
        raise Forbidden(DISABLED, details={"reason": "account_disabled"})


async def get_user(sessions: Sessions, *, user_id: str) -> User | None:
    async with sessions() as session:
        return await session.get(User, user_id)


async def user_for_subject(sessions: Sessions, *, subject: str, email: str | None) -> User:
    """The user behind an external identity (a Clerk `sub`), created on first sight."""
    async with sessions() as session:
        found = await session.scalar(select(User).where(User.external_id == subject))
    if found is not None:
        return found
    address = _claimed_email(email) or f"{_local_part(subject)}@users.clerk.invalid"
    user = User(
        id=new_id(),
        email=address,
        password_hash=None,
        display_name=address.split("@", 1)[0][:100],
        external_id=subject,
        is_active=True,
        created_at=utcnow(),
    )
    try:
        async with sessions() as session, session.begin():
            session.add(user)
    except IntegrityError:
        async with sessions() as session:  # created concurrently, or the e-mail is already an account
            found = await session.scalar(select(User).where(User.external_id == subject))
        if found is None:
            raise AuthError(
                "This account's e-mail is already registered with a password; log in with it."
            ) from None
        return found
    return user


def _local_part(subject: str) -> str:
    """A Clerk id (`user_2abc...`) as is; anything else as a digest, so the address stays valid."""
    return subject if _PLAIN_SUBJECT.match(subject) else hashlib.sha256(subject.encode()).hexdigest()[:32]


def _claimed_email(email: str | None) -> str | None:
    """The token's `email` claim if it is a usable address; the issuer's data is not ours to trust."""
    try:
        return normalize_email(email) if email else None
    except InvalidInput:
        return None


async def update_profile(sessions: Sessions, *, user_id: str, display_name: str) -> User:
    name = clean_name(display_name, field="name")
    async with sessions() as session, session.begin():
        user = await session.get(User, user_id)
        if user is None:
            raise AuthError("Your session has ended. Log in again.")
        user.display_name = name
    return user
