"""Incidents over HTTP: intake, the closed loop, the needs-location queue, statistics."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.access import SignedIn, requires
from api.deps import Coordinate, Id, Offset, Rt
from api.schemas import IncidentDetails, IncidentView, PersonStatistics, Statistics, answer
from gis import clock
from gis.areas import parse_level
from gis.identity.access import Acting
from gis.incidents.keys import request_key
from gis.incidents.lifecycle import Transition, parse_statuses
from gis.incidents.records import IncidentQuery
from gis.incidents.report import parse_report
from gis.incidents.stats import parse_attribution
from gis.incidents.views import details_view, public_view
from gis.usecases import dispatch, incidents
from gis.values import optional_time, parse_bbox, parse_period, parse_url

router = APIRouter(tags=["incidents"])


class ReportIn(BaseModel):
    """A report: category, where (lon/lat with crs, or an address), what, who."""

    category: str = Field(description="code or name, e.g. hazard or 安全隐患")
    description: str = ""
    lon: Coordinate | None = None
    lat: Coordinate | None = None
    crs: str = "wgs84"
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    source: str = "app"
    severity: int | None = None
    reported_at: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class TransitionIn(BaseModel):
    """A status change; dispatch needs an assignee, closing needs the resident's feedback.

    Who made the change is the authenticated caller, never a field of the body.
    """

    status: str
    note: str = ""
    photo_url: str | None = Field(
        default=None, description="an http(s) link to a photo of the work (kept in the log)"
    )
    assignee: str | None = None
    satisfied: bool | None = None
    score: int | None = None


class LocationIn(BaseModel):
    """A place for a queued incident: lon/lat (with crs) or an address."""

    lon: Coordinate | None = None
    lat: Coordinate | None = None
    crs: str = "wgs84"
    address: str | None = None


IdempotencyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="retry without a second report (per principal)"),
]


@router.post(
    "/incidents",
    status_code=201,
    responses={
        **answer(IncidentView, "the incident made", 201),
        **answer(IncidentView, "the incident an idempotency key made before"),
    },
)
def create_incident(
    rt: Rt,
    acting: Annotated[Acting, requires("incidents:report")],
    body: ReportIn,
    idempotency_key: IdempotencyHeader = None,
) -> Any:
    """Report an incident; it is committed before the answer (201 new, 200 for a retried key).

    The same ``Idempotency-Key`` with a different report answers 422 ``IdempotencyKeyReused``;
    a report placed in a grid outside the caller's areas is 403.
    """
    incoming = parse_report(body.model_dump(), rt.catalogue)
    key = request_key(idempotency_key, scope="native", client=acting.login)
    found, created = incidents.report(rt, incoming, acting=acting, key=key)
    return JSONResponse(details_view(found, personal=False), status_code=201 if created else 200)


@router.get("/incidents", responses=answer(list[IncidentView], "the incidents"))
def list_incidents(
    rt: Rt,
    acting: Annotated[Acting, requires("incidents:read", "incidents:assigned")],
    category: str | None = None,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    scope: Annotated[str | None, Query(description="grid/community/… code prefix")] = None,
    start: str | None = None,
    end: str | None = None,
    bbox: str | None = None,
    assignee: Annotated[
        str | None, Query(description="a roster login, person:<key>, or a department")
    ] = None,
    overdue: Annotated[bool | None, Query(description="only open past due (false: not)")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Offset = 0,
) -> Any:
    """Incidents within the caller's areas (a department's: those assigned to it), filtered.

    Reporters' names and phones are masked for everyone.
    """
    query = IncidentQuery(
        category=category,
        status=parse_statuses(status),
        scope=scope,
        period=parse_period(start, end),
        bbox=parse_bbox(bbox) if bbox else None,
        limit=limit,
        offset=offset,
        overdue=overdue,
    )
    found = incidents.list_incidents(rt, query, acting=acting, assignee=assignee)
    return [public_view(row, personal=False) for row in found]


@router.get("/incidents/queue", responses=answer(list[IncidentView], "incidents to locate"))
def needs_location_queue(rt: Rt, acting: Annotated[Acting, requires("incidents:handle")]) -> Any:
    """Reports that could not be placed yet (``needs_location``), oldest first.

    They have no area yet, so everyone who may handle incidents somewhere sees the queue.
    """
    found = incidents.queue(rt)
    return [public_view(row, personal=False) for row in found]


@router.get("/incidents/{incident_id}", responses=answer(IncidentDetails, "the incident"))
def get_incident(
    rt: Rt,
    acting: Annotated[Acting, requires("incidents:read", "incidents:assigned")],
    incident_id: Id,
    reveal: Annotated[
        str | None,
        Query(
            pattern="^contact$",
            description="contact: show the reporter's name and phone (needs pii:read; audited)",
        ),
    ] = None,
) -> Any:
    """One incident with its event log and linked (possibly duplicate) incidents.

    Outside the caller's areas it is 404, as if it did not exist.
    """
    revealed = reveal == "contact"
    found = incidents.details(rt, incident_id, acting=acting, reveal=revealed)
    return details_view(found, personal=revealed)


@router.post(
    "/incidents/{incident_id}/transitions", responses=answer(IncidentView, "the incident now")
)
def change_status(
    rt: Rt,
    acting: Annotated[Acting, requires("incidents:handle")],
    incident_id: Id,
    body: TransitionIn,
) -> Any:
    """Move the incident through the loop; 409 lists the allowed moves when refused."""
    fields = body.model_dump(exclude={"photo_url"})
    if body.photo_url is not None:  # the log keeps it with the note
        photo = parse_url(body.photo_url, "photo_url")
        fields["note"] = f"{body.note} 照片 photo: {photo}".strip()
    change = Transition(**fields, actor=acting.login)
    found = incidents.transition(rt, incident_id, change, acting=acting)
    return details_view(found, personal=False)


@router.post(
    "/incidents/{incident_id}/location", responses=answer(IncidentView, "the incident now")
)
def locate_queued(
    rt: Rt,
    acting: Annotated[Acting, requires("incidents:handle")],
    incident_id: Id,
    body: LocationIn,
) -> Any:
    """Give a place to an incident from the needs-location queue (within the caller's areas)."""
    incoming = parse_report({**body.model_dump(), "category": "livelihood"}, rt.catalogue)
    found = incidents.give_place(rt, incident_id, incoming, acting=acting)
    return details_view(found, personal=False)


@router.get("/departments", responses=answer(list[dict[str, Any]], "the departments"))
def departments(rt: Rt, _: SignedIn) -> Any:
    """The departments (职能部门) incidents are dispatched or transferred to.

    Each with its code, names, duty phone and the categories it accepts
    (``data/catalogue/departments.yaml``).
    """
    return [asdict(department) for department in rt.departments]


@router.get("/me/tasks", responses=answer(list[IncidentView], "my open incidents, newest first"))
def my_tasks(rt: Rt, acting: SignedIn) -> Any:
    """The caller's open incidents (its roster person's, its departments'), newest first.

    Each carries its due time and ``overdue``; 404 when the caller is on no roster.
    """
    now = datetime.now(UTC)
    return [public_view(found, now=now) for found in dispatch.my_tasks(rt, acting=acting)]


@router.get("/stats/people", responses=answer(list[PersonStatistics], "per roster person"))
def people_stats(
    rt: Rt,
    acting: Annotated[Acting, requires("stats:read")],
    start: Annotated[str | None, Query(alias="from", description="ISO time, included")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO time, excluded")] = None,
) -> Any:
    """Per roster person: the incidents now assigned to them within the caller's areas.

    Received, resolved or closed, closed on time, overdue, escalated, satisfaction rate.
    """
    period = parse_period(start, end, ("from", "to"))
    return [asdict(row) for row in incidents.person_stats(rt, acting=acting, period=period)]


@router.get("/stats", responses=answer(Statistics, "per area"))
def incident_stats(
    rt: Rt,
    acting: Annotated[Acting, requires("stats:read")],
    level: Annotated[str, Query(description="district | subdistrict | community | grid")] = "grid",
    start: Annotated[str | None, Query(alias="from", description="ISO time, included")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO time, excluded")] = None,
    by: Annotated[str, Query(description="recorded (grid at intake) | current")] = "recorded",
    as_of: Annotated[str | None, Query(description="now, for overdue (default: now)")] = None,
    scope: Annotated[
        str | None, Query(max_length=15, description="only the areas under this code")
    ] = None,
) -> Any:
    """Per area within the caller's scope: counts, closure rate, median hours, satisfaction.

    Counts are by category and status; overdue ones are counted at ``as_of``. ``scope`` keeps
    the areas under one code (a province's grids are asked for a street at a time).
    """
    parsed_level = parse_level(level)
    period = parse_period(start, end, ("from", "to"))
    attribution = parse_attribution(by)
    rows = incidents.area_stats(
        rt,
        acting=acting,
        level=parsed_level,
        by=attribution,
        period=period,
        now=optional_time(as_of, "as_of"),
        scope=scope or None,
    )
    return {
        "level": parsed_level.value,
        "by": attribution,
        "from": clock.iso(period.start) if period.start else None,
        "to": clock.iso(period.end) if period.end else None,
        "areas": rows,
    }
