"""Incidents over HTTP: intake, the closed loop, the needs-location queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import DB
from gis.db import incidents as incident_sql
from gis.db import intake
from gis.incidents.report import parse_report
from gis.incidents.views import public_view
from gis.values import parse_bbox, parse_time

router = APIRouter(tags=["incidents"])


class ReportIn(BaseModel):
    """A report: category, where (lon/lat with crs, or an address), what, who."""

    category: str = Field(description="code or name, e.g. hazard or 安全隐患")
    description: str = ""
    lon: float | str | None = None
    lat: float | str | None = None
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

    lon: float | str | None = None
    lat: float | str | None = None
    crs: str = "wgs84"
    address: str | None = None


def _view(request: Request, row: dict[str, Any]) -> dict[str, Any]:
    personal = request.app.state.incident_settings.show_personal
    view = public_view(row, personal=personal)
    if "events" in row:
        view["events"] = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()}
            for e in row["events"]
        ]
    return view


@router.post("/incidents", status_code=201)
def create_incident(
    request: Request,
    body: ReportIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    """Report an incident; it is committed before the answer (201 new, 200 for a retried key)."""
    state = request.app.state
    data = {**body.model_dump(), "idempotency_key": idempotency_key}
    incoming = parse_report(data, state.catalogue)
    row, created = intake.report(
        state.engine,
        incoming,
        lookup=state.lookup.get().lookup,
        registry=state.addresses,
        catalogue=state.catalogue,
        actor=f"api:{incoming.source}",
    )
    return JSONResponse(_view(request, row), status_code=201 if created else 200)


@router.get("/incidents")
def list_incidents(
    request: Request,
    conn: DB,
    category: str | None = None,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    scope: Annotated[str | None, Query(description="grid/community/… code prefix")] = None,
    start: str | None = None,
    end: str | None = None,
    bbox: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """Incidents, filtered; reporters' names and phones are masked."""
    code = request.app.state.catalogue.find(category).code if category else None
    rows = incident_sql.list_incidents(
        conn,
        category=code,
        status=status.split(",") if status else None,
        scope=scope,
        start=parse_time(start, "start") if start else None,
        end=parse_time(end, "end") if end else None,
        bbox=tuple(parse_bbox(bbox)) if bbox else None,  # type: ignore[arg-type]
        limit=limit,
        offset=offset,
    )
    return [_view(request, row) for row in rows]


@router.get("/incidents/queue")
def needs_location_queue(request: Request, conn: DB) -> Any:
    """Reports that could not be placed yet (``needs_location``), oldest first."""
    rows = incident_sql.list_incidents(conn, status=["needs_location"])
    return [_view(request, row) for row in rows]


@router.get("/incidents/{incident_id}")
def get_incident(request: Request, conn: DB, incident_id: int) -> Any:
    """One incident with its event log and linked (possibly duplicate) incidents."""
    return _view(request, intake.details(conn, incident_id))


@router.post("/incidents/{incident_id}/transitions")
def change_status(request: Request, incident_id: int, body: TransitionIn) -> Any:
    """Move the incident through the loop; 409 lists the allowed moves when refused."""
    row = intake.transition(
        request.app.state.engine, incident_id, intake.Transition(**body.model_dump())
    )
    return _view(request, row)


@router.post("/incidents/{incident_id}/location")
def locate_queued(request: Request, incident_id: int, body: LocationIn) -> Any:
    """Give a place to an incident from the needs-location queue."""
    state = request.app.state
    incoming = parse_report({**body.model_dump(), "category": "livelihood"}, state.catalogue)
    row = intake.give_place(
        state.engine,
        incident_id,
        incoming,
        lookup=state.lookup.get().lookup,
        registry=state.addresses,
        actor="api",
    )
    return _view(request, row)
