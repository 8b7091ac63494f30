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
from gis.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidInput, OutOfScope
from gis.identity.access import Acting
from gis.incidents.addresses import AddressMatch, AddressMatcher
from gis.incidents.intake import UNPLACED, Placement, located_by, new_incident
from gis.incidents.keys import EXPIRING, IdempotencyKey
from gis.incidents.lifecycle import Transition, check_transition, transition_values
from gis.incidents.records import Incident, IncidentDetails, IncidentQuery, NewIncident
from gis.incidents.report import IncidentReport
from gis.incidents.stats import AreaStats, Attribution, PersonStats
from gis.places import Places, default_places
from gis.usecases import dispatch
from gis.usecases.trail import audited
from gis.values import ANY_TIME, Period

if TYPE_CHECKING:
    from gis.usecases.lookup import LookupCache
    from gis.usecases.runtime import Runtime


class AddressRegistry:
    """The standard addresses in memory, reloaded when the table or the stored areas change.

    The place names whose prefixes are taken off addresses are the shipped code lists
    (`gis.places.default_places`) and the names of the current areas (from ``lookup``, when
    given). The freshness stamps are read only when an address has to be resolved.
    """

    def __init__(
        self, engine: Engine, *, places: Places | None = None, lookup: LookupCache | None = None
    ) -> None:
        self._engine = engine
        self._places = places
        self._lookup = lookup
        self._lock = threading.Lock()
        self._stamp: tuple[object, ...] | None = None
        self._matcher: AddressMatcher | None = None

    def _fresh(self) -> AddressMatcher:
        areas = self._lookup.get() if self._lookup is not None else None
        with connect(self._engine) as conn:
            stamp = (address_sql.registry_stamp(conn), areas.version if areas else None)
            with self._lock:
                if stamp != self._stamp or self._matcher is None:
                    places = self._places or default_places()
                    self._matcher = AddressMatcher(
                        address_sql.registry(conn),
                        places=places.with_areas(areas.names) if areas else places,
                    )
                    self._stamp = stamp
                return self._matcher

    def match(self, address: str) -> AddressMatch:
        """How ``address`` reads and which registry entry it is, explained (rule ``none``: none)."""
        return self._fresh().match(address)

    def resolve(self, address: str) -> AddressMatch | None:
        """The match of a free-text address; None if it matches no registry entry."""
        found = self.match(address)
        return found if found.matched else None


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
    if not report.address:
        return UNPLACED
    match = rt.addresses.match(report.address)
    if (found := match.address) is None:
        return replace(UNPLACED, match=match)
    return Placement(found.lon, found.lat, None, match.method, found.id, match.score, match)


def prepare(
    rt: Runtime,
    reports: list[IncidentReport],
    keys: Sequence[IdempotencyKey | None] | None = None,
    now: datetime | None = None,
) -> list[NewIncident]:
    """The rows to write for validated reports: placed, with their status, due time and key.

    ``now`` is when they were received (None: now); a report reported at no time of its own
    was reported then.
    """
    now = now or datetime.now(UTC)
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


def write(
    rt: Runtime,
    conn: Connection,
    rows: list[NewIncident],
    actor: str,
    at: datetime | None = None,
) -> Written:
    """Insert rows (keys stored already are not inserted again) and link possible duplicates.

    The keys of ``rows`` must differ; an HTTP key older than the configured lifetime no longer
    counts (`gis.incidents.keys`). ``at`` is when they were received (None: now).
    """
    created = incident_sql.insert_batch(
        conn,
        rows=rows,
        actor=actor,
        expiring=EXPIRING,
        lifetime=timedelta(hours=rt.incidents.idempotency_hours),
        at=at,
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
    rt: Runtime,
    incoming: IncidentReport,
    *,
    acting: Acting,
    key: IdempotencyKey | None = None,
    at: datetime | None = None,
) -> tuple[IncidentDetails, bool]:
    """Record a report; returns the incident and whether it is new (False: a retried ``key``).

    A ``key`` given before with another report raises `IdempotencyKeyReused` (nothing written);
    a report that lands in a grid outside the caller's scope is `Forbidden` (one not placed
    yet goes to the needs-location queue whoever reports it). ``at`` is when it was received,
    its log's time and its dispatch's (None: now; the sample gives past times).
    """
    [row] = prepare(rt, [incoming], [key], now=at)
    with audited(rt, acting.actor, "incidents.report", None) as trail, store_refused("incident"):
        if row.grid_code is not None:
            acting.act(row.grid_code, f"location: grid {row.grid_code}")
        written = write(rt, trail.conn, [row], acting.login, at=at)
        if written.reused:
            raise IdempotencyKeyReused(
                "Idempotency-Key: already used for a different report (incident "
                f"{written.reused[0]}); send a new key with a new report"
            )
        incident_id = written.created[0] if written.created else written.retried[0]
        trail.target = f"incident:{incident_id}"
        trail.detail.update(grid=row.grid_code, new=bool(written.created))
        if written.created:  # dispatched by its category's rule, in this transaction
            new = incident_sql.get_incident(trail.conn, incident_id=incident_id)
            routed = dispatch.dispatch_new(rt, trail.conn, new, at=at)
            trail.detail.update(dispatched_to=routed.name if routed else None)
        found = incident_sql.details(trail.conn, incident_id=incident_id)
    return found, bool(written.created)


