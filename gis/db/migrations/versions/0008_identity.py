"""Identity: users, their role grants, API tokens, and the append-only audit log.

``users.login`` is unique case-insensitively (a unique index on ``lower(login)``). A grant's
role is one of the roles of `gis.identity.roles` (a check constraint, frozen here: a new role
needs a migration); its scope is an area code, NULL only for the unscoped roles. Tokens are
stored as their SHA-256 only.

``audit_log`` is append-only, as ``areas`` refuses in-place edits (0001): a row trigger refuses
UPDATE and DELETE, and a statement trigger refuses TRUNCATE, for every role including the
owner. Tests therefore never truncate it; they read the rows added after a known id.
Retention (keep at least 180 days, archive older rows) is a later step of issue 12 and will
need its own deliberate way past these triggers; no ordinary write has one.

Revision ID: 0008_identity
Revises: 0007_idempotency
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008_identity"
down_revision = "0007_idempotency"
branch_labels = None
depends_on = None

ROLE_NAMES = "'admin', 'auditor', 'planner', 'dispatcher', 'handler', 'grid_worker', 'viewer', 'client'"
UNSCOPED = "'admin', 'auditor'"

APPEND_ONLY = r"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log: rows are never changed or removed (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""


def _now() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                     server_default=sa.func.now())  # fmt: skip


def _users() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("login", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        _now(),
        sa.CheckConstraint("login ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'",
                           name="ck_users_login_format"),
    )  # fmt: skip
    op.create_index("ix_users_login_lower", "users", [sa.text("lower(login)")], unique=True)
    op.create_table(
        "user_grants",
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("scope", sa.String(15)),
        sa.CheckConstraint(f"role IN ({ROLE_NAMES})", name="ck_user_grants_role"),
        sa.CheckConstraint(f"(scope IS NULL) = (role IN ({UNSCOPED}))",
                           name="ck_user_grants_scope"),
        sa.UniqueConstraint("user_id", "role", "scope", name="uq_user_grants",
                            postgresql_nulls_not_distinct=True),
    )  # fmt: skip


def _tokens() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        _now(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )  # fmt: skip


def _audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("principal", sa.Text, nullable=False),
        sa.Column("role", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("object", sa.Text),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("detail", JSONB, nullable=False, server_default="{}"),
        sa.CheckConstraint("result IN ('ok', 'refused', 'failed')", name="ck_audit_log_result"),
    )  # fmt: skip
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_principal_at", "audit_log", ["principal", "at"])
    op.execute(APPEND_ONLY)


def upgrade() -> None:
    _users()
    _tokens()
    _audit()


def downgrade() -> None:
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("api_tokens")
    op.drop_table("user_grants")
    op.drop_table("users")
