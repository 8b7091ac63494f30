"""Incident workflows against the store: report, move through the loop, locate the queue.

Reports are located (coordinates, else the standard-address registry), checked for possible
duplicates and idempotent; incidents waiting in the ``needs_location`` queue get a place later.

Every call is one transaction, committed before it returns: an accepted report is never lost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, text

from gis.db import addresses as address_sql
from gis.db import incidents as incident_sql
from gis.db.engine import connect, store_refused, transaction
from gis.errors import InvalidInput
from gis.incidents.addresses import AddressMatcher
from gis.incidents.catalogue import Catalogue
from gis.incidents.lifecycle import check_transition
from gis.incidents.report import IncidentReport
from gis.lookup import AreaLookup


@dataclass(frozen=True)
class Place:
    """Where a report was placed: WGS84 point, grid, and how it was found."""

    lon: float | None
    lat: float | None
    grid_code: str | None
    method: str  # coordinates | address_exact | address_normalised | address_fuzzy | none
    address_id: int | None = None
    score: float | None = None


class AddressRegistry:
    """The standard addresses in memory, reloaded when the table changes (count or last id)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._rows: list[dict[str, Any]] = []
        self._matcher = AddressMatcher([])

    def _fresh(self) -> tuple[list[dict[str, Any]], AddressMatcher]:
        with connect(self._engine) as conn:
            # xmin changes with every insert and update, so in-place updates are seen too
            stamp = tuple(
                conn.execute(
                    text(
                        "SELECT count(*), coalesce(max(id), 0), "
                        "coalesce(max(xmin::text::bigint), 0) FROM addresses"
                    )
                ).one()
            )
            with self._lock:
                if stamp != self._stamp:
                    self._rows = address_sql.registry(conn)
                    self._matcher = AddressMatcher([r["address"] for r in self._rows])
                    self._stamp = stamp
                return self._rows, self._matcher

    def resolve(self, address: str) -> tuple[dict[str, Any], str, float] | None:
        """The registry row for a free-text address, the method and the score; None if unknown."""
        rows, matcher = self._fresh()
        found = matcher.match(address)
        if found is None:
            return None
        return rows[found.position], f"address_{found.method}", found.score


def place(report: IncidentReport, lookup: AreaLookup, registry: AddressRegistry) -> Place:
    """Coordinates first (they are the reporter's own), else the address via the registry."""
    lon, lat, method, address_id, score = report.lon, report.lat, "coordinates", None, None
    if not report.has_point and report.address:
        resolved = registry.resolve(report.address)
        if resolved is None:
            return Place(None, None, None, "none")
        row, method, score = resolved
        lon, lat, address_id = row["lon"], row["lat"], row["id"]
    if lon is None or lat is None:
        return Place(None, None, None, "none")
    grid = str(lookup.locate_one(lon, lat)["grid_code"])
    return Place(lon, lat, grid or None, method, address_id, score)


def report(
    engine: Engine,
    incoming: IncidentReport,
    *,
    lookup: AreaLookup,
    registry: AddressRegistry,
    catalogue: Catalogue,
    actor: str = "system",
) -> tuple[dict[str, Any], bool]:
    """Record a report; returns the incident and whether it is new (False: idempotent retry)."""
    category = catalogue[incoming.category]
    where = place(incoming, lookup, registry)
    reported_at = incoming.reported_at or datetime.now(UTC)
    status = "reported" if where.lon is not None else "needs_location"
    with store_refused("incident"), transaction(engine) as conn:
        values = _values(incoming, where, status, reported_at, category.sla_hours, conn)
        incident_id, created = incident_sql.insert_incident(
            conn, values=values, lon=where.lon, lat=where.lat
        )
        if created:
            note = f"via {incoming.source}" + ("" if where.lon is not None else "; place unknown")
            incident_sql.add_event(
                conn,
                incident_id=incident_id,
                actor=actor,
                from_status=None,
                to_status=status,
                note=note,
            )
            if where.grid_code and where.lon is not None and where.lat is not None:
                others = incident_sql.nearby_open(
                    conn,
                    category=category.code,
                    grid_code=where.grid_code,
                    lon=where.lon,
                    lat=where.lat,
                    radius_m=category.duplicate_radius_m,
                    since=reported_at - timedelta(hours=category.duplicate_window_hours),
                    exclude=incident_id,
                )
                incident_sql.link_duplicates(conn, incident_id=incident_id, others=others)
        return details(conn, incident_id), created


