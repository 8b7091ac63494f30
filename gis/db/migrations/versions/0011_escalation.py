"""Supervision (督办): how far an overdue incident has been escalated.

``incidents.escalation_level``: 0 not escalated, 1 to the grid leader, 2 to the street's
dispatcher; each step is also an event of the incident's log.

Revision ID: 0011_escalation
Revises: 0010_roster
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_escalation"
down_revision = "0010_roster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "incidents",
        sa.Column("escalation_level", sa.SmallInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("incidents", "escalation_level")
