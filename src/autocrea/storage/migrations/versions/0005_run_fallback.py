"""A run's fallback choice, and a hold settled in part (the rest released in the same step).

A run whose chosen model failed and that the Blueprint built pays the offline price: its hold is
settled for that much and the rest released, so a hold may now have one settle and one release.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_CLOSED = "kind IN ('settle', 'release')"


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("fallback", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.drop_index("uq_credit_entries_hold_closed", table_name="credit_entries")
    op.create_index(
        "uq_credit_entries_hold_closed",
        "credit_entries",
        ["hold_id", "kind"],
        unique=True,
        sqlite_where=sa.text(_CLOSED),
        postgresql_where=sa.text(_CLOSED),
    )


def downgrade() -> None:
    op.drop_index("uq_credit_entries_hold_closed", table_name="credit_entries")
    op.create_index(
        "uq_credit_entries_hold_closed",
        "credit_entries",
        ["hold_id"],
        unique=True,
        sqlite_where=sa.text(_CLOSED),
        postgresql_where=sa.text(_CLOSED),
    )
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("fallback")
