"""SQL for incidents, their event log and duplicate links.

Intake writes through `insert_batch` and `link_batch_duplicates` — one statement each, for one
report or for thousands — so single and batch intake share their rules in SQL too; the
idempotency keys (`gis.incidents.keys`) are claimed by the same statement that inserts.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, false, func, insert, not_, or_, select, text, update

from gis.crs import STORAGE_SRID
from gis.db.models import Area
from gis.db.models import Incident as IncidentRow
from gis.db.models import IncidentEvent as EventRow
from gis.errors import NotFound
from gis.incidents.keys import IdempotencyKey
from gis.incidents.lifecycle import LOCATED_OPEN, OPEN, sql_list
from gis.incidents.records import (
    Incident,
    IncidentDetails,
    IncidentEvent,
    IncidentLink,
    IncidentQuery,
    NewIncident,
)

FIELDS = [c for c in IncidentRow.__table__.columns.keys() if c != "geom"]  # noqa: SIM118


def _point(lon: float, lat: float) -> Any:
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), STORAGE_SRID)


def _columns() -> list[Any]:
    return [
        *(getattr(IncidentRow, f) for f in FIELDS),
        func.ST_X(IncidentRow.geom).label("lon"),
        func.ST_Y(IncidentRow.geom).label("lat"),
    ]


def _incidents(rows: Any) -> list[Incident]:
    return [Incident(**row._mapping) for row in rows]


def add_event(
    conn: Connection,
    *,
    incident_id: int,
    actor: str,
    from_status: str | None,
    to_status: str,
    note: str = "",
    at: datetime | None = None,
) -> None:
    """Append to the incident's log (``at``: when it happened; None: now)."""
    conn.execute(
        insert(EventRow).values(
            incident_id=incident_id,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
            at=func.now() if at is None else at,
        )
    )


def get_incident(conn: Connection, *, incident_id: int, for_update: bool = False) -> Incident:
    """One incident, or `NotFound`; ``for_update`` locks its row until the transaction ends."""
    query = select(*_columns()).where(IncidentRow.id == incident_id)
    if for_update:
        query = query.with_for_update(of=IncidentRow)
    found = _incidents(conn.execute(query))
    if not found:
        raise NotFound(f"incident: no incident {incident_id}")
    return found[0]


def events(conn: Connection, *, incident_id: int) -> list[IncidentEvent]:
    """The incident's log, oldest first."""
    query = (
        select(EventRow.at, EventRow.actor, EventRow.from_status, EventRow.to_status, EventRow.note)
        .where(EventRow.incident_id == incident_id)
        .order_by(EventRow.id)
    )
    return [IncidentEvent(*row) for row in conn.execute(query)]


def links(conn: Connection, *, incident_id: int) -> list[IncidentLink]:
    """Incidents linked to this one (either direction)."""
    query = text(
        "SELECT other_id AS id, kind, distance_m FROM incident_links WHERE incident_id = :i "
        "UNION SELECT incident_id, kind, distance_m FROM incident_links WHERE other_id = :i "
        "ORDER BY id"
    )
    return [IncidentLink(*row) for row in conn.execute(query, {"i": incident_id})]


def details(conn: Connection, *, incident_id: int) -> IncidentDetails:
    """The incident with its event log and linked incidents."""
    return IncidentDetails(
        get_incident(conn, incident_id=incident_id),
        events(conn, incident_id=incident_id),
        links(conn, incident_id=incident_id),
    )


def within_scopes(column: Any, scopes: tuple[str, ...]) -> Any:
    """A filter: ``column`` (an area code) lies in one of ``scopes`` (none: false)."""
    return or_(false(), *(column.startswith(scope, autoescape=True) for scope in scopes))


