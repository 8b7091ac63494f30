"""incidents, their event log and links, and the standard-address registry.

Revision ID: 0004_incidents
Revises: 0003_store_meta
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_incidents"
down_revision = "0003_store_meta"
branch_labels = None
depends_on = None

STATUSES = ("needs_location", "reported", "triaged", "dispatched", "in_progress", "resolved",
            "closed", "rejected", "duplicate", "transferred", "reopened")
SOURCES = ("app", "hotline", "grid_worker", "import", "open311")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "addresses",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("normalized", sa.Text, nullable=False, unique=True),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("building", sa.Text),
        sa.Column("households", sa.Integer),
        sa.Column("source", sa.Text, nullable=False, server_default="import"),
        sa.Column("attributes", JSONB, nullable=False, server_default="{}"),
        sa.CheckConstraint("coalesce(households, 0) >= 0", name="ck_addresses_households"),
    )
    op.create_index("ix_addresses_geom", "addresses", ["geom"], postgresql_using="gist")
    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("input_crs", sa.Text),
        sa.Column("input_x", sa.Float),
        sa.Column("input_y", sa.Float),
        sa.Column("address", sa.Text),
        sa.Column("address_id", sa.BigInteger, sa.ForeignKey("addresses.id")),
        sa.Column("location_method", sa.Text, nullable=False, server_default="none"),
        sa.Column("match_score", sa.Float),
        sa.Column("grid_code", sa.String(15)),
        sa.Column("grid_area_id", sa.BigInteger, sa.ForeignKey("areas.id")),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("severity", sa.SmallInteger, nullable=False, server_default="3"),
        sa.Column("reporter_name", sa.Text),
        sa.Column("reporter_phone", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("assignee", sa.Text),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("feedback_satisfied", sa.Boolean),
        sa.Column("feedback_score", sa.SmallInteger),
        sa.Column("possible_duplicate", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("idempotency_key", sa.Text, unique=True),
        sa.Column("attributes", JSONB, nullable=False, server_default="{}"),
        sa.CheckConstraint("length(description) <= 4000", name="ck_incidents_description"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_incidents_status"),
        sa.CheckConstraint(_in("source", SOURCES), name="ck_incidents_source"),
        sa.CheckConstraint("severity BETWEEN 1 AND 5", name="ck_incidents_severity"),
        sa.CheckConstraint("feedback_score IS NULL OR feedback_score BETWEEN 1 AND 5",
                           name="ck_incidents_feedback"),
        sa.CheckConstraint("status <> 'needs_location' OR geom IS NULL",
                           name="ck_incidents_located"),
    )
    op.create_index("ix_incidents_geom", "incidents", ["geom"], postgresql_using="gist")
    op.create_index("ix_incidents_grid", "incidents", ["grid_code", "status"])
    op.create_index("ix_incidents_category_time", "incidents", ["category", "reported_at"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_incident_events_incident", "incident_events", ["incident_id", "at"])
    op.create_table(
        "incident_links",
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("other_id", sa.BigInteger, sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.Text, nullable=False, server_default="possible_duplicate"),
        sa.Column("distance_m", sa.Float),
    )


def downgrade() -> None:
    op.drop_table("incident_links")
    op.drop_table("incident_events")
    op.drop_table("incidents")
    op.drop_table("addresses")
