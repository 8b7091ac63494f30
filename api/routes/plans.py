"""Plans (redraw proposals) and boundary checks over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import shapely
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.access import requires
from api.deps import Id, Rt
from api.plan_json import DrawCrs, Lang, bench_json, shown_in
from api.routes.areas import GeoJSONResponse
from api.schemas import BOUNDARY_BODY, CheckReport, PlanDetails, PlanDiff, PlanView, answer
from api.uploads import boundary_upload, with_deadline
from gis.areas import Level, child_level, parse_level
from gis.blocks import PlanBlocks
from gis.checks import findings_to_geojson, findings_to_json, parse_lang
from gis.crs import from_wgs84, parse_crs
from gis.errors import InvalidInput
from gis.geojson import feature_collection
from gis.identity.access import Acting
from gis.io import geojson_shape, read_boundaries
from gis.limits import Deadline
from gis.usecases import plan_edits, planning
from gis.usecases.runtime import Runtime
from gis.values import parse_point

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


def _findings(findings: list[Any], file_format: str, lang: str | None) -> Any:
    if file_format == "geojson":
        return GeoJSONResponse(findings_to_geojson(findings, lang))
    return findings_to_json(findings, lang)


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
    lang: Lang = None,
) -> Any:
    """Check an uploaded boundary file (GeoJSON body or multipart ``file``) without a plan."""
    parsed, lang = parse_level(level), parse_lang(lang)
    async with boundary_upload(request) as path:
        work = partial(_check_file, rt, path, parsed, crs, parent)
        findings = await with_deadline(request, work, what="check")
    return _findings(findings, file_format, lang)


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
    status: Annotated[str | None, Query(description="draft | submitted | published")] = None,
) -> Any:
    """Plans within the caller's areas, newest first."""
    found = planning.list_plans(rt, acting=acting, scope=scope, status=status)
    return [plan.to_json() for plan in found]


@router.delete("/plans/{plan_id}", status_code=204)
def delete_plan(
    rt: Rt, acting: Annotated[Acting, requires("plans:write")], plan_id: Id
) -> Response:
    """Discard a draft plan (409 for a published one, which stays as history)."""
    planning.delete_plan(rt, acting=acting, plan_id=plan_id)
    return Response(status_code=204)


class OperationIn(BaseModel):
    """One edit of a draft (``op``), or ``undo`` / ``redo`` of one.

    ``split`` cuts a grid along a line, ``merge`` joins grids into the first, ``move`` gives a
    piece of one grid to a neighbour, ``assign_blocks`` paints street blocks (ids of
    ``GET /plans/{id}/blocks``, ``[lon, lat]`` points inside them, or address ids) into grid
    ``to``, ``reshape`` gives a grid a new outline (its neighbours give and take the
    difference). Geometry and points are in ``crs``.
    """

    op: Literal["split", "merge", "move", "assign_blocks", "reshape", "undo", "redo"]
    grid: str | None = Field(
        default=None, description="split: the grid to cut; reshape: the grid redrawn"
    )
    line: dict[str, Any] | None = Field(default=None, description="split: a LineString")
    grids: list[str] | None = Field(default=None, description="merge: the grids, first kept")
    piece: dict[str, Any] | None = Field(default=None, description="move: a Polygon")
    source: str | None = Field(default=None, description="move: the grid the piece leaves")
    to: str | None = Field(default=None, description="move, assign_blocks: the grid the land joins")
    blocks: list[int | list[float]] | None = Field(
        default=None,
        description="assign_blocks: block ids (GET /plans/{id}/blocks) or [lon, lat] points",
    )
    addresses: list[int] | None = Field(
        default=None, description="assign_blocks: standard address ids (their blocks)"
    )
    geometry: dict[str, Any] | None = Field(
        default=None, description="reshape: the grid's new Polygon or MultiPolygon"
    )
    crs: str = Field(default="wgs84", description="wgs84 | gcj02 | bd09 | EPSG:n")


def _needs(value: Any, field: str, what: str) -> Any:
    if value is None or value == []:
        raise InvalidInput(f"{field}: this operation needs {what}")
    return value


Operation = Callable[[Runtime, Acting, int, OperationIn], dict[str, Any]]


def _step(rt: Runtime, acting: Acting, plan_id: int, body: OperationIn) -> dict[str, Any]:
    redo = body.op == "redo"
    return {"step": plan_edits.step_back(rt, acting=acting, plan_id=plan_id, redo=redo)}


def _split(rt: Runtime, acting: Acting, plan_id: int, body: OperationIn) -> dict[str, Any]:
    line = geojson_shape(
        _needs(body.line, "line", "a LineString"), kinds=("LineString",), crs=body.crs, field="line"
    )
    code = _needs(body.grid, "grid", "a grid code")
    return {"new_grid": plan_edits.split(rt, acting=acting, plan_id=plan_id, code=code, line=line)}


def _merge(rt: Runtime, acting: Acting, plan_id: int, body: OperationIn) -> dict[str, Any]:
    codes = _needs(body.grids, "grids", "two grid codes or more")
    plan_edits.merge(rt, acting=acting, plan_id=plan_id, codes=codes)
    return {}


def _move(rt: Runtime, acting: Acting, plan_id: int, body: OperationIn) -> dict[str, Any]:
    piece = geojson_shape(
        _needs(body.piece, "piece", "a Polygon"),
        kinds=("Polygon", "MultiPolygon"),
        crs=body.crs,
        field="piece",
    )
    source = _needs(body.source, "source", "a grid code")
    target = _needs(body.to, "to", "a grid code")
    plan_edits.move(rt, acting=acting, plan_id=plan_id, source=source, target=target, piece=piece)
    return {}


