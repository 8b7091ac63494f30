"""The grid an incident was placed in at intake, kept when a redraw moves it.

``incidents.grid_code`` is the incident's grid now: a redraw that moves an open incident
changes it, and with it whose job the incident is (issue 13). ``intake_grid_code`` keeps the
first grid it was placed in, for the statistics "as recorded" (`gis.db.stats`): a trigger
sets it from ``grid_code`` the first time that is set (at intake, or when a queued incident
is located) and never again. Existing incidents take their current grid.

Revision ID: 0012_intake_grid
Revises: 0011_escalation
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_intake_grid"
down_revision = "0011_escalation"
branch_labels = None
depends_on = None

KEEP_INTAKE = r"""
CREATE FUNCTION incidents_keep_intake_grid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.intake_grid_code IS NOT NULL THEN
        NEW.intake_grid_code := OLD.intake_grid_code;
    ELSIF NEW.intake_grid_code IS NULL THEN
        NEW.intake_grid_code := NEW.grid_code;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER incidents_keep_intake_grid BEFORE INSERT OR UPDATE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incidents_keep_intake_grid();
"""


def upgrade() -> None:
    op.add_column("incidents", sa.Column("intake_grid_code", sa.String(15)))
    op.execute("UPDATE incidents SET intake_grid_code = grid_code")
    op.execute(KEEP_INTAKE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS incidents_keep_intake_grid ON incidents")
    op.execute("DROP FUNCTION IF EXISTS incidents_keep_intake_grid()")
    op.drop_column("incidents", "intake_grid_code")
