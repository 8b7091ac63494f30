"""Incidents: intake (one report, or a file of thousands), the closed loop, the location queue.

**One pipeline, two speeds.** A report — from the app, Open311, a hotline or a file — is placed
(`place`: coordinates first, else the standard-address registry; the grids found with one
vectorised lookup), turned into the row it is written as (`gis.incidents.intake.new_incident`:
status, due time), and written with its first log entry and its possible duplicates linked
(`write`: two statements, whatever the number of rows). A single report is a batch of one.
An idempotency key (`gis.incidents.keys`) is claimed by the statement that inserts its row: a
retry answers the first incident, a key reused for another report is refused.

Every write is one transaction, committed before the call returns: an accepted report is never
lost, a refused one leaves nothing behind.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from gis.areas import Level
from gis.db import addresses as address_sql
from gis.db import incidents as incident_sql
from gis.db import stats as stats_sql
from gis.db.engine import Connection, Engine, connect, store_refused
from gis.errors import Conflict, IdempotencyKeyReused, InvalidInput
from gis.incidents.addresses import AddressMatcher, StandardAddress
from gis.incidents.intake import UNPLACED, Placement, new_incident
from gis.incidents.keys import EXPIRING, IdempotencyKey
from gis.incidents.lifecycle import Transition, check_transition, transition_values
from gis.incidents.records import Incident, IncidentDetails, IncidentQuery, NewIncident
from gis.incidents.report import IncidentReport
from gis.incidents.stats import AreaStats, Attribution
from gis.values import ANY_TIME, Period

if TYPE_CHECKING:
    from gis.usecases.runtime import Runtime


@dataclass(frozen=True)
class ResolvedAddress:
    """A free-text address matched to the registry: the address, how, and how well."""

    address: StandardAddress
    method: str  # address_exact | address_normalised | address_fuzzy
    score: float


class AddressRegistry:
    """The standard addresses in memory, reloaded when the table changes (count, last id, xmin).

    The freshness stamp is read only when an address has to be resolved.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._rows: list[StandardAddress] = []
        self._matcher = AddressMatcher([])

    def _fresh(self) -> tuple[list[StandardAddress], AddressMatcher]:
        with connect(self._engine) as conn:
            stamp = address_sql.registry_stamp(conn)
            with self._lock:
                if stamp != self._stamp:
                    self._rows = address_sql.registry(conn)
                    self._matcher = AddressMatcher([r.address for r in self._rows])
                    self._stamp = stamp
                return self._rows, self._matcher

    def resolve(self, address: str) -> ResolvedAddress | None:
        """The registry's address for a free-text one, the method and the score; None if unknown."""
        rows, matcher = self._fresh()
        found = matcher.match(address)
        if found is None:
            return None
        return ResolvedAddress(rows[found.position], f"address_{found.method}", found.score)


def place(rt: Runtime, reports: list[IncidentReport]) -> list[Placement]:
    """Where each report is: its coordinates, else its address in the registry; and the grid."""
    found = [_where(rt, report) for report in reports]
    located = [i for i, where in enumerate(found) if where.located]
    if not located:
        return found
    lon = np.array([found[i].lon for i in located], dtype=float)
    lat = np.array([found[i].lat for i in located], dtype=float)
    grids = rt.lookup.get().lookup.grid_codes(lon, lat)
    for i, grid in zip(located, grids, strict=True):
        found[i] = replace(found[i], grid_code=str(grid) or None)
    return found


def _where(rt: Runtime, report: IncidentReport) -> Placement:
    """The report's point (not its grid yet): its coordinates, else its address's."""
    if report.lon is not None and report.lat is not None:
        return Placement(report.lon, report.lat, None, "coordinates")
    resolved = rt.addresses.resolve(report.address) if report.address else None
    if resolved is None:
        return UNPLACED
    found = resolved.address
    return Placement(found.lon, found.lat, None, resolved.method, found.id, resolved.score)


def prepare(
    rt: Runtime,
    reports: list[IncidentReport],
    keys: Sequence[IdempotencyKey | None] | None = None,
) -> list[NewIncident]:
    """The rows to write for validated reports: placed, with their status, due time and key."""
    now = datetime.now(UTC)
    keys = keys or [None] * len(reports)
    return [
        new_incident(report, where, rt.catalogue[report.category], now, key)
        for report, where, key in zip(reports, place(rt, reports), keys, strict=True)
    ]


@dataclass(frozen=True)
class Written:
    """What `write` did with each row (by position): created, a retry, or a reused key.

    ``retried`` maps a row whose key came with the same report before to the incident made
    then; ``reused`` maps a row whose key came with another report to that incident (the row
    is not written).
    """

    created: dict[int, int]
    retried: dict[int, int] = field(default_factory=dict)
    reused: dict[int, int] = field(default_factory=dict)
    flagged: int = 0


def write(rt: Runtime, conn: Connection, rows: list[NewIncident], actor: str) -> Written:
    """Insert rows (keys stored already are not inserted again) and link possible duplicates.

    The keys of ``rows`` must differ; an HTTP key older than the configured lifetime no longer
    counts (`gis.incidents.keys`).
    """
    created = incident_sql.insert_batch(
        conn,
        rows=rows,
        actor=actor,
        expiring=EXPIRING,
        lifetime=timedelta(hours=rt.incidents.idempotency_hours),
    )
    written = _settle(conn, rows, created)
    flagged = incident_sql.link_batch_duplicates(
        conn, ids=list(created.values()), rules=rt.catalogue.duplicate_rules()
    )
    return replace(written, flagged=flagged)