def _values(
    incoming: IncidentReport,
    where: Place,
    status: str,
    reported_at: datetime,
    sla_hours: float,
    conn: Connection,
) -> dict[str, Any]:
    grid_area_id = (
        incident_sql.current_grid_version(conn, code=where.grid_code) if where.grid_code else None
    )
    return {
        "category": incoming.category,
        "description": incoming.description,
        "input_crs": incoming.input_crs,
        "input_x": incoming.input_x,
        "input_y": incoming.input_y,
        "address": incoming.address,
        "address_id": where.address_id,
        "location_method": where.method,
        "match_score": where.score,
        "grid_code": where.grid_code,
        "grid_area_id": grid_area_id,
        "status": status,
        "severity": incoming.severity,
        "reporter_name": incoming.reporter_name,
        "reporter_phone": incoming.reporter_phone,
        "source": incoming.source,
        "reported_at": reported_at,
        "due_at": reported_at + timedelta(hours=sla_hours),
        "idempotency_key": incoming.idempotency_key,
        "attributes": incoming.attributes,
    }


def details(conn: Connection, incident_id: int) -> dict[str, Any]:
    """The incident with its event log and linked incidents."""
    row = incident_sql.get_incident(conn, incident_id=incident_id)
    row["events"] = incident_sql.events(conn, incident_id=incident_id)
    row["links"] = incident_sql.links(conn, incident_id=incident_id)
    return row


@dataclass(frozen=True)
class Transition:
    """A requested status change, with what some steps need (assignee, resident feedback)."""

    status: str
    actor: str = "system"
    note: str = ""
    assignee: str | None = None
    satisfied: bool | None = None
    score: int | None = None


def transition(engine: Engine, incident_id: int, change: Transition) -> dict[str, Any]:
    """Move an incident through the closed loop; illegal moves raise (409, allowed ones listed)."""
    with store_refused("incident"), transaction(engine) as conn:
        row = incident_sql.get_incident(conn, incident_id=incident_id, for_update=True)
        check_transition(row["status"], change.status)
        values = _transition_values(change)
        incident_sql.set_status(conn, incident_id=incident_id, values=values)
        incident_sql.add_event(
            conn,
            incident_id=incident_id,
            actor=change.actor,
            from_status=row["status"],
            to_status=change.status,
            note=change.note,
        )
        return details(conn, incident_id)


def _transition_values(change: Transition) -> dict[str, Any]:
    values: dict[str, Any] = {"status": change.status}
    if change.status == "dispatched":
        if not change.assignee:
            raise InvalidInput("assignee: dispatching needs a grid worker or department")
        values["assignee"] = change.assignee
    elif change.assignee:
        values["assignee"] = change.assignee
    if change.status == "resolved":
        values["resolved_at"] = func.now()
    if change.status == "closed":
        if change.satisfied is None and change.score is None:
            raise InvalidInput(
                "feedback: closing needs the resident's feedback (satisfied yes/no or a score 1–5)"
            )
        if change.score is not None and not 1 <= change.score <= 5:
            raise InvalidInput(f"feedback.score: {change.score} is not 1–5")
        satisfied = change.satisfied if change.satisfied is not None else (change.score or 0) >= 4
        values.update(
            closed_at=func.now(), feedback_satisfied=satisfied, feedback_score=change.score
        )
    if change.status == "reopened":
        values.update(resolved_at=None, closed_at=None)
    return values


def give_place(
    engine: Engine,
    incident_id: int,
    incoming: IncidentReport,
    *,
    lookup: AreaLookup,
    registry: AddressRegistry,
    actor: str = "system",
) -> dict[str, Any]:
    """Locate an incident from the ``needs_location`` queue (coordinates or a better address)."""
    where = place(incoming, lookup, registry)
    if where.lon is None or where.lat is None:
        raise InvalidInput("location: still cannot be placed; give lon/lat or a known address")
    with transaction(engine) as conn:
        row = incident_sql.get_incident(conn, incident_id=incident_id, for_update=True)
        check_transition(row["status"], "reported")
        grid_area_id = (
            incident_sql.current_grid_version(conn, code=where.grid_code)
            if where.grid_code
            else None
        )
        incident_sql.set_location(
            conn,
            incident_id=incident_id,
            lon=where.lon,
            lat=where.lat,
            values={
                "status": "reported",
                "grid_code": where.grid_code,
                "grid_area_id": grid_area_id,
                "location_method": where.method,
                "address_id": where.address_id,
                "match_score": where.score,
            },
        )
        incident_sql.add_event(
            conn,
            incident_id=incident_id,
            actor=actor,
            from_status=row["status"],
            to_status="reported",
            note="located",
        )
        return details(conn, incident_id)
