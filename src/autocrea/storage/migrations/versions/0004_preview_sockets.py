"""Previews listen on a Unix socket, not a loopback port.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Rows are facts about running processes; the old ones name loopback ports nobody may use now.
    op.execute("DELETE FROM previews")
    with op.batch_alter_table("previews") as batch:
        batch.drop_column("port")
        batch.add_column(sa.Column("socket", sa.String(length=4096), nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM previews")
    with op.batch_alter_table("previews") as batch:
        batch.drop_column("socket")
        batch.add_column(sa.Column("port", sa.Integer(), nullable=False))
