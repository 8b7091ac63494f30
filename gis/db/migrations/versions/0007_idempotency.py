"""idempotency_keys: keys scoped per source and client, with the fingerprint of their report.

Replaces ``incidents.idempotency_key`` (one space for every client and source). A key is unique
per (scope, client, key); the fingerprint of the report it first came with tells a retry from
a reused key; ``created_at`` lets HTTP keys expire. The keys stored so far move over without a
fingerprint (they match any report): imports (``import:<file>:<row>``, which new content-hash
keys never equal) under the CLI, the others as anonymous native or Open311 keys, created when
their incident's log began.

No index on ``incident_id``: incidents are never deleted, and every import row would pay for it.

Revision ID: 0007_idempotency
Revises: 0006_incident_links_other
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_idempotency"
down_revision = "0006_incident_links_other"
branch_labels = None
depends_on = None

MOVE_KEYS = """
INSERT INTO idempotency_keys (scope, client, key, fingerprint, incident_id, created_at)
SELECT CASE WHEN e.actor LIKE 'import:%' THEN 'import'
            WHEN i.source = 'open311' THEN 'open311' ELSE 'native' END,
       CASE WHEN e.actor LIKE 'import:%' THEN 'cli' ELSE 'anonymous' END,
       i.idempotency_key, NULL, i.id, coalesce(e.at, i.updated_at)
FROM incidents i
LEFT JOIN LATERAL (SELECT actor, at FROM incident_events WHERE incident_id = i.id
                   ORDER BY id LIMIT 1) e ON true
WHERE i.idempotency_key IS NOT NULL
"""
KEYS_BACK = """
UPDATE incidents i SET idempotency_key = k.key
FROM (SELECT DISTINCT ON (key) key, incident_id FROM (
        SELECT CASE WHEN scope = 'import' AND key NOT LIKE 'import:%' THEN 'import:' || key
                    ELSE key END AS key, incident_id, created_at
        FROM idempotency_keys) all_keys
      ORDER BY key, created_at DESC) k
WHERE i.id = k.incident_id
"""


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("client", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text),
        sa.Column("incident_id", sa.BigInteger,
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.CheckConstraint("scope IN ('import', 'native', 'open311')",
                           name="ck_idempotency_scope"),
    )  # fmt: skip
    op.execute(MOVE_KEYS)
    op.drop_column("incidents", "idempotency_key")


def downgrade() -> None:
    op.add_column("incidents", sa.Column("idempotency_key", sa.Text))
    op.create_unique_constraint(
        "incidents_idempotency_key_key", "incidents", ["idempotency_key"]
    )
    op.execute(KEYS_BACK)
    op.drop_table("idempotency_keys")
