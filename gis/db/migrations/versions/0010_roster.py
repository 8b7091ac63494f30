"""The roster: people and their duties on areas, versioned like areas; who an incident is on.

``people`` holds versions of a person: ``person_key`` names the person across versions (the
id of its first version), a change inserts a new version and retires the old one
(``valid_to``). ``duties`` holds who answers for which area in which post (``duty``: one of
`gis.roster.duties.DUTIES`, frozen here), with the department of staff sent down. Neither is
ever overwritten in place or deleted: a trigger lets an UPDATE only set ``valid_to`` of a
current row (as ``areas_only_retire`` does, 0001), and refuses DELETE.

A current login belongs to at most one current person (a unique index on ``lower(login)``).

``incidents.assignee_person`` (a ``person_key``) and ``incidents.assignee_department`` (a
department code) say whose job an incident is; ``assignee`` keeps the name shown.

Revision ID: 0010_roster
Revises: 0009_sessions_archive
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_roster"
down_revision = "0009_sessions_archive"
branch_labels = None
depends_on = None

DUTY_NAMES = (
    "'grid_leader', 'full_time', 'part_time', 'seconded', 'volunteer', "
    "'community_secretary', 'community_director', 'street_dispatcher'"
)

ONLY_RETIRE = r"""
CREATE FUNCTION roster_only_retire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '%: rows are never deleted; retire them (valid_to)', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL
       OR (to_jsonb(NEW) - 'valid_to') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to') THEN
        RAISE EXCEPTION '%: row % is never overwritten in place; retire it and insert a new one',
            TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER people_only_retire BEFORE UPDATE OR DELETE ON people
    FOR EACH ROW EXECUTE FUNCTION roster_only_retire();
CREATE TRIGGER duties_only_retire BEFORE UPDATE OR DELETE ON duties
    FOR EACH ROW EXECUTE FUNCTION roster_only_retire();
"""


def _validity() -> list[sa.Column]:
    return [
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("valid_to", sa.DateTime(timezone=True)),
    ]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("person_key", sa.BigInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("phone", sa.Text),
        sa.Column("login", sa.Text),
        sa.Column("unit", sa.Text),
        sa.Column("party_member", sa.Boolean, nullable=False, server_default="false"),
        *_validity(),
    )
    op.create_index("ix_people_current", "people", ["person_key"], unique=True,
                    postgresql_where=sa.text("valid_to IS NULL"))  # fmt: skip
    op.create_index("ix_people_login_current", "people", [sa.text("lower(login)")], unique=True,
                    postgresql_where=sa.text("valid_to IS NULL AND login IS NOT NULL"))  # fmt: skip
    op.create_table(
        "duties",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("person_key", sa.BigInteger, nullable=False),
        sa.Column("duty", sa.Text, nullable=False),
        sa.Column("area_code", sa.String(15), nullable=False),
        sa.Column("department", sa.Text),
        *_validity(),
        sa.CheckConstraint(f"duty IN ({DUTY_NAMES})", name="ck_duties_duty"),
        sa.CheckConstraint("(duty = 'seconded') = (department IS NOT NULL)",
                           name="ck_duties_department"),
    )  # fmt: skip
    op.create_index("ix_duties_current", "duties", ["person_key", "duty", "area_code"],
                    unique=True, postgresql_where=sa.text("valid_to IS NULL"))  # fmt: skip
    op.create_index("ix_duties_area_current", "duties", ["area_code"],
                    postgresql_where=sa.text("valid_to IS NULL"))  # fmt: skip
    op.execute(ONLY_RETIRE)
    op.add_column("incidents", sa.Column("assignee_person", sa.BigInteger))
    op.add_column("incidents", sa.Column("assignee_department", sa.Text))
    op.create_index("ix_incidents_assignee_person", "incidents", ["assignee_person"])


def downgrade() -> None:
    op.drop_index("ix_incidents_assignee_person", "incidents")
    op.drop_column("incidents", "assignee_department")
    op.drop_column("incidents", "assignee_person")
    op.drop_table("duties")
    op.drop_table("people")
    op.execute("DROP FUNCTION IF EXISTS roster_only_retire()")
