"""Incidents as typed records: what the store holds and what the use cases hand to the edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gis.incidents.keys import IdempotencyKey
    from gis.values import BBox, Period


@dataclass(frozen=True)
class Incident:
    """One stored incident (the columns of ``incidents``, its point as WGS84 ``lon``/``lat``).

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> Incident(id=1, category="hazard", status="reported", reported_at=t, updated_at=t,
    ...          due_at=t).located
    False
    """

    id: int
    category: str
    status: str
    reported_at: datetime
    updated_at: datetime
    due_at: datetime
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    input_crs: str | None = None
    input_x: float | None = None
    input_y: float | None = None
    address: str | None = None
    address_id: int | None = None
    location_method: str = "none"
    match_score: float | None = None
    grid_code: str | None = None
    grid_area_id: int | None = None
    severity: int = 3
    reporter_name: str | None = None
    reporter_phone: str | None = None
    source: str = "app"
    assignee: str | None = None
    assignee_person: int | None = None
    assignee_department: str | None = None
    escalation_level: int = 0
    intake_grid_code: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    feedback_satisfied: bool | None = None
    feedback_score: int | None = None
    possible_duplicate: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def located(self) -> bool:
        """True when the incident has a point."""
        return self.lon is not None and self.lat is not None


@dataclass(frozen=True)
class IncidentEvent:
    """One step of an incident's log."""

    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str


@dataclass(frozen=True)
class IncidentLink:
    """Another incident linked to this one (a possible duplicate) and how far it is."""

    id: int
    kind: str
    distance_m: float | None


@dataclass(frozen=True)
class IncidentDetails:
    """An incident with its log and its links."""

    incident: Incident
    events: list[IncidentEvent] = field(default_factory=list)
    links: list[IncidentLink] = field(default_factory=list)


@dataclass(frozen=True)
class NewIncident:
    """A validated, placed report as it is written: one shape for single and batch intake."""

    category: str
    description: str
    lon: float | None  # WGS84; None while the place is unknown
    lat: float | None
    input_crs: str | None
    input_x: float | None
    input_y: float | None
    address: str | None
    address_id: int | None
    location_method: str
    match_score: float | None
    grid_code: str | None
    status: str
    severity: int
    reporter_name: str | None
    reporter_phone: str | None
    source: str
    reported_at: datetime
    due_at: datetime
    attributes: dict[str, Any]
    key: IdempotencyKey | None = None
    fingerprint: str | None = None  # of the report, stored with its key


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents, by id: a page (``limit``, ``offset``) of those matching every filter.

    ``category`` is a code, ``scope`` a code prefix, ``period`` the reported time.
    ``within`` restricts to the caller's area scopes (None: everywhere, (): nowhere);
    ``assignee_person`` / ``assignee_departments`` to the incidents assigned to a roster person
    or to one of the departments (either matches); ``overdue`` to those open past their due
    time (False: not overdue).
    """

    category: str | None = None
    status: list[str] | None = None
    scope: str | None = None
    period: Period | None = None
    bbox: BBox | None = None
    limit: int = 1000
    offset: int = 0
    within: tuple[str, ...] | None = None
    assignee_person: int | None = None
    assignee_departments: tuple[str, ...] = ()
    overdue: bool | None = None
