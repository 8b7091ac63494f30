"""SQL for incidents, their event log, duplicate links and the standard-address registry."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gis.db.engine import store_refused, transaction
from gis.db.models import STORAGE_SRID, Incident, IncidentEvent, IncidentLink
from gis.errors import NotFound
from gis.incidents.lifecycle import LOCATED_OPEN, sql_list

FIELDS = [c for c in Incident.__table__.columns.keys() if c != "geom"]  # noqa: SIM118


def _point(lon: float | None, lat: float | None) -> Any:
    if lon is None or lat is None:
        return None
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), STORAGE_SRID)


def _columns() -> list[Any]:
    return [
        *(getattr(Incident, f) for f in FIELDS),
        func.ST_X(Incident.geom).label("lon"),
        func.ST_Y(Incident.geom).label("lat"),
    ]


def insert_incident(
    conn: Connection, *, values: dict[str, Any], lon: float | None, lat: float | None
) -> tuple[int, bool]:
    """Insert one incident; with an idempotency key already used, return that one instead.

    Returns the id and whether it was created now.
    """
    statement = pg_insert(Incident).values(**values, geom=_point(lon, lat))
    key = values.get("idempotency_key")
    if key:
        statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    new_id = conn.execute(statement.returning(Incident.id)).scalar()
    if new_id is not None:
        return int(new_id), True
    existing = conn.execute(select(Incident.id).where(Incident.idempotency_key == key)).scalar_one()
    return int(existing), False


def add_event(
    conn: Connection,
    *,
    incident_id: int,
    actor: str,
    from_status: str | None,
    to_status: str,
    note: str = "",
) -> None:
    """Append to the incident's log."""
    conn.execute(
        insert(IncidentEvent).values(
            incident_id=incident_id,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
    )


def get_incident(conn: Connection, *, incident_id: int, for_update: bool = False) -> dict[str, Any]:
    """One incident as a dict (with lon/lat), or `NotFound`."""
    query = select(*_columns()).where(Incident.id == incident_id)
    if for_update:
        query = query.with_for_update(of=Incident)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"incident: no incident {incident_id}")
    return dict(row._mapping)


