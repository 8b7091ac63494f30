"""An index on incident_links.other_id: an incident's links are read from both ends.

Without it, reading the links of an incident (every intake answer, every details view) scans
the whole table for the links that point at it.

Revision ID: 0006_incident_links_other
Revises: 0005_stations
Create Date: 2026-11-30
"""

from alembic import op

revision = "0006_incident_links_other"
down_revision = "0005_stations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_links_other", "incident_links", ["other_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_links_other", table_name="incident_links")
