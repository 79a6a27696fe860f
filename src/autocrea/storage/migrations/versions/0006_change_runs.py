"""Change runs and their undos: a project's conversation.

A run is a generation (it builds the project) or a change (a follow-up request in the project's
chat: one new verified version from `base_commit`, ending as `commit`). A project has one run at a
time, kept by a partial unique index. `undos` records each change undone from the chat.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_ACTIVE = "status IN ('queued', 'running')"


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="generation"))
        batch.add_column(sa.Column("base_commit", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("commit", sa.String(length=40), nullable=True))
        batch.create_check_constraint(op.f("ck_runs_kind_known"), "kind IN ('generation', 'change')")
    op.create_index(
        "uq_runs_project_id_active",
        "runs",
        ["project_id"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )
    op.create_table(
        "undos",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("commit", sa.String(length=40), nullable=False),
        sa.Column("restored", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_undos_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_undos_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_undos_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undos")),
        sa.UniqueConstraint("run_id", name=op.f("uq_undos_run_id")),
    )
    op.create_index("ix_undos_project_id_created_at", "undos", ["project_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_undos_project_id_created_at", table_name="undos")
    op.drop_table("undos")
    op.drop_index("uq_runs_project_id_active", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_kind_known"), type_="check")
        batch.drop_column("commit")
        batch.drop_column("base_commit")
        batch.drop_column("kind")
