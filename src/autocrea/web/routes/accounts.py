"""Accounts API: register, login, logout, me, API tokens, own model keys, credits."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from autocrea.accounts import keys, tokens, users
from autocrea.billing import credits
from autocrea.errors import AuthError, RateLimited
from autocrea.storage.tables import CreditEntry, User
from autocrea.web.auth import SESSION_COOKIE, Auth, Svc, anonymous_limit, client_ip
from autocrea.web.ids import Id

router = APIRouter(prefix="/api", tags=["accounts"])
Strict = ConfigDict(extra="forbid")


class RegisterIn(BaseModel):
    model_config = Strict
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    display_name: str = Field(default="", max_length=200)


class LoginIn(BaseModel):
    model_config = Strict
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class ProfileIn(BaseModel):
    model_config = Strict
    display_name: str = Field(max_length=200)


class CreditsOut(BaseModel):
    granted: int
    spent: int
    held: int
    available: int


class UserOut(BaseModel):
    id: str
    email: str
    display_name: str
    created_at: datetime


class MeOut(BaseModel):
    user: UserOut
    credits: CreditsOut
    csrf_token: str | None = Field(description="send it as X-CSRF-Token on writes made with the cookie")
    auth: Literal["session", "token", "clerk"]
    admin: bool = Field(default=False, description="the e-mail is one of AUTOCREA_ADMIN_EMAILS")


class TokenIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="shown only once")


class KeyIn(BaseModel):
    model_config = Strict
    key: str = Field(min_length=1, max_length=1000)
    base_url: str | None = Field(default=None, max_length=500)


class KeyOut(BaseModel):
    provider: str
    hint: str
    base_url: str | None
    updated_at: datetime


class EntryOut(BaseModel):
    id: int
    kind: str
    amount: int
    reason: str
    created_at: datetime


class LedgerOut(BaseModel):
    credits: CreditsOut
    entries: list[EntryOut]


Provider = Literal["openai", "anthropic", "huggingface"]


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, display_name=user.display_name, created_at=user.created_at)


async def credits_out(svc: Svc, user_id: str) -> CreditsOut:
    b = await credits.balance(svc.sessions, user_id=user_id)
    return CreditsOut(granted=b.granted, spent=b.spent, held=b.held, available=b.available)


def _secure(request: Request, svc: Svc) -> bool:
    return request.url.scheme == "https" or svc.settings.public_url.startswith("https://")


async def _start_session(svc: Svc, request: Request, response: Response, user: User) -> MeOut:
    new = await tokens.create_session(svc.sessions, user_id=user.id, days=svc.settings.session_days)
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=svc.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(request, svc),
        path="/",
    )
    return MeOut(
        user=user_out(user),
        credits=await credits_out(svc, user.id),
        csrf_token=new.csrf_token,
        auth="session",
        admin=svc.settings.is_admin(user.email),
    )


@router.post("/auth/register", status_code=201, response_model=MeOut, dependencies=[Depends(anonymous_limit)])
async def register(body: RegisterIn, request: Request, response: Response, svc: Svc) -> MeOut:
    user = await users.register(
        svc.sessions,
        passwords=svc.passwords,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
    )
    await credits.grant_trial(svc.sessions, user_id=user.id)
    return await _start_session(svc, request, response, user)


@router.post("/auth/login", response_model=MeOut, dependencies=[Depends(anonymous_limit)])
async def login(body: LoginIn, request: Request, response: Response, svc: Svc) -> MeOut:
    account = body.email.strip().lower()[:320]
    ip = client_ip(request, svc)
    wait = await svc.limiter.over(svc.rates.login_account, "login", account) or await svc.limiter.over(
        svc.rates.login_ip, "login-ip", ip
    )
    if wait is not None:
        raise RateLimited(
            f"Too many failed logins. Try again in {wait} seconds or reset your password.", retry_after=wait
        )
    try:
        user = await users.authenticate(
            svc.sessions, passwords=svc.passwords, email=body.email, password=body.password
        )
    except AuthError:
        await svc.limiter.count(svc.rates.login_account, "login", account)
        await svc.limiter.count(svc.rates.login_ip, "login-ip", ip)
        raise
    await svc.limiter.clear(svc.rates.login_account, "login", account)
    await credits.grant_trial(svc.sessions, user_id=user.id)  # idempotent; repairs an interrupted sign-up
    return await _start_session(svc, request, response, user)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, principal: Auth, svc: Svc) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if principal.via == "session" and cookie:
        await tokens.end_session(svc.sessions, token=cookie)
    svc.principals.drop_user(principal.user.id)
    response = Response(status_code=204)
    # Cleared with the flags it was set with, so no browser keeps a laxer copy.
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request, svc)
    )
    return response


@router.get("/auth/me", response_model=MeOut)
async def me(principal: Auth, svc: Svc) -> MeOut:
    return MeOut(
        user=user_out(principal.user),
        credits=await credits_out(svc, principal.user.id),
        csrf_token=principal.csrf_token,
        auth=principal.via,
        admin=svc.settings.is_admin(principal.user.email),
    )


@router.patch("/auth/me", response_model=MeOut)
async def update_me(body: ProfileIn, principal: Auth, svc: Svc) -> MeOut:
    user = await users.update_profile(svc.sessions, user_id=principal.user.id, display_name=body.display_name)
    svc.principals.drop_user(user.id)
    return MeOut(
        user=user_out(user),
        credits=await credits_out(svc, user.id),
        csrf_token=principal.csrf_token,
        auth=principal.via,
        admin=svc.settings.is_admin(user.email),
    )


@router.get("/tokens", response_model=list[TokenOut])
async def list_tokens(principal: Auth, svc: Svc) -> list[TokenOut]:
    rows = await tokens.list_tokens(svc.sessions, user_id=principal.user.id)
    return [
        TokenOut(
            id=r.id,
            name=r.name,
            prefix=r.prefix,
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            expires_at=r.expires_at,
        )
        for r in rows
    ]


@router.post("/tokens", status_code=201, response_model=NewTokenOut)
async def create_token(body: TokenIn, principal: Auth, svc: Svc) -> NewTokenOut:
    new = await tokens.create_token(svc.sessions, user_id=principal.user.id, name=body.name, days=body.days)
    return NewTokenOut(
        id=new.id,
        name=new.name,
        prefix=new.prefix,
        created_at=new.created_at,
        last_used_at=None,
        expires_at=new.expires_at,
        token=new.token,
    )


@router.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(token_id: Id, principal: Auth, svc: Svc) -> Response:
    await tokens.revoke_token(svc.sessions, user_id=principal.user.id, token_id=token_id)
    svc.principals.drop_user(principal.user.id)
    return Response(status_code=204)


@router.get("/keys", response_model=list[KeyOut])
async def list_keys(principal: Auth, svc: Svc) -> list[KeyOut]:
    rows = await keys.list_keys(svc.sessions, user_id=principal.user.id)
    return [
        KeyOut(provider=k.provider, hint=k.hint, base_url=k.base_url, updated_at=k.updated_at) for k in rows
    ]


@router.put("/keys/{provider}", response_model=KeyOut)
async def save_key(provider: Provider, body: KeyIn, principal: Auth, svc: Svc) -> KeyOut:
    info = await keys.save_key(
        svc.sessions,
        fernet=svc.fernet,
        user_id=principal.user.id,
        provider=provider,
        key=body.key,
        base_url=body.base_url,
        allow_private=svc.settings.allow_private_model_urls,
    )
    return KeyOut(provider=info.provider, hint=info.hint, base_url=info.base_url, updated_at=info.updated_at)


@router.delete("/keys/{provider}", status_code=204)
async def delete_key(provider: Provider, principal: Auth, svc: Svc) -> Response:
    await keys.delete_key(svc.sessions, user_id=principal.user.id, provider=provider)
    return Response(status_code=204)


@router.get("/credits", response_model=LedgerOut)
async def ledger(principal: Auth, svc: Svc) -> LedgerOut:
    async with svc.sessions() as session:
        rows = await session.scalars(
            select(CreditEntry)
            .where(CreditEntry.user_id == principal.user.id)
            .order_by(CreditEntry.id.desc())
            .limit(100)
        )
        entries = [
            EntryOut(id=r.id, kind=r.kind, amount=r.amount, reason=r.reason, created_at=r.created_at)
            for r in rows
        ]
    return LedgerOut(credits=await credits_out(svc, principal.user.id), entries=entries)
