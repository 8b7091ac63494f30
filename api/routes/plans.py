"""Plans (redraw proposals) and boundary checks over HTTP."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.access import requires
from api.deps import Id, Rt
from api.routes.areas import GeoJSONResponse
from api.schemas import BOUNDARY_BODY, CheckReport, PlanDetails, PlanDiff, PlanView, answer
from api.uploads import boundary_upload, with_deadline
from gis.areas import Level, child_level, parse_level
from gis.checks import findings_to_geojson, findings_to_json
from gis.geojson import feature_collection
from gis.identity.access import Acting
from gis.io import read_boundaries
from gis.limits import Deadline
from gis.usecases import planning
from gis.usecases.runtime import Runtime

router = APIRouter(tags=["plans"])
FormatQuery = Annotated[
    str, Query(alias="format", pattern="^(json|geojson)$", description="json | geojson")
]


class PublishRequest(BaseModel):
    """Publish options: an override needs a reason."""

    force: bool = False
    reason: str | None = None


class RenumberRequest(BaseModel):
    """Renumber options: ``all`` renumbers existing grids too (their incidents change code)."""

    all: bool = False


def _findings(findings: list[Any], file_format: str) -> Any:
    if file_format == "geojson":
        return GeoJSONResponse(findings_to_geojson(findings))
    return findings_to_json(findings)


def _check_file(
    rt: Runtime, path: Path, level: Level, crs: str | None, parent: str | None, deadline: Deadline
) -> list[Any]:
    areas = read_boundaries(path, level=level, crs=crs, lenient=True).areas
    deadline.check()
    return planning.check_file(rt, areas, level=level, parent=parent, deadline=deadline)


@router.post(
    "/checks",
    openapi_extra=BOUNDARY_BODY,
    responses=answer(
        CheckReport, "the findings (format=geojson: as GeoJSON features)", or_geojson=True
    ),
)
async def check_upload(
    request: Request,
    rt: Rt,
    _: Annotated[Acting, requires("lookup:batch", "plans:read")],
    level: Annotated[str, Query(description="level of the uploaded areas")] = "grid",
    parent: Annotated[str | None, Query(description="stored parent area code")] = None,
    crs: Annotated[
        str | None, Query(description="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n")
    ] = None,
    file_format: FormatQuery = "json",
) -> Any:
    """Check an uploaded boundary file (GeoJSON body or multipart ``file``) without a plan."""
    parsed = parse_level(level)
    async with boundary_upload(request) as path:
        work = partial(_check_file, rt, path, parsed, crs, parent)
        findings = await with_deadline(request, work, what="check")
    return _findings(findings, file_format)


def _create_plan(
    rt: Runtime,
    acting: Acting,
    path: Path | None,
    scope: str,
    crs: str | None,
    note: str,
    deadline: Deadline | None = None,
) -> Any:
    areas = None
    if path is not None:
        areas = read_boundaries(path, level=child_level(scope), crs=crs, lenient=True).areas
    if deadline is not None:
        deadline.check()  # before the plan is written: a plan stopped leaves no row
    plan = planning.create_plan(rt, acting=acting, scope_code=scope, areas=areas, note=note)
    return plan.to_json()


@router.post(
    "/plans",
    status_code=201,
    openapi_extra=BOUNDARY_BODY,
    responses=answer(PlanView, "the draft plan", 201),
)
async def create_plan(
    request: Request,
    rt: Rt,
    acting: Annotated[Acting, requires("plans:write")],
    scope: Annotated[str, Query(description="community (or subdistrict) code to redraw")],
    crs: Annotated[str | None, Query()] = None,
    note: Annotated[str, Query()] = "",
) -> Any:
    """Create a draft plan from an uploaded file (or, with no body, a copy of the current areas)."""
    has_body = request.headers.get("content-length", "0") != "0" or "multipart" in (
        request.headers.get("content-type", "")
    )
    if not has_body:
        plan = await run_in_threadpool(_create_plan, rt, acting, None, scope, crs, note)
    else:
        async with boundary_upload(request) as path:
            work = partial(_create_plan, rt, acting, path, scope, crs, note)
            plan = await with_deadline(request, work, what="plan")
    return JSONResponse(plan, status_code=201)


@router.get("/plans", responses=answer(list[PlanView], "the plans, newest first"))
def list_plans(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    scope: Annotated[str | None, Query(description="the plans of one scope code")] = None,
) -> Any:
    """Plans within the caller's areas, newest first."""
    return [plan.to_json() for plan in planning.list_plans(rt, acting=acting, scope=scope)]


@router.get("/plans/{plan_id}", responses=answer(PlanDetails, "the plan and its areas"))
def get_plan(rt: Rt, acting: Annotated[Acting, requires("plans:read")], plan_id: Id) -> Any:
    """A plan and its areas (a FeatureCollection); outside the caller's areas, 404."""
    plan, areas = planning.get_plan(rt, plan_id, acting=acting)
    collection = feature_collection(areas)
    for feature, source in zip(collection["features"], areas["households_source"], strict=True):
        feature["properties"]["households_source"] = source  # registry | area share | both
    return {**plan.to_json(), "areas": collection}


@router.get(
    "/plans/{plan_id}/check",
    responses=answer(
        CheckReport, "the findings (format=geojson: as GeoJSON features)", or_geojson=True
    ),
)
def check_plan(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    file_format: FormatQuery = "json",
) -> Any:
    """All the boundary rules on the plan."""
    return _findings(planning.check_plan(rt, plan_id, acting=acting), file_format)


@router.get(
    "/plans/{plan_id}/diff",
    responses=answer(
        PlanDiff, "what the plan changes (format=geojson: the changed areas)", or_geojson=True
    ),
)
def diff_plan(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    file_format: FormatQuery = "json",
) -> Any:
    """Per area gained and lost, the transfer table, households moved; GeoJSON of the pieces."""
    diff = planning.diff_plan(rt, plan_id, acting=acting)
    if file_format == "geojson":
        return GeoJSONResponse(diff.pieces.__geo_interface__)
    return diff.to_json()


@router.post(
    "/plans/{plan_id}/renumber",
    responses=answer(dict[str, list[dict[str, Any]]], "codes changed, incidents affected"),
)
def renumber_plan(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:write")],
    plan_id: Id,
    body: RenumberRequest | None = None,
) -> Any:
    """New areas take the next free codes (existing keep theirs); ``all`` renumbers every area."""
    everything = (body or RenumberRequest()).all
    return planning.renumber(rt, acting=acting, plan_id=plan_id, everything=everything).to_json()


@router.post("/plans/{plan_id}/publish", responses=answer(PlanView, "the plan published"))
def publish_plan(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:write")],
    plan_id: Id,
    body: PublishRequest | None = None,
) -> Any:
    """Publish atomically; 409 while errors remain (unless forced) or if the scope changed.

    Outside the caller's areas it is 403; the audit log names the publisher.
    """
    options = body or PublishRequest()
    plan = planning.publish(
        rt, acting=acting, plan_id=plan_id, force=options.force, reason=options.reason
    )
    return {"id": plan.id, "status": plan.status, "check_summary": plan.check_summary}
