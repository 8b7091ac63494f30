"""SQL for incidents, their event log, duplicate links and the standard-address registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gis.db.models import STORAGE_SRID, Address, Incident, IncidentEvent, IncidentLink
from gis.errors import NotFound

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
        "AND status IN ('reported', 'triaged', 'dispatched', 'in_progress', 'reopened') "
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


def registry(conn: Connection) -> list[dict[str, Any]]:
    """Every standard address: id, address, lon, lat, building, households."""
    query = select(
        Address.id,
        Address.address,
        Address.normalized,
        Address.building,
        Address.households,
        func.ST_X(Address.geom).label("lon"),
        func.ST_Y(Address.geom).label("lat"),
    ).order_by(Address.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def upsert_addresses(conn: Connection, *, rows: list[dict[str, Any]]) -> int:
    """Add or update standard addresses by their normalised form; returns the count."""
    if not rows:
        return 0
    values = [
        {
            **{k: v for k, v in row.items() if k not in ("lon", "lat")},
            "geom": f"SRID={STORAGE_SRID};POINT({row['lon']!r} {row['lat']!r})",
        }
        for row in rows
    ]
    statement = pg_insert(Address).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["normalized"],
        set_={
            c: statement.excluded[c]
            for c in ("address", "geom", "building", "households", "source", "attributes")
        },
    )
    conn.execute(statement)
    return len(rows)
