"""stations, walking networks (edges) and the isochrone cache.

Revision ID: 0005_stations
Revises: 0004_incidents
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_stations"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("opening_hours", sa.Text),
        sa.Column("capacity", sa.Integer),
        sa.Column("grid_code", sa.String(15)),
        sa.Column("outside_grid", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("source_id", sa.Text, unique=True),
        sa.Column("attributes", JSONB, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 200", name="ck_stations_name"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="ck_stations_capacity"),
        sa.CheckConstraint("outside_grid = (grid_code IS NULL)", name="ck_stations_outside"),
    )
    op.create_index("ix_stations_geom", "stations", ["geom"], postgresql_using="gist")
    op.create_index("ix_stations_type", "stations", ["type"])
    op.create_table(
        "walk_networks",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("version", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("node_count", sa.Integer, nullable=False),
        sa.Column("edge_count", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.create_index("ux_walk_networks_current", "walk_networks", ["is_current"], unique=True,
                    postgresql_where=sa.text("is_current"))
    op.create_table(
        "walk_edges",
        sa.Column("network_id", sa.BigInteger,
                  sa.ForeignKey("walk_networks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("u", sa.BigInteger, nullable=False),
        sa.Column("v", sa.BigInteger, nullable=False),
        sa.Column("length_m", sa.Float, nullable=False),
        sa.Column("geom", Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False),
        sa.PrimaryKeyConstraint("network_id", "seq"),
    )
    op.create_table(
        "station_isochrones",
        sa.Column("station_id", sa.BigInteger,
                  sa.ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("network_version", sa.Text, nullable=False),
        sa.Column("speed_kmh", sa.Float, nullable=False),
        sa.Column("minutes", sa.Float, nullable=False),
        sa.Column("buffer_m", sa.Float, nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
                  nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("station_id", "network_version", "speed_kmh", "minutes",
                                "buffer_m"),
    )


def downgrade() -> None:
    op.drop_table("station_isochrones")
    op.drop_table("walk_edges")
    op.drop_table("walk_networks")
    op.drop_table("stations")
