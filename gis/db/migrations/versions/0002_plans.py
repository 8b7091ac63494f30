"""plans: redraw proposals (drafts) for the areas of one scope, and their areas.

Revision ID: 0002_plans
Revises: 0001_areas
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_plans"
down_revision = "0001_areas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("scope_code", sa.String(12), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="draft"),
        sa.Column("base_version", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("override_reason", sa.Text),
        sa.Column("check_summary", JSONB),
        sa.CheckConstraint("status IN ('draft', 'published', 'discarded')", name="ck_plans_status"),
        sa.CheckConstraint("level IN ('community', 'grid')", name="ck_plans_level"),
        sa.CheckConstraint("(status = 'published') = (published_at IS NOT NULL)",
                           name="ck_plans_published_at"),
    )
    op.create_table(
        "plan_areas",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("plan_id", sa.BigInteger, sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        # drafts may hold invalid geometry: the checks report it and publishing refuses it
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
        sa.Column("households", sa.Integer),
        sa.Column("population", sa.Integer),
        sa.Column("attributes", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_plan_areas_plan", "plan_areas", ["plan_id"])
    op.create_index("ix_plans_scope", "plans", ["scope_code", "status"])


def downgrade() -> None:
    op.drop_table("plan_areas")
    op.drop_table("plans")
