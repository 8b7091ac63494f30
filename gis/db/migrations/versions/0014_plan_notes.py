"""Plan review: notes on a plan, a ``submitted`` status, and the ``drafter`` role.

``plan_notes`` holds what was said about a plan, oldest first: a planner's ``note``, and the
notes of the review steps (``submitted``, ``returned``, ``published``), each with its author
(a login) and time. A note is at most 2000 characters; only a plain note or a return must say
something. Notes go with their plan (``ON DELETE CASCADE``).

``plans.status`` may now be ``submitted`` (waiting to be published or sent back), and a grant
may name the new role ``drafter`` (edits, notes and submits plans; does not publish). The
downgrade sends submitted plans back to draft and removes drafter grants, which the narrower
constraints would refuse.

Revision ID: 0014_plan_notes
Revises: 0013_plan_steps
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_plan_notes"
down_revision = "0013_plan_steps"
branch_labels = None
depends_on = None

ROLES_0008 = "'admin', 'auditor', 'planner', 'dispatcher', 'handler', 'grid_worker', 'viewer', 'client'"
ROLES = ROLES_0008 + ", 'drafter'"
STATUSES_0002 = "'draft', 'published', 'discarded'"
STATUSES = STATUSES_0002 + ", 'submitted'"


def _constraints(roles: str, statuses: str) -> None:
    op.drop_constraint("ck_user_grants_role", "user_grants", type_="check")
    op.create_check_constraint("ck_user_grants_role", "user_grants", f"role IN ({roles})")
    op.drop_constraint("ck_plans_status", "plans", type_="check")
    op.create_check_constraint("ck_plans_status", "plans", f"status IN ({statuses})")


def upgrade() -> None:
    op.create_table(
        "plan_notes",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("plan_id", sa.BigInteger, sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("kind", sa.Text, nullable=False, server_default="note"),
        sa.CheckConstraint("char_length(text) <= 2000", name="ck_plan_notes_text_length"),
        sa.CheckConstraint("kind IN ('note', 'submitted', 'returned', 'published')",
                           name="ck_plan_notes_kind"),
        sa.CheckConstraint("text <> '' OR kind IN ('submitted', 'published')",
                           name="ck_plan_notes_text_said"),
    )  # fmt: skip
    op.create_index("ix_plan_notes_plan", "plan_notes", ["plan_id", "id"])
    _constraints(ROLES, STATUSES)


def downgrade() -> None:
    op.execute("UPDATE plans SET status = 'draft' WHERE status = 'submitted'")
    op.execute("DELETE FROM user_grants WHERE role = 'drafter'")
    _constraints(ROLES_0008, STATUSES_0002)
    op.drop_table("plan_notes")