def list_incidents(conn: Connection, query: IncidentQuery) -> list[Incident]:
    """The incidents the query asks for, by id."""
    select_ = select(*_columns())
    if query.category:
        select_ = select_.where(IncidentRow.category == query.category)
    if query.status:
        select_ = select_.where(IncidentRow.status.in_(query.status))
    if query.scope:
        select_ = select_.where(IncidentRow.grid_code.startswith(query.scope, autoescape=True))
    if query.within is not None:
        select_ = select_.where(within_scopes(IncidentRow.grid_code, query.within))
    if query.assignee_person is not None or query.assignee_departments:
        select_ = select_.where(
            or_(
                IncidentRow.assignee_person == query.assignee_person,
                IncidentRow.assignee_department.in_(query.assignee_departments),
            )
        )
    if query.overdue is not None:
        late = and_(IncidentRow.due_at < func.now(), IncidentRow.status.in_(sorted(OPEN)))
        select_ = select_.where(late if query.overdue else not_(late))
    period = query.period
    if period is not None and period.start is not None:
        select_ = select_.where(IncidentRow.reported_at >= period.start)
    if period is not None and period.end is not None:
        select_ = select_.where(IncidentRow.reported_at < period.end)
    if query.bbox:
        envelope = func.ST_MakeEnvelope(*query.bbox, STORAGE_SRID)
        select_ = select_.where(IncidentRow.geom.intersects(envelope))
    select_ = select_.order_by(IncidentRow.id).limit(query.limit).offset(query.offset)
    return _incidents(conn.execute(select_))


def set_status(
    conn: Connection, *, incident_id: int, values: dict[str, Any], at: datetime | None = None
) -> None:
    """Update status and its timestamps / feedback / assignee (the log is written separately).

    ``at`` is when the change happened (None: now).
    """
    conn.execute(
        update(IncidentRow)
        .where(IncidentRow.id == incident_id)
        .values(**values, updated_at=func.now() if at is None else at)
    )


_GRID_VERSION = "(SELECT min(a.id) FROM areas a WHERE a.code = {grid} AND a.valid_to IS NULL)"


def set_location(
    conn: Connection, *, incident_id: int, lon: float, lat: float, values: dict[str, Any]
) -> None:
    """Give a located point to an incident that had none (and the grid version it lies in)."""
    grid_version = select(func.min(Area.id)).where(
        Area.code == values["grid_code"], Area.valid_to.is_(None)
    )
    conn.execute(
        update(IncidentRow)
        .where(IncidentRow.id == incident_id)
        .values(
            **values,
            geom=_point(lon, lat),
            grid_area_id=grid_version.scalar_subquery(),
            updated_at=func.now(),
        )
    )


def set_grid(conn: Connection, *, incident_id: int, grid_code: str) -> None:
    """Move an incident to another grid (a redraw), with that grid's current version."""
    grid_version = select(func.min(Area.id)).where(Area.code == grid_code, Area.valid_to.is_(None))
    conn.execute(
        update(IncidentRow)
        .where(IncidentRow.id == incident_id)
        .values(
            grid_code=grid_code,
            grid_area_id=grid_version.scalar_subquery(),
            updated_at=func.now(),
        )
    )


def incidents_by_id(conn: Connection, *, ids: list[int]) -> list[Incident]:
    """The incidents with these ids (those that exist), by id."""
    query = select(*_columns()).where(IncidentRow.id.in_(ids)).order_by(IncidentRow.id)
    return _incidents(conn.execute(query))