def _settle(conn: Connection, rows: list[NewIncident], created: dict[int, int]) -> Written:
    """Tell the keyed rows not created apart: a retry of the first report, or a reused key."""
    skipped = [
        (i, key) for i, row in enumerate(rows) if i not in created and (key := row.key) is not None
    ]
    found = incident_sql.stored_keys(conn, keys=[key for _, key in skipped])
    retried: dict[int, int] = {}
    reused: dict[int, int] = {}
    for n, (i, _) in enumerate(skipped):
        incident_id, stored = found[n]
        same = stored is None or stored == rows[i].fingerprint  # None: stored before 0007
        (retried if same else reused)[i] = incident_id
    return Written(created, retried, reused)


def report(
    rt: Runtime, incoming: IncidentReport, *, actor: str, key: IdempotencyKey | None = None
) -> tuple[IncidentDetails, bool]:
    """Record a report; returns the incident and whether it is new (False: a retried ``key``).

    A ``key`` given before with another report raises `IdempotencyKeyReused` (nothing written).
    """
    [row] = prepare(rt, [incoming], [key])
    with store_refused("incident"), rt.write() as conn:
        written = write(rt, conn, [row], actor)
        if written.reused:
            raise IdempotencyKeyReused(
                "Idempotency-Key: already used for a different report (incident "
                f"{written.reused[0]}); send a new key with a new report"
            )
        incident_id = written.created[0] if written.created else written.retried[0]
        return incident_sql.details(conn, incident_id=incident_id), bool(written.created)


def transition(rt: Runtime, incident_id: int, change: Transition) -> IncidentDetails:
    """Move an incident through the closed loop; illegal moves raise (409, allowed ones listed)."""
    with store_refused("incident"), rt.write() as conn:
        current = incident_sql.get_incident(conn, incident_id=incident_id, for_update=True)
        check_transition(current.status, change.status)
        values = transition_values(change, datetime.now(UTC))
        incident_sql.set_status(conn, incident_id=incident_id, values=values)
        incident_sql.add_event(
            conn,
            incident_id=incident_id,
            actor=change.actor,
            from_status=current.status,
            to_status=change.status,
            note=change.note,
        )
        return incident_sql.details(conn, incident_id=incident_id)


def give_place(
    rt: Runtime, incident_id: int, incoming: IncidentReport, *, actor: str
) -> IncidentDetails:
    """Locate an incident from the ``needs_location`` queue (coordinates or a better address)."""
    [where] = place(rt, [incoming])
    if where.lon is None or where.lat is None:
        raise InvalidInput("location: still cannot be placed; give lon/lat or a known address")
    with rt.write() as conn:
        current = incident_sql.get_incident(conn, incident_id=incident_id, for_update=True)
        if current.status != "needs_location":
            raise Conflict(
                f"location: incident {incident_id} is {current.status}; only incidents waiting "
                "for a place (needs_location) are located"
            )
        incident_sql.set_location(
            conn,
            incident_id=incident_id,
            lon=where.lon,
            lat=where.lat,
            values={
                "status": "reported",
                "grid_code": where.grid_code,
                "location_method": where.method,
                "address_id": where.address_id,
                "match_score": where.score,
            },
        )
        incident_sql.add_event(
            conn,
            incident_id=incident_id,
            actor=actor,
            from_status=current.status,
            to_status="reported",
            note="located",
        )
        return incident_sql.details(conn, incident_id=incident_id)


def details(rt: Runtime, incident_id: int) -> IncidentDetails:
    """One incident with its event log and linked (possibly duplicate) incidents."""
    with rt.read() as conn:
        return incident_sql.details(conn, incident_id=incident_id)


def get_incident(rt: Runtime, incident_id: int) -> Incident:
    """One incident (`NotFound` when there is none)."""
    with rt.read() as conn:
        return incident_sql.get_incident(conn, incident_id=incident_id)


def list_incidents(rt: Runtime, query: IncidentQuery) -> list[Incident]:
    """The incidents the query asks for (its category may be a code or a name), by id."""
    if query.category:
        query = replace(query, category=rt.catalogue.find(query.category).code)
    with rt.read() as conn:
        return incident_sql.list_incidents(conn, query)


def incidents_by_id(rt: Runtime, ids: list[int]) -> list[Incident]:
    """The incidents with these ids (those that exist), by id."""
    with rt.read() as conn:
        return incident_sql.incidents_by_id(conn, ids=ids)


def area_stats(
    rt: Runtime,
    *,
    level: Level,
    by: Attribution = "recorded",
    period: Period = ANY_TIME,
    now: datetime | None = None,
) -> list[AreaStats]:
    """Per area of ``level``: counts, closure, speed, overdue (at ``now``), satisfaction."""
    with rt.read() as conn:
        return stats_sql.incident_stats(
            conn, level=level, by=by, period=period, now=now or datetime.now(UTC)
        )
