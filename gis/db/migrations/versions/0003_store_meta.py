"""store_meta: a version number of the areas table, bumped by every statement that changes it.

Lookup workers cache point-in-area indexes in memory; they compare this one number before each
answer and rebuild when it moved. The trigger is statement-level, so a load of 10,000 rows bumps
it once, and it runs inside the writing transaction: the new number becomes visible at the same
commit as the rows themselves.

Revision ID: 0003_store_meta
Revises: 0002_plans
Create Date: 2026-11-26
"""

from alembic import op

revision = "0003_store_meta"
down_revision = "0002_plans"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE store_meta (
    id boolean PRIMARY KEY DEFAULT true CONSTRAINT ck_store_meta_one_row CHECK (id),
    areas_version bigint NOT NULL DEFAULT 1
);
INSERT INTO store_meta (id, areas_version) VALUES (true, 1);

CREATE FUNCTION areas_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_meta SET areas_version = areas_version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER areas_bump_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON areas
    FOR EACH STATEMENT EXECUTE FUNCTION areas_bump_version();
"""

DOWNGRADE = """
DROP TRIGGER IF EXISTS areas_bump_version ON areas;
DROP FUNCTION IF EXISTS areas_bump_version();
DROP TABLE IF EXISTS store_meta;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