def _handles(rt: Runtime, conn: Connection, acting: Acting, current: Incident) -> None:
    """Refuse a status change the caller may not make (403).

    Outside its area, or, for a department, an incident not assigned to it.
    """
    what = f"incident {current.id}"
    acting.act(current.grid_code, what)
    assigned_only = not acting.may("incidents:read", current.grid_code)
    if assigned_only and not dispatch.mine(rt, conn, acting.login).holds(current):
        raise Forbidden(f"{what}: not assigned to {acting.login}")


def transition(
    rt: Runtime,
    incident_id: int,
    change: Transition,
    *,
    acting: Acting,
    at: datetime | None = None,
) -> IncidentDetails:
    """Move an incident through the closed loop; illegal moves raise (409, allowed ones listed).

    The event's actor is the caller (``change.actor`` is replaced by its login); ``at`` is
    when the change happened (None: now; the sample gives past times).
    """
    target = f"incident:{incident_id}"
    with audited(rt, acting.actor, "incidents.transition", target) as trail:
        conn = trail.conn
        with store_refused("incident"):
            current = incident_sql.get_incident(conn, incident_id=incident_id, for_update=True)
            _handles(rt, conn, acting, current)
            check_transition(current.status, change.status)
            values = transition_values(change, at or datetime.now(UTC))
            if change.assignee:  # a roster person on duty here, or a department
                values.update(dispatch.named(rt, conn, change.assignee, current).columns())
            incident_sql.set_status(conn, incident_id=incident_id, values=values, at=at)
            incident_sql.add_event(
                conn,
                incident_id=incident_id,
                actor=acting.login,
                from_status=current.status,
                to_status=change.status,
                note=change.note,
                at=at,
            )
        trail.detail.update({"from": current.status, "to": change.status})
        return incident_sql.details(conn, incident_id=incident_id)


def give_place(
    rt: Runtime, incident_id: int, incoming: IncidentReport, *, acting: Acting
) -> IncidentDetails:
    """Locate an incident from the ``needs_location`` queue (coordinates or a better address).

    The place must lie within the caller's scope (`Forbidden` otherwise).
    """
    [where] = place(rt, [incoming])
    if where.lon is None or where.lat is None:
        raise InvalidInput("location: still cannot be placed; give lon/lat or a known address")
    with audited(rt, acting.actor, "incidents.locate", f"incident:{incident_id}") as trail:
        conn = trail.conn
        current = incident_sql.get_incident(conn, incident_id=incident_id, for_update=True)
        acting.act(where.grid_code, f"location: grid {where.grid_code}")
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
                "attributes": located_by(current.attributes, where.match),
            },
        )
        incident_sql.add_event(
            conn,
            incident_id=incident_id,
            actor=acting.login,
            from_status=current.status,
            to_status="reported",
            note="located",
        )
        trail.detail.update(grid=where.grid_code, method=where.method)
        return incident_sql.details(conn, incident_id=incident_id)


