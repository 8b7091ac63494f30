"""Browser sessions, a TOTP secret per user, and the one way old audit records may leave.

``sessions`` holds browser sessions as the SHA-256 of their cookie, with their CSRF token, the
time they were last used (the idle timeout counts from it) and an absolute end.
``users.totp_secret`` is the base32 secret of an optional TOTP second factor.

``audit_log`` stays append-only with one deliberate exception, the archive: a DELETE passes
the trigger only inside a transaction that set ``gridmap.audit_archive = 'on'`` (``SET LOCAL``,
done by ``gridmap audit archive`` after it has written the rows to a file) and only for rows
older than 180 days (the cybersecurity law's six months). UPDATE and TRUNCATE stay refused.

Revision ID: 0009_sessions_archive
Revises: 0008_identity
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_sessions_archive"
down_revision = "0008_identity"
branch_labels = None
depends_on = None

RETENTION_DAYS = 180

ARCHIVE_PATH = rf"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('gridmap.audit_archive', true) = 'on'
       AND OLD.at < now() - interval '{RETENTION_DAYS} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log: rows are never changed or removed (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""

APPEND_ONLY = r"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log: rows are never changed or removed (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("csrf", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    op.add_column("users", sa.Column("totp_secret", sa.Text))
    op.execute(ARCHIVE_PATH)


def downgrade() -> None:
    op.execute(APPEND_ONLY)
    op.drop_column("users", "totp_secret")
    op.drop_table("sessions")
