"""SQL of the audit log's archive: the retention cutoff, old records in id order, their removal.

``audit_log`` is append-only (migration 0008); the archive is the one way out (migration 0009):
`delete_archived` sets ``gridmap.audit_archive`` for its own transaction only (``SET LOCAL``),
and the trigger still refuses any row younger than the retention period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from gis.identity.records import AuditRecord

_COLUMNS = "id, at, principal, role, source, action, object, result, detail"


@dataclass(frozen=True)
class Span:
    """The audit records before a time: how many, and their first and last ids and times."""

    rows: int
    first_id: int | None
    last_id: int | None
    first_at: datetime | None
    last_at: datetime | None


def retention_cutoff(conn: Connection, *, days: int) -> datetime:
    """The store's ``now()`` less ``days``: records older than this may be archived."""
    query = text("SELECT now() - make_interval(days => :days)")
    return conn.execute(query, {"days": days}).scalar_one()


def span_before(conn: Connection, *, before: datetime) -> Span:
    """How many audit records are older than ``before``, with their id and time ranges."""
    query = text(
        "SELECT count(*) AS rows, min(id) AS first_id, max(id) AS last_id, "
        "min(at) AS first_at, max(at) AS last_at FROM audit_log WHERE at < :before"
    )
    return Span(**conn.execute(query, {"before": before}).one()._asdict())


def records_before(
    conn: Connection, *, before: datetime, after_id: int = 0, limit: int = 5000
) -> list[AuditRecord]:
    """At most ``limit`` audit records older than ``before`` with ids above ``after_id``, by id."""
    query = text(
        f"SELECT {_COLUMNS} FROM audit_log WHERE at < :before AND id > :after "
        "ORDER BY id LIMIT :limit"
    )
    params = {"before": before, "after": after_id, "limit": limit}
    return [AuditRecord(**row._asdict()) for row in conn.execute(query, params)]


def delete_archived(conn: Connection, *, before: datetime, last_id: int) -> tuple[int, int]:
    """Delete the records older than ``before`` up to id ``last_id``: (how many, sum of ids).

    Runs in the caller's transaction, which it lets past the append-only trigger for this one
    statement (the setting is turned off again right after); the trigger still refuses a row
    younger than the retention period, and the whole transaction with it.
    """
    conn.execute(text("SET LOCAL gridmap.audit_archive = 'on'"))
    query = text(
        "WITH gone AS (DELETE FROM audit_log WHERE id <= :last AND at < :before RETURNING id) "
        "SELECT count(*), coalesce(sum(id), 0) FROM gone"
    )
    count, id_sum = conn.execute(query, {"before": before, "last": last_id}).one()
    conn.execute(text("SET LOCAL gridmap.audit_archive = 'off'"))
    return int(count), int(id_sum)