def _painted(items: list[int | list[float]], crs: str) -> list[int | shapely.Point]:
    """Block ids as given, and ``[lon, lat]`` points in ``crs`` as EPSG:4326 points, in order."""
    if any(isinstance(item, list) and len(item) != 2 for item in items):
        raise InvalidInput("blocks: expected block ids or [lon, lat] points")
    return [_point(item, crs) if isinstance(item, list) else item for item in items]


def _point(position: list[float], crs: str) -> shapely.Point:
    lon, lat = position
    found = parse_point(lon, lat, crs, fields=("blocks", "blocks"), where="blocks")
    return shapely.Point(found.lon, found.lat)


def _assign(rt: Runtime, acting: Acting, plan_id: int, body: OperationIn) -> dict[str, Any]:
    if not body.blocks and not body.addresses:
        raise InvalidInput("blocks: this operation needs block ids, [lon, lat] points or addresses")
    plan_edits.assign_blocks(
        rt,
        acting=acting,
        plan_id=plan_id,
        to=_needs(body.to, "to", "a grid code"),
        blocks=_painted(body.blocks or [], body.crs),
        addresses=body.addresses or [],
    )
    return {}


def _reshape(rt: Runtime, acting: Acting, plan_id: int, body: OperationIn) -> dict[str, Any]:
    geometry = geojson_shape(
        _needs(body.geometry, "geometry", "a Polygon or MultiPolygon"),
        kinds=("Polygon", "MultiPolygon"),
        crs=body.crs,
        field="geometry",
    )
    code = _needs(body.grid, "grid", "a grid code")
    plan_edits.reshape(rt, acting=acting, plan_id=plan_id, code=code, geometry=geometry)
    return {}


OPERATIONS: dict[str, Operation] = {
    "undo": _step,
    "redo": _step,
    "split": _split,
    "merge": _merge,
    "move": _move,
    "assign_blocks": _assign,
    "reshape": _reshape,
}


def _operate(
    rt: Runtime, acting: Acting, plan_id: int, body: OperationIn, lang: str | None
) -> dict[str, Any]:
    """Apply one operation; the plan's grids and findings as they are now, in the body's crs."""
    lang = parse_lang(lang)  # before the edit: a bad lang changes nothing
    done = {"op": body.op, **OPERATIONS[body.op](rt, acting, plan_id, body)}
    return {**done, **bench_json(planning.workbench(rt, plan_id, acting=acting), body.crs, lang)}


@router.post(
    "/plans/{plan_id}/operations",
    responses=answer(dict[str, Any], "the plan's grids (households, area_m2) and findings now"),
)
def operate(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:write")],
    plan_id: Id,
    body: OperationIn,
    lang: Lang = None,
) -> Any:
    """Edit a draft (split, merge, move, assign_blocks, reshape; undo, redo) in one transaction.

    The answer holds the plan's grids (households, area in m²) and the check findings, as the
    editor shows them, in the body's ``crs`` (messages in ``lang``). A split line that does not
    cross the grid, grids that do not touch, a piece or painted blocks not touching their
    target, a reshaped grid that crosses itself: 400, the draft unchanged.
    """
    return _operate(rt, acting, plan_id, body, lang)


@router.get("/plans/{plan_id}", responses=answer(PlanDetails, "the plan and its areas"))
def get_plan(rt: Rt, acting: Annotated[Acting, requires("plans:read")], plan_id: Id) -> Any:
    """A plan and its areas (a FeatureCollection); outside the caller's areas, 404."""
    plan, areas = planning.get_plan(rt, plan_id, acting=acting)
    collection = feature_collection(areas)
    for feature, source in zip(collection["features"], areas["households_source"], strict=True):
        feature["properties"]["households_source"] = source  # registry | area share | both
    return {**plan.to_json(), "areas": collection}


@router.get(
    "/plans/{plan_id}/blocks",
    responses=answer(dict[str, Any], "the plan's street blocks (ids for assign_blocks)"),
)
def plan_blocks(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    crs: DrawCrs = "wgs84",
) -> Any:
    """The plan's grids cut along the walking network; ``network`` null: blocks are grids.

    ``crs=gcj02`` gives the blocks and their points in GCJ-02 (to draw and paint on AMap).
    """
    found = plan_edits.blocks(rt, plan_id, acting=acting)
    lon, lat = from_wgs84(found.blocks["lon"], found.blocks["lat"], parse_crs(crs))
    shown = shown_in(found.blocks, crs).assign(lon=lon, lat=lat)
    return PlanBlocks(found.network, shown).to_geojson()


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
    lang: Lang = None,
) -> Any:
    """All the boundary rules on the plan (messages in ``lang``: zh, default, or en)."""
    lang = parse_lang(lang)
    return _findings(planning.check_plan(rt, plan_id, acting=acting), file_format, lang)


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
    crs: DrawCrs = "wgs84",
) -> Any:
    """Per area gained and lost, the transfer table, households moved; GeoJSON of the pieces.

    ``crs=gcj02`` gives the pieces in GCJ-02 (to draw on AMap).
    """
    diff = planning.diff_plan(rt, plan_id, acting=acting)
    if file_format == "geojson":
        return GeoJSONResponse(shown_in(diff.pieces, crs).to_geo_dict(drop_id=True))
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
    acting: Annotated[Acting, requires("plans:publish")],
    plan_id: Id,
    body: PublishRequest | None = None,
) -> Any:
    """Publish a draft or a submitted plan atomically; 409 while errors remain (unless forced).

    409 too if the scope changed since the plan was made.

    Outside the caller's areas it is 403; the audit log names the publisher.
    """
    options = body or PublishRequest()
    plan = planning.publish(
        rt, acting=acting, plan_id=plan_id, force=options.force, reason=options.reason
    )
    return {"id": plan.id, "status": plan.status, "check_summary": plan.check_summary}
