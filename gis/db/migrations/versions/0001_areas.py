"""areas: one versioned table for districts, subdistricts, communities and grids.

Revision ID: 0001_areas
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_areas"
down_revision = None
branch_labels = None
depends_on = None

CODE_FORMAT = r"""
    (level = 'district'    AND code ~ '^[0-9]{6}$')
 OR (level = 'subdistrict' AND code ~ '^[0-9]{9}$')
 OR (level = 'community'   AND code ~ '^[0-9]{12}$')
 OR (level = 'grid'        AND code ~ '^[0-9]{15}$')
"""
PARENT_PREFIX = """
    (level = 'district' AND parent_code IS NULL)
 OR (level <> 'district' AND parent_code = left(code, length(code) - 3))
"""

TRIGGERS = r"""
CREATE FUNCTION areas_parent_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_level text := CASE NEW.level WHEN 'subdistrict' THEN 'district'
                                        WHEN 'community' THEN 'subdistrict'
                                        WHEN 'grid' THEN 'community' END;
BEGIN
    -- a malformed code or parent is left to the CHECK constraints, which name it
    IF parent_level IS NOT NULL
       AND NEW.parent_code = left(NEW.code, length(NEW.code) - 3)
       AND NOT EXISTS (
        SELECT 1 FROM areas
        WHERE code = NEW.parent_code AND level = parent_level AND valid_to IS NULL
    ) THEN
        RAISE EXCEPTION 'parent_code: % % has no current parent % %',
            NEW.level, NEW.code, parent_level, NEW.parent_code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER areas_parent_exists BEFORE INSERT ON areas
    FOR EACH ROW EXECUTE FUNCTION areas_parent_exists();

CREATE FUNCTION areas_only_retire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.valid_to IS NOT NULL THEN
        RAISE EXCEPTION 'areas: version % of % is retired and cannot change', OLD.id, OLD.code
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.id, NEW.level, NEW.code, NEW.name, NEW.parent_code, NEW.households,
        NEW.population, NEW.attributes, NEW.valid_from)
       IS DISTINCT FROM
       (OLD.id, OLD.level, OLD.code, OLD.name, OLD.parent_code, OLD.households,
        OLD.population, OLD.attributes, OLD.valid_from)
       OR NOT ST_Equals(NEW.geom, OLD.geom) THEN
        RAISE EXCEPTION 'areas: % is never overwritten in place; insert a new version', OLD.code
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER areas_only_retire BEFORE UPDATE ON areas
    FOR EACH ROW EXECUTE FUNCTION areas_only_retire();
"""


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("code", sa.String(15), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent_code", sa.String(12)),
        sa.Column(
            "geom",
            Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column("households", sa.Integer),
        sa.Column("population", sa.Integer),
        sa.Column("attributes", JSONB, nullable=False, server_default="{}"),
        sa.Column(
            "valid_from", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("valid_to", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "level IN ('district', 'subdistrict', 'community', 'grid')", name="ck_areas_level"
        ),
        sa.CheckConstraint(CODE_FORMAT, name="ck_areas_code_format"),
        sa.CheckConstraint(PARENT_PREFIX, name="ck_areas_parent_prefix"),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="ck_areas_geom_valid"
        ),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="ck_areas_validity"),
        sa.CheckConstraint(
            "coalesce(households, 0) >= 0 AND coalesce(population, 0) >= 0",
            name="ck_areas_counts",
        ),
        sa.CheckConstraint("length(btrim(name)) > 0", name="ck_areas_name"),
    )
    op.execute(
        "ALTER TABLE areas ADD CONSTRAINT ex_areas_one_version_at_a_time "
        "EXCLUDE USING gist (code WITH =, tstzrange(valid_from, valid_to) WITH &&)"
    )
    op.create_index("ix_areas_geom", "areas", ["geom"], postgresql_using="gist")
    op.create_index(
        "ix_areas_current_code",
        "areas",
        ["code"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index("ix_areas_level_parent", "areas", ["level", "parent_code"])
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.drop_table("areas")
    op.execute("DROP FUNCTION IF EXISTS areas_parent_exists()")
    op.execute("DROP FUNCTION IF EXISTS areas_only_retire()")