OPEN_FOR_DUPLICATES = sql_list(LOCATED_OPEN)
BATCH_COLUMNS = {
    "category": "text",
    "description": "text",
    "lon": "float8",
    "lat": "float8",
    "input_crs": "text",
    "input_x": "float8",
    "input_y": "float8",
    "address": "text",
    "address_id": "int8",
    "location_method": "text",
    "match_score": "float8",
    "grid_code": "text",
    "status": "text",
    "severity": "int2",
    "reporter_name": "text",
    "reporter_phone": "text",
    "source": "text",
    "reported_at": "timestamptz",
    "due_at": "timestamptz",
    "attributes": "jsonb",
}
KEY_COLUMNS = {"key_scope": "text", "key_client": "text", "key": "text", "fingerprint": "text"}
_UNNEST = ", ".join(
    f"CAST(:{name} AS {kind}[])" for name, kind in {**BATCH_COLUMNS, **KEY_COLUMNS}.items()
)
_STORED = [c for c in BATCH_COLUMNS if c not in ("lon", "lat")]
INSERT_BATCH = text(
    # each row's incident id drawn first, so that its key can be claimed before it is inserted
    "WITH batch AS MATERIALIZED (SELECT b.*, nextval((SELECT pg_get_serial_sequence("
    "'incidents', 'id'))::regclass) AS id "
    f"FROM unnest({_UNNEST}) WITH ORDINALITY "
    f"AS b({', '.join(BATCH_COLUMNS)}, {', '.join(KEY_COLUMNS)}, position)), "
    # a key already stored is taken over only when it has expired
    "claimed AS (INSERT INTO idempotency_keys (scope, client, key, fingerprint, incident_id) "
    "SELECT key_scope, key_client, key, fingerprint, id FROM batch WHERE key IS NOT NULL "
    "ON CONFLICT (scope, client, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "incident_id = excluded.incident_id, created_at = now() "
    "WHERE idempotency_keys.scope = ANY(CAST(:expiring AS text[])) "
    "AND idempotency_keys.created_at <= now() - CAST(:lifetime AS interval) "
    "RETURNING incident_id), "
    f"new AS (INSERT INTO incidents (id, {', '.join(_STORED)}, geom, grid_area_id, updated_at) "
    f"SELECT b.id, {', '.join('b.' + c for c in _STORED)}, "
    "CASE WHEN b.lon IS NULL THEN NULL "
    f"ELSE ST_SetSRID(ST_MakePoint(b.lon, b.lat), {STORAGE_SRID}) END, "
    f"{_GRID_VERSION.format(grid='b.grid_code')}, coalesce(CAST(:at AS timestamptz), now()) "
    "FROM batch b WHERE b.key IS NULL OR b.id IN (SELECT incident_id FROM claimed) "
    "RETURNING id, status, source), "
    "logged AS (INSERT INTO incident_events (incident_id, actor, from_status, to_status, note, "
    "at) SELECT id, :actor, NULL, status, 'via ' || source || "
    "CASE WHEN status = 'needs_location' THEN '; place unknown' ELSE '' END, "
    "coalesce(CAST(:at AS timestamptz), now()) FROM new) "
    "SELECT b.position, b.id FROM batch b JOIN new USING (id) ORDER BY b.position"
)
STORED_KEYS = text(
    "SELECT k.position, s.incident_id, s.fingerprint FROM unnest(CAST(:scopes AS text[]), "
    "CAST(:clients AS text[]), CAST(:keys AS text[])) WITH ORDINALITY "
    "AS k(scope, client, key, position) "
    "JOIN idempotency_keys s ON (s.scope, s.client, s.key) = (k.scope, k.client, k.key)"
)
LINK_BATCH = text(
    "WITH rules AS (SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:radii AS float8[]), "
    "CAST(:windows AS float8[])) AS r(category, radius_m, window_hours)), "
    "new AS MATERIALIZED (SELECT i.id, i.category, i.grid_code, i.reported_at, i.geom, "
    "r.radius_m, i.reported_at - make_interval(secs => r.window_hours * 3600) AS since "
    "FROM incidents i JOIN rules r ON r.category = i.category "
    "WHERE i.id = ANY(CAST(:ids AS int8[])) AND i.grid_code IS NOT NULL), "
    # per new incident, the earlier open ones of its category within its window: an index range
    # (category, reported_at), so the cost follows the window, not the size of the table
    "pairs AS (SELECT n.id AS incident_id, o.id AS other_id, "
    "ST_Distance(n.geom::geography, o.geom::geography) AS distance_m "
    "FROM new n CROSS JOIN LATERAL (SELECT o.id, o.geom FROM incidents o "
    "WHERE o.category = n.category AND o.reported_at >= n.since "
    "AND o.reported_at <= n.reported_at AND (o.reported_at, o.id) < (n.reported_at, n.id) "
    f"AND o.grid_code = n.grid_code AND o.status IN {OPEN_FOR_DUPLICATES} "
    # degrees first (a degree of longitude is the shorter one, so this keeps every match)
    "AND ST_DWithin(n.geom, o.geom, n.radius_m / (111320 * cos(radians(ST_Y(n.geom))))) "
    "AND ST_DWithin(n.geom::geography, o.geom::geography, n.radius_m)) o), "
    "linked AS (INSERT INTO incident_links (incident_id, other_id, kind, distance_m) "
    "SELECT incident_id, other_id, 'possible_duplicate', distance_m FROM pairs "
    "ON CONFLICT DO NOTHING RETURNING incident_id) "
    "UPDATE incidents SET possible_duplicate = true "
    "WHERE id IN (SELECT incident_id FROM linked) RETURNING id"
)


