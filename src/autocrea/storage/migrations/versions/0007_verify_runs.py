"""Verify runs: a project's current version tested, booted, probed and scanned again on demand.

A hand edit (a save, a new, renamed or deleted file, a restore) makes the evidence of the last run
describe an older version; a run of kind "verify" proves HEAD again. Only the check constraint on
`runs.kind` changes (batch mode rebuilds the table on SQLite, which cannot alter a constraint).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def _kinds(*kinds: str) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_kind_known"), _kinds("generation", "change", "verify"))


def downgrade() -> None:
    # Verify runs cannot be kept under the old rule: they are evidence only, so they go.
    op.execute("DELETE FROM run_events WHERE run_id IN (SELECT id FROM runs WHERE kind = 'verify')")
    op.execute("DELETE FROM runs WHERE kind = 'verify'")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_kind_known"), _kinds("generation", "change"))
