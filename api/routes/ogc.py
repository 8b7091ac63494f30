"""OGC API – Features (Part 1 Core + GeoJSON + HTML, Part 2 CRS) under ``/ogc``.

Hand-written over the existing use cases rather than a mounted tipg or pygeoapi: neither
honours gridmap's per-route permissions, scoped incident listings, area versions and error
bodies without a fork (the reasons in full: `gis.ogc`). Areas and stations are public reads,
as ``GET /areas`` and ``GET /stations``; the incidents collection has its own routes, declared
before the generic ones, that need ``incidents:read`` or ``incidents:assigned``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.access import Public, requires
from api.deps import Rt
from gis.errors import NotFound
from gis.identity.access import Acting
from gis.identity.roles import allows
from gis.incidents.lifecycle import parse_statuses
from gis.ogc import (
    COLLECTIONS,
    CONFORMANCE,
    GEOJSON,
    HTML,
    JSON,
    Collection,
    InvalidParameterValue,
    Page,
    area_features,
    collection_doc,
    collection_of,
    incident_feature,
    items_doc,
    landing,
    link,
    parse_crs,
    parse_datetime,
    parse_items_bbox,
    parse_limit,
    parse_offset,
    station_feature,
)
from gis.usecases import boundaries, incidents, stations
from gis.usecases import ogc as features
from gis.usecases.ogc import Window
from maps.safe import html_text

router = APIRouter(prefix="/ogc", tags=["ogc"])
IncidentReader = Annotated[Acting, requires("incidents:read", "incidents:assigned")]
CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
COMMON = ("bbox", "bbox-crs", "datetime", "limit", "offset", "crs", "f")
"""The query parameters every items listing takes; a collection adds its property filters."""

Format = Annotated[str | None, Query(description="json (default) | html")]
Crs = Annotated[str | None, Query(description="output CRS: CRS84 (default), EPSG 4326 or 4490")]
BBoxParam = Annotated[
    str | None, Query(description="w,s,e,n (CRS84) or in bbox-crs's axis order (EPSG: lat first)")
]
BBoxCrs = Annotated[str | None, Query(alias="bbox-crs", description="the CRS of bbox")]
Limit = Annotated[str | None, Query(description="features per page: 1 … 10,000 (default 100)")]
OffsetParam = Annotated[str | None, Query(description="features to skip (the next link sets it)")]
DATETIME = "areas: an instant (the versions valid then); incidents: an interval start/end"
DateTime = Annotated[str | None, Query(alias="datetime", description=DATETIME)]
Filter = Annotated[str | None, Query(description="a property's value (equal)")]


def _documented(description: str, media: str, *required: str) -> dict[int | str, Any]:
    """A 200 answered as ``media`` (an object with ``required`` members) or, f=html, a page."""
    schema = {"type": "object", "required": list(required)}
    content = {media: {"schema": schema}, HTML: {"schema": {"type": "string"}}}
    return {200: {"description": description, "content": content}}


LANDING = _documented("the landing page", JSON, "links")
CONFORMS = _documented("the conformance classes", JSON, "conformsTo")
COLLECTIONS_DOC = _documented("the collections", JSON, "collections", "links")
COLLECTION_DOC = _documented("the collection", JSON, "id", "links")
ITEMS = _documented("a page of features", GEOJSON, "type", "features", "links")
ONE = _documented("one feature", GEOJSON, "type", "geometry", "properties")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _html(title: str, doc: dict[str, Any]) -> HTMLResponse:
    """A plain page of ``doc``: its links, then its collections or features as a table."""
    rows: list[list[Any]] = []
    if "features" in doc:
        keys = sorted({k for f in doc["features"] for k in f["properties"]})[:12]
        rows = [["id", *keys]]
        rows += [[f["id"], *(f["properties"].get(k) for k in keys)] for f in doc["features"]]
    elif "collections" in doc:
        rows = [["id", "title", "description"]]
        rows += [[c["id"], c["title"], c["description"]] for c in doc["collections"]]
    else:
        rows = [[k, v] for k, v in doc.items() if k != "links"]
    cells = "".join(
        "<tr>" + "".join(f"<td>{html_text(_shown(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    links = "".join(
        f'<li><a href="{html_text(x["href"])}">{html_text(x.get("title") or x["rel"])}</a></li>'
        for x in doc.get("links", [])
    )
    page = (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{html_text(title)}'
        f"</title></head><body><h1>{html_text(title)}</h1><ul>{links}</ul>"
        f"<table>{cells}</table></body></html>"
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": CSP})


def _shown(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def _answer(doc: dict[str, Any], f: str | None, title: str, media: str = JSON) -> Response:
    """``doc`` as JSON (``media``) or, for ``f=html``, as a page."""
    if f is not None and f not in ("json", "html"):
        raise InvalidParameterValue(f"f: {f[:20]!r} is not json or html")
    return _html(title, doc) if f == "html" else JSONResponse(doc, media_type=media)


def _features(doc: dict[str, Any], f: str | None, title: str, crs: str) -> Response:
    answer = _answer(doc, f, title, GEOJSON)
    answer.headers["Content-Crs"] = f"<{crs}>"
    return answer


def _window(
    request: Request, collection: Collection, bbox: str | None, bbox_crs: str | None
) -> Window:
    """The bbox, page and property filters of an items request; unknown parameters: 400."""
    params = request.query_params
    unknown = sorted(set(params) - {*COMMON, *collection.filters})
    if unknown:
        known = ", ".join([*COMMON, *collection.filters])
        raise InvalidParameterValue(f"{unknown[0][:40]}: not a parameter here; known: {known}")
    return Window(
        bbox=parse_items_bbox(bbox, bbox_crs),
        offset=parse_offset(params.get("offset")),
        limit=parse_limit(params.get("limit")),
        filters={k: params[k] for k in collection.filters if params.get(k)},
    )


def _may_read_incidents(acting: Acting) -> bool:
    if acting.grants is None:
        return True
    return any(allows(acting.grants, p) for p in ("incidents:read", "incidents:assigned"))


@router.get("", responses=LANDING)
def landing_page(request: Request, _: Public, f: Format = None) -> Response:
    """The landing page: links to the API description, the conformance and the collections."""
    return _answer(landing(_base(request)), f, "gridmap OGC API")


@router.get("/conformance", responses=CONFORMS)
def conformance(_: Public, f: Format = None) -> Response:
    """The conformance classes: Features Core, GeoJSON, HTML, OpenAPI 3.0, and CRS."""
    return _answer({"conformsTo": list(CONFORMANCE)}, f, "Conformance")


def _described(rt: Rt, collection: Collection, base: str) -> dict[str, Any]:
    if collection.level is not None:
        extent = features.area_extent(rt, collection.level)
    elif collection.kind == "station":
        extent = features.station_extent(rt)
    else:
        extent = None  # where a caller's incidents are depends on who asks
    return collection_doc(collection, base, extent)


@router.get("/collections", responses=COLLECTIONS_DOC)
def collections(request: Request, rt: Rt, acting: Public, f: Format = None) -> Response:
    """The collections; incidents only for those who may read some."""
    base = _base(request)
    shown = [c for c in COLLECTIONS.values() if c.kind != "incident"]
    if _may_read_incidents(acting):
        shown.append(collection_of("incidents"))
    doc = {
        "links": [link(f"{base}/ogc/collections", "self")],
        "collections": [_described(rt, c, base) for c in shown],
    }
    return _answer(doc, f, "Collections")


@router.get("/collections/incidents", responses=COLLECTION_DOC)
def incidents_collection(request: Request, rt: Rt, _: IncidentReader, f: Format = None) -> Response:
    """The incidents collection (within the caller's areas)."""
    doc = _described(rt, collection_of("incidents"), _base(request))
    return _answer(doc, f, doc["title"])


@router.get("/collections/incidents/items", responses=ITEMS)
def incident_items(
    request: Request,
    rt: Rt,
    acting: IncidentReader,
    bbox: BBoxParam = None,
    bbox_crs: BBoxCrs = None,
    datetime: DateTime = None,
    limit: Limit = None,
    offset: OffsetParam = None,
    crs: Crs = None,
    f: Format = None,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    category: Annotated[str | None, Query(description="a category code or name")] = None,
) -> Response:
    """A page of incidents within the caller's areas, reporters masked, by id."""
    collection = collection_of("incidents")
    window = _window(request, collection, bbox, bbox_crs)
    when = parse_datetime(datetime)
    if when is not None and when.period is None:
        raise InvalidParameterValue("datetime: give an interval start/end for incidents")
    output = parse_crs(crs)
    found, page = features.incident_page(
        rt,
        window,
        acting=acting,
        period=when.period if when else None,
        statuses=parse_statuses(status),
    )
    rows = [incident_feature(row, output) for row in found]
    return _items(request, collection, rows, page, f, output)


@router.get("/collections/incidents/items/{feature_id}", responses=ONE)
def incident_item(
    request: Request,
    rt: Rt,
    acting: IncidentReader,
    feature_id: str,
    crs: Crs = None,
    f: Format = None,
) -> Response:
    """One incident, reporter masked (outside the caller's areas: 404)."""
    output = parse_crs(crs)
    found = incidents.get_incident(rt, _number(feature_id, "incident"), acting=acting)
    return _item(request, collection_of("incidents"), incident_feature(found, output), f, output)


@router.get("/collections/{collection_id}", responses=COLLECTION_DOC)
def collection(
    request: Request, rt: Rt, _: Public, collection_id: str, f: Format = None
) -> Response:
    """One collection: its extent (versions' interval for areas), CRSs and links."""
    found = _public(collection_id)
    doc = _described(rt, found, _base(request))
    return _answer(doc, f, doc["title"])


def _public(collection_id: str) -> Collection:
    found = collection_of(collection_id)
    if found.kind == "incident":  # served by the routes above, never here
        raise NotFound(f"collection: no collection {collection_id!r}")
    return found


@router.get("/collections/{collection_id}/items", responses=ITEMS)
def items(
    request: Request,
    rt: Rt,
    _: Public,
    collection_id: str,
    bbox: BBoxParam = None,
    bbox_crs: BBoxCrs = None,
    datetime: DateTime = None,
    limit: Limit = None,
    offset: OffsetParam = None,
    crs: Crs = None,
    f: Format = None,
    code: Filter = None,
    parent_code: Filter = None,
    name: Filter = None,
    type: Annotated[str | None, Query(description="stations: a type code or name")] = None,
) -> Response:
    """A page of areas (valid at ``datetime``, default now) or stations, with next links."""
    found = _public(collection_id)
    window = _window(request, found, bbox, bbox_crs)
    when = parse_datetime(datetime)
    output = parse_crs(crs)
    if found.level is not None:
        if when is not None and when.instant is None:
            raise InvalidParameterValue("datetime: give an instant (the versions valid then)")
        areas, page = features.area_page(
            rt, found.level, window, as_of=when.instant if when else None
        )
        return _items(request, found, area_features(areas, output), page, f, output)
    if when is not None:
        raise InvalidParameterValue("datetime: stations have no time; leave it out")
    listed, page = features.station_page(rt, window)
    rows = [station_feature(s, output) for s in listed]
    return _items(request, found, rows, page, f, output)


def _items(
    request: Request,
    collection: Collection,
    rows: list[dict[str, Any]],
    page: Page,
    f: str | None,
    crs: str,
) -> Response:
    url = f"{_base(request)}/ogc/collections/{collection.id}/items"
    doc = items_doc(rows, page, url, dict(request.query_params))
    return _features(doc, f, collection.title, crs)


def _item(
    request: Request, collection: Collection, row: dict[str, Any], f: str | None, crs: str
) -> Response:
    here = f"{_base(request)}/ogc/collections/{collection.id}"
    row["links"] = [
        link(f"{here}/items/{row['id']}", "self", GEOJSON),
        link(f"{here}/items/{row['id']}?f=html", "alternate", HTML),
        link(here, "collection"),
    ]
    doc = {**row, "features": [row]} if f == "html" else row
    return _features(doc, f, f"{collection.title} {row['id']}", crs)


def _number(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"{what}: no {what} {text[:20]!r}")
    return int(text)


@router.get("/collections/{collection_id}/items/{feature_id}", responses=ONE)
def item(
    request: Request,
    rt: Rt,
    _: Public,
    collection_id: str,
    feature_id: str,
    datetime: DateTime = None,
    crs: Crs = None,
    f: Format = None,
) -> Response:
    """One area (by code; the version valid at ``datetime``) or station (by id)."""
    found = _public(collection_id)
    output = parse_crs(crs)
    when = parse_datetime(datetime)
    if found.level is None:
        station = stations.get_station(rt, _number(feature_id, "station"))
        return _item(request, found, station_feature(station, output), f, output)
    if when is not None and when.instant is None:
        raise InvalidParameterValue("datetime: give an instant (the version valid then)")
    area = boundaries.get_area(rt, feature_id, as_of=when.instant if when else None)
    if area["level"].iloc[0] != found.level.value:
        raise NotFound(f"code: no area {feature_id[:20]!r} in {found.id}")
    return _item(request, found, area_features(area, output)[0], f, output)