def insert_batch(
    conn: Connection,
    *,
    rows: list[NewIncident],
    actor: str,
    expiring: tuple[str, ...],
    lifetime: timedelta,
    at: datetime | None = None,
) -> dict[int, int]:
    """Insert incidents in one statement, each with its first log entry and its key.

    A row whose idempotency key is stored already is skipped, unless the key is of a scope in
    ``expiring`` and older than ``lifetime``: then the key moves to the new incident. The keys
    of one call must differ. ``at`` is when they were received (the log's first entry; None:
    now). Returns the position of each row inserted → its incident id.
    """
    if not rows:
        return {}
    columns = {name: [getattr(row, name) for row in rows] for name in BATCH_COLUMNS}
    columns["attributes"] = [json.dumps(a, ensure_ascii=False) for a in columns["attributes"]]
    keys = [row.key for row in rows]
    columns["key_scope"] = [None if k is None else k.scope for k in keys]
    columns["key_client"] = [None if k is None else k.client for k in keys]
    columns["key"] = [None if k is None else k.key for k in keys]
    columns["fingerprint"] = [row.fingerprint for row in rows]
    params = {
        **columns,
        "actor": actor,
        "expiring": list(expiring),
        "lifetime": lifetime,
        "at": at,
    }
    return {int(p) - 1: int(i) for p, i in conn.execute(INSERT_BATCH, params)}


def stored_keys(
    conn: Connection, *, keys: list[IdempotencyKey]
) -> dict[int, tuple[int, str | None]]:
    """For the keys stored: position in ``keys`` → (the incident made, its report's fingerprint)."""
    if not keys:
        return {}
    params = {
        "scopes": [k.scope for k in keys],
        "clients": [k.client for k in keys],
        "keys": [k.key for k in keys],
    }
    return {int(p) - 1: (int(i), f) for p, i, f in conn.execute(STORED_KEYS, params)}


def link_batch_duplicates(
    conn: Connection, *, ids: list[int], rules: dict[str, tuple[float, float]]
) -> int:
    """Link each new incident to earlier open ones nearby (same category and grid) in one statement.

    ``rules`` maps a category to its duplicate radius (m) and window (hours). Returns how many
    of ``ids`` were flagged as possible duplicates.
    """
    if not ids:
        return 0
    params = {
        "ids": ids,
        "codes": list(rules),
        "radii": [radius for radius, _ in rules.values()],
        "windows": [window for _, window in rules.values()],
    }
    return len(conn.execute(LINK_BATCH, params).all())


def overdue_to_escalate(conn: Connection, *, now: datetime, limit: int) -> list[Incident]:
    """Open, located incidents past due and escalated less than twice, oldest due first.

    Locked for the caller's transaction; rows another transaction holds are skipped, so two
    supervisors never escalate one incident twice.
    """
    query = (
        select(*_columns())
        .where(IncidentRow.status.in_(sorted(LOCATED_OPEN)))
        .where(IncidentRow.due_at < now)
        .where(IncidentRow.escalation_level < 2)
        .order_by(IncidentRow.due_at, IncidentRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=IncidentRow)
    )
    return _incidents(conn.execute(query))


_MARKED = (
    "attributes @> CAST(:mark AS jsonb) AND EXISTS (SELECT 1 FROM incident_events e "
    "WHERE e.incident_id = incidents.id AND e.from_status IS NULL AND e.actor = :loader)"
)
"""Incidents carrying ``mark`` in their attributes *and* recorded first by ``loader``: a
reporter's own attributes alone never make an incident look loaded."""


def count_loaded(conn: Connection, *, mark: dict[str, Any], loader: str) -> int:
    """How many incidents ``loader`` reported with the attributes ``mark`` (the sample's)."""
    query = text(f"SELECT count(*) FROM incidents WHERE {_MARKED}")
    return int(conn.execute(query, {"mark": json.dumps(mark), "loader": loader}).scalar_one())


def delete_loaded(conn: Connection, *, mark: dict[str, Any], loader: str) -> int:
    """Delete the incidents ``loader`` reported with ``mark``, with their logs, links and keys.

    Returns how many went. Every other incident stays as it is.
    """
    query = text(f"DELETE FROM incidents WHERE {_MARKED} RETURNING id")
    return len(conn.execute(query, {"mark": json.dumps(mark), "loader": loader}).all())
