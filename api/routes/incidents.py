"""Incidents over HTTP: intake, the closed loop, the needs-location queue, statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import Coordinate, Id, Offset, Rt
from api.schemas import IncidentDetails, IncidentView, Statistics, answer
from gis import clock
from gis.areas import parse_level
from gis.incidents.keys import IdempotencyKey, client_of, request_key
from gis.incidents.lifecycle import Transition, parse_statuses
from gis.incidents.records import IncidentQuery
from gis.incidents.report import parse_report
from gis.incidents.stats import parse_attribution
from gis.incidents.views import details_view, public_view
from gis.usecases import incidents
from gis.values import optional_time, parse_bbox, parse_period

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
    """A status change; dispatch needs an assignee, closing needs the resident's feedback."""

    status: str
    actor: str = "api"
    note: str = ""
    assignee: str | None = None
    satisfied: bool | None = None
    score: int | None = None


class LocationIn(BaseModel):
    """A place for a queued incident: lon/lat (with crs) or an address."""

    lon: Coordinate | None = None
    lat: Coordinate | None = None
    crs: str = "wgs84"
    address: str | None = None


def native_key(
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="retry without a second report")
    ] = None,
    client: Annotated[
        str | None, Header(alias="X-Client-Id", description="whose keys (default anonymous)")
    ] = None,
) -> IdempotencyKey | None:
    """The native API's idempotency key: ``Idempotency-Key``, scoped to ``X-Client-Id``."""
    return request_key(idempotency_key, scope="native", client=client_of(client, "X-Client-Id"))


@router.post(
    "/incidents",
    status_code=201,
    responses={
        **answer(IncidentView, "the incident made", 201),
        **answer(IncidentView, "the incident an idempotency key made before"),
    },
)
def create_incident(
    rt: Rt, body: ReportIn, key: Annotated[IdempotencyKey | None, Depends(native_key)]
) -> Any:
    """Report an incident; it is committed before the answer (201 new, 200 for a retried key).

    The same ``Idempotency-Key`` with a different report answers 422 ``IdempotencyKeyReused``.
    """
    incoming = parse_report(body.model_dump(), rt.catalogue)
    found, created = incidents.report(rt, incoming, actor=f"api:{incoming.source}", key=key)
    personal = rt.incidents.show_personal
    return JSONResponse(details_view(found, personal=personal), status_code=201 if created else 200)


@router.get("/incidents", responses=answer(list[IncidentView], "the incidents"))
def list_incidents(
    rt: Rt,
    category: str | None = None,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    scope: Annotated[str | None, Query(description="grid/community/… code prefix")] = None,
    start: str | None = None,
    end: str | None = None,
    bbox: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Offset = 0,
) -> Any:
    """Incidents, filtered; reporters' names and phones are masked."""
    query = IncidentQuery(
        category=category,
        status=parse_statuses(status),
        scope=scope,
        period=parse_period(start, end),
        bbox=parse_bbox(bbox) if bbox else None,
        limit=limit,
        offset=offset,
    )
    found = incidents.list_incidents(rt, query)
    return [public_view(row, personal=rt.incidents.show_personal) for row in found]


@router.get("/incidents/queue", responses=answer(list[IncidentView], "incidents to locate"))
def needs_location_queue(rt: Rt) -> Any:
    """Reports that could not be placed yet (``needs_location``), oldest first."""
    found = incidents.list_incidents(rt, IncidentQuery(status=["needs_location"]))
    return [public_view(row, personal=rt.incidents.show_personal) for row in found]


@router.get("/incidents/{incident_id}", responses=answer(IncidentDetails, "the incident"))
def get_incident(rt: Rt, incident_id: Id) -> Any:
    """One incident with its event log and linked (possibly duplicate) incidents."""
    return details_view(incidents.details(rt, incident_id), personal=rt.incidents.show_personal)


@router.post(
    "/incidents/{incident_id}/transitions", responses=answer(IncidentView, "the incident now")
)
def change_status(rt: Rt, incident_id: Id, body: TransitionIn) -> Any:
    """Move the incident through the loop; 409 lists the allowed moves when refused."""
    found = incidents.transition(rt, incident_id, Transition(**body.model_dump()))
    return details_view(found, personal=rt.incidents.show_personal)


@router.post(
    "/incidents/{incident_id}/location", responses=answer(IncidentView, "the incident now")
)
def locate_queued(rt: Rt, incident_id: Id, body: LocationIn) -> Any:
    """Give a place to an incident from the needs-location queue."""
    incoming = parse_report({**body.model_dump(), "category": "livelihood"}, rt.catalogue)
    found = incidents.give_place(rt, incident_id, incoming, actor="api")
    return details_view(found, personal=rt.incidents.show_personal)


@router.get("/stats", responses=answer(Statistics, "per area"))
def incident_stats(
    rt: Rt,
    level: Annotated[str, Query(description="district | subdistrict | community | grid")] = "grid",
    start: Annotated[str | None, Query(alias="from", description="ISO time, included")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO time, excluded")] = None,
    by: Annotated[str, Query(description="recorded (grid at intake) | current")] = "recorded",
    as_of: Annotated[str | None, Query(description="now, for overdue (default: now)")] = None,
) -> Any:
    """Per area: counts by category and status, closure rate, median hours, overdue, satisfied."""
    parsed_level = parse_level(level)
    period = parse_period(start, end, ("from", "to"))
    attribution = parse_attribution(by)
    rows = incidents.area_stats(
        rt, level=parsed_level, by=attribution, period=period, now=optional_time(as_of, "as_of")
    )
    return {
        "level": parsed_level.value,
        "by": attribution,
        "from": clock.iso(period.start) if period.start else None,
        "to": clock.iso(period.end) if period.end else None,
        "areas": rows,
    }
