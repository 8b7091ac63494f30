"""Issue 11, item 3: the ``idempotency_keys`` table, and the migration that fills it (real PostGIS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from gis.db import engine as db_engine
from gis.db.models import IdempotencyKey
from tests.stores import scratch_database

INCIDENT = (
    "INSERT INTO incidents (category, status, source, due_at) "
    "VALUES ('hazard', 'needs_location', 'app', now()) RETURNING id"
)
INCIDENT_0006 = (
    "INSERT INTO incidents (category, status, source, due_at, idempotency_key) "
    "VALUES ('hazard', 'needs_location', :source, now(), :key) RETURNING id"
)
EVENT = (
    "INSERT INTO incident_events (incident_id, actor, to_status, at) "
    "VALUES (:id, :actor, 'needs_location', now() - interval '2 hours')"
)
LEGACY = [  # key, source, first actor → scope, client after the migration
    ("import:reports.csv:1", "import", "import:reports.csv", "import", "cli"),
    ("abc-1", "app", "api:app", "native", "anonymous"),
    ("k1", "open311", "api:open311", "open311", "anonymous"),
]


def test_item3_the_table_is_the_models(engine: Engine) -> None:
    stored = {c["name"]: c["nullable"] for c in inspect(engine).get_columns("idempotency_keys")}
    modelled = {c.name: c.nullable for c in IdempotencyKey.__table__.columns}
    assert stored == modelled
    assert "idempotency_key" not in {c["name"] for c in inspect(engine).get_columns("incidents")}


def test_item3_a_key_is_unique_per_scope_client_and_key(conn: Connection) -> None:
    incident_id = conn.execute(text(INCIDENT)).scalar_one()
    add = text(
        "INSERT INTO idempotency_keys (scope, client, key, fingerprint, incident_id) "
        "VALUES (:scope, :client, 'k', 'f', :id)"
    )
    for scope, client in (("native", "a"), ("native", "b"), ("open311", "a"), ("import", "a")):
        conn.execute(add, {"scope": scope, "client": client, "id": incident_id})
    with pytest.raises(IntegrityError):
        conn.execute(add, {"scope": "native", "client": "a", "id": incident_id})


def test_item3_an_unknown_scope_is_refused(conn: Connection) -> None:
    incident_id = conn.execute(text(INCIDENT)).scalar_one()
    with pytest.raises(IntegrityError, match="ck_idempotency_scope"):
        conn.execute(
            text(
                "INSERT INTO idempotency_keys (scope, client, key, incident_id) "
                "VALUES ('app', 'a', 'k', :id)"
            ),
            {"id": incident_id},
        )


@pytest.fixture
def scratch(database_url: str) -> Iterator[str]:
    """A database of its own, at migration 0006, dropped afterwards."""
    with scratch_database(database_url, "item3", "0006_incident_links_other") as url:
        yield url


def test_item3_the_migration_moves_the_stored_keys_and_back(scratch: str) -> None:
    sql = db_engine.make_engine(scratch)
    with sql.begin() as connection:
        for key, source, actor, _, _ in LEGACY:
            incident_id = connection.execute(text(INCIDENT_0006), {"source": source, "key": key})
            connection.execute(text(EVENT), {"id": incident_id.scalar_one(), "actor": actor})
    command.upgrade(db_engine.alembic_config(scratch), "0007_idempotency")
    with sql.connect() as connection:
        moved = connection.execute(
            text(
                "SELECT key, scope, client, fingerprint, "
                "now() - created_at > interval '1 hour' FROM idempotency_keys ORDER BY incident_id"
            )
        ).all()
    assert [tuple(row) for row in moved] == [
        (key, scope, client, None, True) for key, _, _, scope, client in LEGACY
    ]
    command.downgrade(db_engine.alembic_config(scratch), "0006_incident_links_other")
    with sql.connect() as connection:
        back = connection.execute(text("SELECT idempotency_key FROM incidents ORDER BY id"))
        assert list(back.scalars()) == [key for key, *_ in LEGACY]
    sql.dispose()
