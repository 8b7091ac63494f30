"""Undo and redo of a draft plan's edits: the areas as they were before each step.

``plan_steps`` holds, per plan, two stacks (``undo`` and ``redo``) of snapshots of the plan's
areas (a JSON list of rows, the geometry as WKB in hex) with the operation that followed or was
undone. They go with their plan (``ON DELETE CASCADE``).

Revision ID: 0013_plan_steps
Revises: 0012_intake_grid
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013_plan_steps"
down_revision = "0012_intake_grid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_steps",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("plan_id", sa.BigInteger, sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("stack", sa.Text, nullable=False),
        sa.Column("op", sa.Text, nullable=False),
        sa.Column("areas", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("stack IN ('undo', 'redo')", name="ck_plan_steps_stack"),
    )  # fmt: skip
    op.create_index("ix_plan_steps_plan_stack", "plan_steps", ["plan_id", "stack", "id"])


def downgrade() -> None:
    op.drop_table("plan_steps")
