"""SQLAlchemy tables. Entities have 32-hex-digit UUID ids; append-only logs have increasing integer ids.

users, sessions, api_tokens, provider_keys   accounts and their secrets (hashes or ciphertext only)
credit_accounts                              one row per user: the lock that serializes credit changes
credit_holds, credit_entries                 holds and the append-only ledger (see domain/credits.py)
projects, runs, run_events                   generations, changes and verifications (runs.kind), their events
undos                                        changes undone from a project's chat (a restore each)
previews                                     running previews, so every server process can find them
project_remotes                              where a project is pushed: URL and token (ciphertext only)
run_shares                                   public read-only links to runs (token hashes only)
payment_events                               Stripe events handled, each in the transaction of its effect
billing_customers, payments, subscriptions   who is who at Stripe, what granted credits, plan state

Timestamps are stored and returned as timezone-aware UTC. Constraint names follow `NAMING`, so
migrations name them the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from autocrea.domain.credits import EntryKind, HoldStatus

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
ID = String(32)
# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
LOG_ID = BigInteger().with_variant(Integer(), "sqlite")
ENTRY_KINDS = tuple(kind.value for kind in EntryKind)
HOLD_STATUSES = tuple(status.value for status in HoldStatus)


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite keeps no zone, so naive values read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; store timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)  # e.g. a Clerk subject
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]  # set with is_active=False by an administrator


class UserSession(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown to the user to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ProviderKey(Base):
    __tablename__ = "provider_keys"
    __table_args__ = (UniqueConstraint("user_id", "provider"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    key_ciphertext: Mapped[str] = mapped_column(Text)
    key_hint: Mapped[str] = mapped_column(String(16))  # last characters, for display
    base_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CreditAccount(Base):
    __tablename__ = "credit_accounts"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditHold(Base):
    __tablename__ = "credit_holds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("status", HOLD_STATUSES), name="status_known"),
        Index("ix_credit_holds_user_id_status", "user_id", "status"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=HoldStatus.OPEN.value)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class CreditEntry(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "credit_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind_known"),
        Index("ix_credit_entries_user_id_kind", "user_id", "kind"),
        # A hold is placed once and closed once: settled, released, or settled in part with the
        # rest released in the same transaction (one entry of each kind at most).
        Index(
            "uq_credit_entries_hold_placed",
            "hold_id",
            unique=True,
            sqlite_where=text("kind = 'hold'"),
            postgresql_where=text("kind = 'hold'"),
        ),
        Index(
            "uq_credit_entries_hold_closed",
            "hold_id",
            "kind",
            unique=True,
            sqlite_where=text("kind IN ('settle', 'release')"),
            postgresql_where=text("kind IN ('settle', 'release')"),
        ),
    )

    id: Mapped[int] = mapped_column(LOG_ID, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("credit_holds.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    prompt: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(200), default="blueprint")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


RUN_KINDS = ("generation", "change", "verify")
_ACTIVE_RUN = "status IN ('queued', 'running')"


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_project_id_created_at", "project_id", "created_at"),
        Index("ix_runs_status_created_at", "status", "created_at"),
        CheckConstraint(_in("kind", RUN_KINDS), name="kind_known"),
        # One run at a time per project (a generation or a change): two requests racing past the
        # check in the API cannot both queue one.
        Index(
            "uq_runs_project_id_active",
            "project_id",
            unique=True,
            sqlite_where=text(_ACTIVE_RUN),
            postgresql_where=text(_ACTIVE_RUN),
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    model: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(Text)
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("credit_holds.id"), unique=True)
    # With a model: when it fails, the Blueprint builds the app (True) or the run fails (False).
    fallback: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The job lease: the worker running it renews `lease_expires_at`; past it, the run is lost.
    worker_id: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # A generation builds the project; a change (its `prompt` is the request) makes one new version
    # of it from `base_commit`, the HEAD it was planned on, and ends as `commit` when verified. A
    # verify proves `base_commit` again; `commit` is the version its evidence is for.
    kind: Mapped[str] = mapped_column(String(16), default="generation", server_default="generation")
    base_commit: Mapped[str | None] = mapped_column(String(40))
    commit: Mapped[str | None] = mapped_column(String(40))


class Undo(Base):
    """A change undone from the project's chat: `commit` restored the tree of `restored` (the
    version before the change run `run_id`), or reverted the change on top of later edits."""

    __tablename__ = "undos"
    __table_args__ = (Index("ix_undos_project_id_created_at", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), unique=True)
    commit: Mapped[str] = mapped_column(String(40))
    restored: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunEvent(Base):
    """Append-only; `seq` is the event's id within its run (what SSE sends as the event id)."""

    __tablename__ = "run_events"
    __table_args__ = (UniqueConstraint("run_id", "seq"),)

    id: Mapped[int] = mapped_column(LOG_ID, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PreviewRecord(Base):
    """A project's running preview: which machine's Unix socket serves it and which process
    group runs it, so any server process on that machine can proxy to it or stop it."""

    __tablename__ = "previews"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # the preview origin's host label
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    commit: Mapped[str] = mapped_column(String(40))
    host: Mapped[str] = mapped_column(String(255))
    socket: Mapped[str] = mapped_column(String(4096))  # its path on `host`
    pid: Mapped[int] = mapped_column(Integer)  # leads the app's process group
    owner: Mapped[str] = mapped_column(String(64))  # the server process that started it
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectRemote(Base):
    """Where a project's main branch is pushed: an HTTPS URL and a token, encrypted like model keys
    (accounts/remotes.py); `token_hint` is all of it that is ever shown."""

    __tablename__ = "project_remotes"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    username: Mapped[str] = mapped_column(String(100))
    token_ciphertext: Mapped[str] = mapped_column(Text)
    token_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    pushed_at: Mapped[datetime | None]
    pushed_commit: Mapped[str | None] = mapped_column(String(40))


class RunShare(Base):
    """A run's public read-only link: only the SHA-256 of its token is kept, so a database dump
    opens no shared run; turning sharing on again replaces it."""

    __tablename__ = "run_shares"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


STRIPE_ID = String(255)  # Stripe's ids are short, but Stripe promises no length


class PaymentEvent(Base):
    """A Stripe event that was handled: inserted in the same transaction as its effect, so a
    delivery repeated (at once or after a failure) finds its id taken and changes nothing."""

    __tablename__ = "payment_events"

    id: Mapped[str] = mapped_column(STRIPE_ID, primary_key=True)  # evt_…
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime]  # Stripe's `created`
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class BillingCustomer(Base):
    """A user's Stripe customer: made at their first checkout, found again by webhooks."""

    __tablename__ = "billing_customers"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(STRIPE_ID, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(Base):
    """A payment that granted credits: a pack's checkout session or a plan's paid invoice. A refund
    takes back the credits of the refunded share, as far as they are unspent; `refunded_credits` counts
    the credits refunds covered so far (taken back or already spent: a shortfall is not owed later)."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("kind IN ('pack', 'plan')", name="kind_known"),)

    id: Mapped[str] = mapped_column(STRIPE_ID, primary_key=True)  # cs_… or in_…
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    item: Mapped[str] = mapped_column(String(100))  # the pack's credits or the plan's name
    credits: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)  # money, in the currency's smallest unit
    currency: Mapped[str] = mapped_column(String(3))
    payment_intent: Mapped[str | None] = mapped_column(STRIPE_ID, index=True)
    refunded: Mapped[int] = mapped_column(Integer, default=0)  # money refunded so far
    refunded_credits: Mapped[int] = mapped_column(Integer, default=0)  # credits the refunds covered
    event_id: Mapped[str] = mapped_column(ForeignKey("payment_events.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    """A plan's state as Stripe last told it. `synced_at` is when that state was read from Stripe:
    events arrive in any order, so an older read never overwrites a newer one."""

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(STRIPE_ID, primary_key=True)  # sub_…
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plan: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