def _sees(acting: Acting, found: Incident, own: dispatch.Mine | None = None) -> None:
    """Refuse to show an incident the caller may not see, as if it did not exist.

    Outside its scope, or, for a department, one not assigned to it.
    """
    missing = f"incident: no incident {found.id}"  # as the store says it
    if acting.assigned_only:
        if not (own and own.holds(found)) or not acting.covers(found.grid_code):
            raise OutOfScope(missing)
        return
    acting.see(found.grid_code, missing)


def details(
    rt: Runtime, incident_id: int, *, acting: Acting, reveal: bool = False
) -> IncidentDetails:
    """One incident with its event log and linked (possibly duplicate) incidents.

    ``reveal`` asks for the reporter's name and phone: it needs ``pii:read`` on the incident's
    area (`Forbidden` otherwise), and every reveal is recorded in the audit log.
    """
    with rt.read() as conn:
        found = incident_sql.details(conn, incident_id=incident_id)
        own = dispatch.mine(rt, conn, acting.login) if acting.assigned_only else None
    _sees(acting, found.incident, own)
    if reveal:
        target = f"incident:{incident_id}"
        with audited(rt, acting.actor, "incidents.reveal_contact", target):
            if not acting.may("pii:read", found.incident.grid_code):
                raise Forbidden(f"reveal: incident {incident_id}: this needs pii:read")
    return found


def get_incident(rt: Runtime, incident_id: int, *, acting: Acting) -> Incident:
    """One incident (`NotFound` when there is none, or when outside the caller's scope)."""
    with rt.read() as conn:
        found = incident_sql.get_incident(conn, incident_id=incident_id)
        own = dispatch.mine(rt, conn, acting.login) if acting.assigned_only else None
    _sees(acting, found, own)
    return found


def list_incidents(
    rt: Runtime, query: IncidentQuery, *, acting: Acting, assignee: str | None = None
) -> list[Incident]:
    """The incidents the query asks for within the caller's scope, by id.

    The query's category may be a code or a name; ``assignee`` a login, ``person:<key>`` or
    a department. A department's principal sees only what is assigned to it.
    """
    if query.category:
        query = replace(query, category=rt.catalogue.find(query.category).code)
    query = replace(query, within=acting.scopes)
    with rt.read() as conn:
        if assignee is not None:  # whose: a roster person or a department
            who = dispatch.whose(rt, conn, assignee)
            query = replace(query, assignee_person=who.person, assignee_departments=who.departments)
        if acting.assigned_only:  # a department's: what is assigned to it
            own = dispatch.mine(rt, conn, acting.login)
            if own.person is None and not own.departments:
                return []
            query = replace(query, assignee_person=own.person, assignee_departments=own.departments)
        return incident_sql.list_incidents(conn, query)


def queue(rt: Runtime) -> list[Incident]:
    """Reports not placed yet (``needs_location``), oldest first.

    They have no area, so whoever may handle incidents somewhere sees them all.
    """
    with rt.read() as conn:
        return incident_sql.list_incidents(conn, IncidentQuery(status=["needs_location"]))


def incidents_by_id(rt: Runtime, ids: list[int]) -> list[Incident]:
    """The incidents with these ids (those that exist), by id."""
    with rt.read() as conn:
        return incident_sql.incidents_by_id(conn, ids=ids)


def area_stats(
    rt: Runtime,
    *,
    acting: Acting,
    level: Level,
    by: Attribution = "recorded",
    period: Period = ANY_TIME,
    now: datetime | None = None,
    scope: str | None = None,
) -> list[AreaStats]:
    """Per area of ``level`` within the caller's scope: counts, closure, speed, satisfaction.

    Overdue counts are taken at ``now``; ``scope`` (an area code) keeps the areas under it.
    """
    with rt.read() as conn:
        rows = stats_sql.incident_stats(
            conn, level=level, by=by, period=period, now=now or datetime.now(UTC), scope=scope
        )
    return [row for row in rows if acting.covers(row.code)]


def person_stats(
    rt: Runtime, *, acting: Acting, period: Period = ANY_TIME, now: datetime | None = None
) -> list[PersonStats]:
    """Per roster person: the incidents assigned to them within the caller's areas.

    Received, closed on time, overdue (at ``now``), escalated, satisfaction.
    """
    with rt.read() as conn:
        return stats_sql.person_stats(
            conn, period=period, now=now or datetime.now(UTC), scopes=acting.scopes
        )
