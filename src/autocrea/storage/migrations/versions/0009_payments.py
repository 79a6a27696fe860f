"""Payments: Stripe events handled, customers, payments that granted credits, plan state; and the
ledger's "revoke" kind (credits taken back when a payment is refunded).

Only the check constraint on `credit_entries.kind` changes there. On SQLite batch mode rebuilds the
table, so its partial unique indexes are dropped first and made again after, by name and predicate.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

OLD_KINDS = ("grant", "purchase", "hold", "settle", "release")
NEW_KINDS = ("grant", "purchase", "revoke", "hold", "settle", "release")


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _entry_kinds(kinds: tuple[str, ...]) -> None:
    op.drop_index("uq_credit_entries_hold_placed", table_name="credit_entries")
    op.drop_index("uq_credit_entries_hold_closed", table_name="credit_entries")
    op.drop_index("ix_credit_entries_user_id_kind", table_name="credit_entries")
    with op.batch_alter_table("credit_entries") as batch:
        batch.drop_constraint(op.f("ck_credit_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_credit_entries_kind_known"), _kinds(kinds))
    op.create_index("ix_credit_entries_user_id_kind", "credit_entries", ["user_id", "kind"], unique=False)
    op.create_index(
        "uq_credit_entries_hold_closed",
        "credit_entries",
        ["hold_id", "kind"],
        unique=True,
        sqlite_where=sa.text("kind IN ('settle', 'release')"),
        postgresql_where=sa.text("kind IN ('settle', 'release')"),
    )
    op.create_index(
        "uq_credit_entries_hold_placed",
        "credit_entries",
        ["hold_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'hold'"),
        postgresql_where=sa.text("kind = 'hold'"),
    )


def upgrade() -> None:
    _entry_kinds(NEW_KINDS)
    op.create_table(
        "payment_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_payment_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    op.create_index(op.f("ix_payment_events_user_id"), "payment_events", ["user_id"])
    op.create_table(
        "billing_customers",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_billing_customers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_billing_customers")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_billing_customers_customer_id")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_intent", sa.String(length=255), nullable=True),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("refunded_credits", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('pack', 'plan')", name=op.f("ck_payments_kind_known")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["payment_events.id"], name=op.f("fk_payments_event_id_payment_events")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_payments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_payment_intent"), "payments", ["payment_intent"])
    op.create_index(op.f("ix_payments_user_id"), "payments", ["user_id"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("plan", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(op.f("ix_subscriptions_user_id"), "subscriptions", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_subscriptions_user_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index(op.f("ix_payments_user_id"), table_name="payments")
    op.drop_index(op.f("ix_payments_payment_intent"), table_name="payments")
    op.drop_table("payments")
    op.drop_table("billing_customers")
    op.drop_index(op.f("ix_payment_events_user_id"), table_name="payment_events")
    op.drop_table("payment_events")
    # Revoked credits cannot be kept under the old rule; downgrading gives them back.
    op.execute("DELETE FROM credit_entries WHERE kind = 'revoke'")
    _entry_kinds(OLD_KINDS)
