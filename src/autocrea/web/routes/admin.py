"""Admin API (AUTOCREA_ADMIN_EMAILS only; 404 to everyone else): users with balances, runs across
users, disabling accounts, granting and taking back credits with a reason, totals per day.

Credits granted to a disabled account are allowed: support may settle an account before enabling it.
Every ledger entry made here names the administrator and the reason.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from autocrea.accounts import directory
from autocrea.billing import clawback, credits
from autocrea.domain.run import RunStatus
from autocrea.errors import Conflict
from autocrea.web.auth import Admin, Svc
from autocrea.web.ids import Id
from autocrea.web.principals import Principal
from autocrea.web.services import Services

router = APIRouter(prefix="/api/admin", tags=["admin"])
MAX_REASON = 120  # with " (admin <e-mail>)" it fits the ledger's 200 characters
MAX_AMOUNT = 10_000
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]


class BalanceOut(BaseModel):
    available: int
    held: int
    spent: int
    granted: int


class AdminUserOut(BaseModel):
    id: str
    email: str
    display_name: str
    created_at: datetime
    disabled: bool
    disabled_at: datetime | None
    balance: BalanceOut
    runs: int


class UsersOut(BaseModel):
    total: int
    users: list[AdminUserOut]


class AdminRunOut(BaseModel):
    id: str
    project_id: str
    user_id: str
    email: str
    kind: str
    status: str
    model: str
    cost: int = Field(description="credits spent on it (settled)")
    failure: str | None = Field(description="the failure's code, for a failed run")
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class RunsOut(BaseModel):
    total: int
    runs: list[AdminRunOut]


class CreditsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    action: Literal["grant", "take_back"]
    # At most MAX_AMOUNT an entry: a slip of the keyboard cannot mint a fortune (the largest pack is 5,000).
    amount: int = Field(gt=0, le=MAX_AMOUNT)
    reason: str = Field(min_length=1, max_length=MAX_REASON, pattern=r"\S")


class CreditsDoneOut(BaseModel):
    entry_id: int
    user: AdminUserOut


class DayOut(BaseModel):
    day: date
    new_users: int
    runs: dict[str, int] = Field(description="runs started that day, by their status now")
    granted: int = Field(description="credits granted or bought")
    revoked: int = Field(description="credits taken back (refunds, administrators)")
    spent: int


def user_out(found: directory.Account) -> AdminUserOut:
    u, b = found.user, found.balance
    return AdminUserOut(
        id=u.id,
        email=u.email,
        display_name=u.display_name,
        created_at=u.created_at,
        disabled=not u.is_active,
        disabled_at=u.disabled_at,
        balance=BalanceOut(available=b.available, held=b.held, spent=b.spent, granted=b.granted),
        runs=found.runs,
    )


def run_out(row: directory.RunRow) -> AdminRunOut:
    r = row.run
    return AdminRunOut(
        id=r.id,
        project_id=r.project_id,
        user_id=r.user_id,
        email=row.email,
        kind=r.kind,
        status=r.status,
        model=r.model,
        cost=row.cost,
        failure=row.failure,
        error=r.error,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )


@router.get("/users", response_model=UsersOut)
async def users(
    admin: Admin,
    svc: Svc,
    q: Annotated[str, Query(max_length=directory.MAX_QUERY, description="part of the e-mail")] = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> UsersOut:
    total, found = await directory.accounts(svc.sessions, query=q, offset=offset, limit=limit)
    return UsersOut(total=total, users=[user_out(a) for a in found])


@router.get("/users/{user_id}", response_model=AdminUserOut)
async def user(user_id: Id, admin: Admin, svc: Svc) -> AdminUserOut:
    return user_out(await directory.account(svc.sessions, user_id=user_id))


@router.get("/users/{user_id}/runs", response_model=RunsOut)
async def user_runs(user_id: Id, admin: Admin, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> RunsOut:
    await directory.account(svc.sessions, user_id=user_id)  # 404 for an unknown user, not an empty list
    total, rows = await directory.runs(svc.sessions, user_id=user_id, offset=offset, limit=limit)
    return RunsOut(total=total, runs=[run_out(r) for r in rows])


@router.post("/users/{user_id}/disable", response_model=AdminUserOut)
async def disable(user_id: Id, admin: Admin, svc: Svc) -> AdminUserOut:
    """Its sessions and tokens get 403 from the next request; nothing is deleted. Idempotent."""
    if user_id == admin.user.id:
        raise Conflict("You cannot disable your own account: another administrator can.")
    await directory.set_disabled(svc.sessions, user_id=user_id, disabled=True)
    svc.principals.drop_user(user_id)  # this process forgets it now; others within seconds
    return user_out(await directory.account(svc.sessions, user_id=user_id))


@router.post("/users/{user_id}/enable", response_model=AdminUserOut)
async def enable(user_id: Id, admin: Admin, svc: Svc) -> AdminUserOut:
    await directory.set_disabled(svc.sessions, user_id=user_id, disabled=False)
    svc.principals.drop_user(user_id)  # nothing remembered from while it was disabled
    return user_out(await directory.account(svc.sessions, user_id=user_id))


async def _change(svc: Services, admin: Principal, user_id: str, body: CreditsIn) -> int:
    reason = f"{body.reason.strip()} (admin {admin.user.email})"
    if body.action == "take_back":
        return await clawback.take_back(svc.sessions, user_id=user_id, amount=body.amount, reason=reason)
    key = f"admin:{uuid.uuid4().hex}"  # each request is one grant; the ledger names the admin
    return await credits.grant(
        svc.sessions, user_id=user_id, amount=body.amount, idempotency_key=key, reason=reason
    )


@router.post("/users/{user_id}/credits", response_model=CreditsDoneOut, status_code=201)
async def change_credits(user_id: Id, body: CreditsIn, admin: Admin, svc: Svc) -> CreditsDoneOut:
    """Grant credits, or take back available ones (409 when more than is available is asked)."""
    await directory.account(svc.sessions, user_id=user_id)  # 404 for an unknown user
    entry = await _change(svc, admin, user_id, body)
    return CreditsDoneOut(
        entry_id=entry, user=user_out(await directory.account(svc.sessions, user_id=user_id))
    )


@router.get("/runs", response_model=RunsOut)
async def all_runs(
    admin: Admin, svc: Svc, status: RunStatus | None = None, offset: Offset = 0, limit: Limit = 50
) -> RunsOut:
    total, rows = await directory.runs(svc.sessions, status=status, offset=offset, limit=limit)
    return RunsOut(total=total, runs=[run_out(r) for r in rows])


@router.get("/daily", response_model=list[DayOut])
async def daily(admin: Admin, svc: Svc) -> list[DayOut]:
    """The last 30 days (UTC), oldest first."""
    return [
        DayOut(
            day=d.day,
            new_users=d.new_users,
            runs=dict(d.runs),
            granted=d.granted,
            revoked=d.revoked,
            spent=d.spent,
        )
        for d in await directory.daily(svc.sessions)
    ]
