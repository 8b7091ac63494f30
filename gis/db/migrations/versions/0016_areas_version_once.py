"""The areas version moves once a transaction, not once a statement.

Migration 0003's statement trigger updated ``store_meta``'s one row for every statement on
``areas``. A transaction that runs many statements — a 200,000-grid load sends one INSERT a row
through the driver's pipeline — then updated that row 200,000 times in one transaction, and each
update must walk the chain of the row's versions the transaction made before it: quadratic
(`UPDATE` of one row 40,000 times in one transaction: 22 s; 200,000 grids loaded in 818 s).

Now the trigger records the transaction that last moved the version (``bumped_in``, the
top-level transaction id) and moves it only when another transaction did: readers, who see
only committed transactions, still see the version move with every committed change.

Revision ID: 0016_areas_version_once
Revises: 0015_walk_edges_index
Create Date: 2026-11-30
"""

from alembic import op

revision = "0016_areas_version_once"
down_revision = "0015_walk_edges_index"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE store_meta ADD COLUMN IF NOT EXISTS bumped_in xid8;

CREATE OR REPLACE FUNCTION areas_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_meta
    SET areas_version = areas_version + 1, bumped_in = pg_current_xact_id()
    WHERE bumped_in IS DISTINCT FROM pg_current_xact_id();
    RETURN NULL;
END $$;
"""

DOWNGRADE = """
CREATE OR REPLACE FUNCTION areas_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_meta SET areas_version = areas_version + 1;
    RETURN NULL;
END $$;

ALTER TABLE store_meta DROP COLUMN IF EXISTS bumped_in;
"""


def upgrade() -> None:
    """Move the version once a transaction."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Back to once a statement."""
    op.execute(DOWNGRADE)