def events(conn: Connection, *, incident_id: int) -> list[dict[str, Any]]:
    """The incident's log, oldest first."""
    query = (
        select(
            IncidentEvent.at,
            IncidentEvent.actor,
            IncidentEvent.from_status,
            IncidentEvent.to_status,
            IncidentEvent.note,
        )
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def links(conn: Connection, *, incident_id: int) -> list[dict[str, Any]]:
    """Incidents linked to this one (either direction)."""
    query = text(
        "SELECT other_id AS id, kind, distance_m FROM incident_links WHERE incident_id = :i "
        "UNION SELECT incident_id, kind, distance_m FROM incident_links WHERE other_id = :i "
        "ORDER BY id"
    )
    return [dict(r._mapping) for r in conn.execute(query, {"i": incident_id})]


def list_incidents(
    conn: Connection,
    *,
    category: str | None = None,
    status: list[str] | None = None,
    scope: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Incidents filtered by category, status, grid scope (code prefix), time and bbox."""
    query = select(*_columns())
    if category:
        query = query.where(Incident.category == category)
    if status:
        query = query.where(Incident.status.in_(status))
    if scope:
        query = query.where(Incident.grid_code.startswith(scope, autoescape=True))
    if start:
        query = query.where(Incident.reported_at >= start)
    if end:
        query = query.where(Incident.reported_at < end)
    if bbox:
        query = query.where(Incident.geom.intersects(func.ST_MakeEnvelope(*bbox, STORAGE_SRID)))
    query = query.order_by(Incident.id).limit(limit).offset(offset)
    return [dict(r._mapping) for r in conn.execute(query)]


def nearby_open(
    conn: Connection,
    *,
    category: str,
    grid_code: str,
    lon: float,
    lat: float,
    radius_m: float,
    since: datetime,
    exclude: int,
) -> list[tuple[int, float]]:
    """Open incidents of a category, same grid, within ``radius_m``, reported since ``since``."""
    query = text(
        "SELECT id, ST_Distance(geom::geography, "
        "ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography) d FROM incidents "
        "WHERE category = :c AND grid_code = :g AND id <> :e AND reported_at >= :t "
        f"AND status IN {sql_list(LOCATED_OPEN)} "
        "AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography, :r) "
        "ORDER BY d"
    )
    rows = conn.execute(
        query,
        {
            "x": lon,
            "y": lat,
            "c": category,
            "g": grid_code,
            "e": exclude,
            "t": since,
            "r": radius_m,
        },
    )
    return [(int(r.id), float(r.d)) for r in rows]


def link_duplicates(conn: Connection, *, incident_id: int, others: list[tuple[int, float]]) -> None:
    """Record possible duplicates and flag the incident."""
    if not others:
        return
    conn.execute(
        insert(IncidentLink),
        [
            {
                "incident_id": incident_id,
                "other_id": other,
                "kind": "possible_duplicate",
                "distance_m": d,
            }
            for other, d in others
        ],
    )
    conn.execute(update(Incident).where(Incident.id == incident_id).values(possible_duplicate=True))


def set_status(conn: Connection, *, incident_id: int, values: dict[str, Any]) -> None:
    """Update status and its timestamps / feedback / assignee (the log is written separately)."""
    conn.execute(
        update(Incident).where(Incident.id == incident_id).values(**values, updated_at=func.now())
    )


def set_location(
    conn: Connection, *, incident_id: int, lon: float, lat: float, values: dict[str, Any]
) -> None:
    """Give a located point (and grid) to an incident that had none."""
    conn.execute(
        update(Incident)
        .where(Incident.id == incident_id)
        .values(**values, geom=_point(lon, lat), updated_at=func.now())
    )


def current_grid_version(conn: Connection, *, code: str) -> int | None:
    """Id of the current version of a grid (the boundary an incident is assigned under)."""
    query = (
        select(func.min(text("id")))
        .select_from(text("areas"))
        .where(text("code = :c AND valid_to IS NULL"))
    )
    value = conn.execute(query, {"c": code}).scalar()
    return int(value) if value is not None else None


def incidents_by_id(conn: Connection, *, ids: list[int]) -> list[dict[str, Any]]:
    """The incidents with these ids (those that exist), by id."""
    query = select(*_columns()).where(Incident.id.in_(ids)).order_by(Incident.id)
    return [dict(r._mapping) for r in conn.execute(query)]


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
    "idempotency_key": "text",
    "attributes": "jsonb",
}
_UNNEST = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in BATCH_COLUMNS.items())
_STORED = [c for c in BATCH_COLUMNS if c not in ("lon", "lat")]
INSERT_BATCH = text(
    f"WITH batch AS (SELECT * FROM unnest({_UNNEST}) AS b({', '.join(BATCH_COLUMNS)})), "
    f"new AS (INSERT INTO incidents ({', '.join(_STORED)}, geom, grid_area_id) "
    f"SELECT {', '.join('b.' + c for c in _STORED)}, "
    "CASE WHEN b.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326) END, "
    "(SELECT min(a.id) FROM areas a WHERE a.code = b.grid_code AND a.valid_to IS NULL) "
    "FROM batch b ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, status, source), "
    "logged AS (INSERT INTO incident_events (incident_id, actor, from_status, to_status, note) "
    "SELECT id, :actor, NULL, status, 'via ' || source || "
    "CASE WHEN status = 'needs_location' THEN '; place unknown' ELSE '' END FROM new) "
    "SELECT id FROM new ORDER BY id"
)
LINK_BATCH = text(
    "WITH rules AS (SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:radii AS float8[]), "
    "CAST(:windows AS float8[])) AS r(category, radius_m, window_hours)), "
    "new AS MATERIALIZED (SELECT i.id, i.category, i.grid_code, i.reported_at, i.geom, "
    "r.radius_m, i.reported_at - make_interval(secs => r.window_hours * 3600) AS since "
    "FROM incidents i JOIN rules r ON r.category = i.category "
    "WHERE i.id = ANY(CAST(:ids AS int8[])) AND i.grid_code IS NOT NULL), "
    # the earlier open incidents the batch could match, read once; joined by hash on
    # (category, grid), which beats one index probe per new row once the table is large
    "earlier AS MATERIALIZED (SELECT o.id, o.category, o.grid_code, o.reported_at, o.geom "
    f"FROM incidents o WHERE o.status IN {OPEN_FOR_DUPLICATES} AND o.grid_code IS NOT NULL "
    "AND o.reported_at >= (SELECT min(since) FROM new) "
    "AND o.reported_at <= (SELECT max(reported_at) FROM new)), "
    "pairs AS (SELECT n.id AS incident_id, o.id AS other_id, "
    "ST_Distance(n.geom::geography, o.geom::geography) AS distance_m "
    "FROM new n JOIN earlier o ON o.category = n.category AND o.grid_code = n.grid_code "
    "WHERE (o.reported_at, o.id) < (n.reported_at, n.id) AND o.reported_at >= n.since "
    # degrees first (a degree of longitude is the shorter one, so this keeps every match)
    "AND ST_DWithin(n.geom, o.geom, n.radius_m / (111320 * cos(radians(ST_Y(n.geom))))) "
    "AND ST_DWithin(n.geom::geography, o.geom::geography, n.radius_m)), "
    "linked AS (INSERT INTO incident_links (incident_id, other_id, kind, distance_m) "
    "SELECT incident_id, other_id, 'possible_duplicate', distance_m FROM pairs "
    "ON CONFLICT DO NOTHING RETURNING incident_id) "
    "UPDATE incidents SET possible_duplicate = true "
    "WHERE id IN (SELECT incident_id FROM linked) RETURNING id"
)


def insert_batch(conn: Connection, *, rows: list[dict[str, Any]], actor: str) -> list[int]:
    """Insert many incidents in one statement, each with its first log entry.

    ``rows`` carry the keys of `BATCH_COLUMNS` (``lon``/``lat`` WGS84 or None). A row whose
    idempotency key is already stored is skipped; returns the ids created.
    """
    if not rows:
        return []
    columns: dict[str, list[Any]] = {name: [] for name in BATCH_COLUMNS}
    for row in rows:
        for name, values in columns.items():
            value = row.get(name)
            values.append(json.dumps(value, ensure_ascii=False) if name == "attributes" else value)
    return [int(i) for i in conn.execute(INSERT_BATCH, {**columns, "actor": actor}).scalars()]


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


def import_batch(
    engine: Engine,
    *,
    rows: list[dict[str, Any]],
    rules: dict[str, tuple[float, float]],
    actor: str,
) -> tuple[list[int], int]:
    """Insert a batch and link its possible duplicates in one transaction (all or nothing).

    Returns the ids created and the count flagged; a value the store refuses raises
    `StoreRefused` with nothing of the batch written.
    """
    with store_refused("row"), transaction(engine) as conn:
        ids = insert_batch(conn, rows=rows, actor=actor)
        return ids, link_batch_duplicates(conn, ids=ids, rules=rules)
