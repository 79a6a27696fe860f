"""Run leases (worker, lease expiry, cancel flag), run summaries and a project's model.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("summary", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("worker_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_unique_constraint(op.f("uq_runs_hold_id"), ["hold_id"])
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("model", sa.String(length=200), nullable=False, server_default="blueprint")
        )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("model")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("uq_runs_hold_id"), type_="unique")
        batch.drop_column("cancel_requested")
        batch.drop_column("lease_expires_at")
        batch.drop_column("worker_id")
        batch.drop_column("summary")
