"""A spatial index on the walking network's edges.

The workbench cuts a plan's grids into street blocks along the edges inside the plan's box
(`gis.db.stations.network_lines`); without an index that query reads every edge of the
network, which for a city's network is hundreds of thousands of rows per edit.

Revision ID: 0015_walk_edges_index
Revises: 0014_plan_notes
Create Date: 2026-11-30
"""

from alembic import op

revision = "0015_walk_edges_index"
down_revision = "0014_plan_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the GiST index."""
    op.create_index(
        "ix_walk_edges_geom", "walk_edges", ["geom"], postgresql_using="gist", if_not_exists=True
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_walk_edges_geom", table_name="walk_edges", if_exists=True)
