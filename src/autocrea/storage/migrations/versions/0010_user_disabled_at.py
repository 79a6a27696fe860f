"""When an administrator disabled an account (`users.disabled_at`; NULL: never, or enabled again).

`is_active` stays the flag every login, session and token check reads; disabling sets both, so the
time is known to the admin view. Accounts already inactive get the migration's time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE users SET disabled_at = CURRENT_TIMESTAMP WHERE NOT is_active"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
