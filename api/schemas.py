"""What the routes answer and read, as documented in the OpenAPI (not used to serialise).

The hot routes build their JSON by hand (orjson, streamed CSV) for speed; these models only
describe it, so that ``/openapi.json`` shows real shapes.
``tests/api/test_item12_schemathesis.py`` validates every answer against them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Place(BaseModel):
    """An area a point is in."""

    code: str
    name: str


class Coordinates(BaseModel):
    """A point as given, or in WGS84."""

    lon: float
    lat: float
    crs: str | None = None


class LookupAnswer(BaseModel):
    """``GET /lookup``: the areas of one point, and the nearest grid when it is in none."""

    input: Coordinates
    wgs84: Coordinates
    district: Place | None
    subdistrict: Place | None
    community: Place | None
    grid: Place | None
    on_boundary: bool = Field(description="the point lies on an edge between areas")
    neighbours: list[str] = Field(description="codes of the grids sharing that edge")
    nearest_grid: Place | None
    distance_m: float | None = Field(description="metres to the nearest grid (0 inside one)")
    as_of: str | None = Field(description="the time the boundaries were asked for, if any")


class GridFacts(BaseModel):
    """``GET /maps/grids/facts/{z}/{y}/{x}.json``: what a tiled grid map shows of a tile's grids."""

    values: dict[str, float | None] = Field(
        description="each grid's measure (null: no value); empty without a measure"
    )
    unstaffed: list[str] = Field(description="the grids lacking a 网格长 or a 专职网格员")
    popup: dict[str, dict[str, str | int | float]] = Field(
        description="each grid's popup rows: grid_leader, full_time, open_incidents, measure"
    )


class Geometry(BaseModel):
    """A GeoJSON geometry (RFC 7946), WGS84 longitude/latitude."""

    model_config = ConfigDict(extra="allow")

    type: str
    coordinates: Any = None


class Feature(BaseModel):
    """A GeoJSON Feature."""

    type: Literal["Feature"]
    id: int | str | None = None
    geometry: Geometry | None
    properties: dict[str, Any] | None


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[Feature]


def geojson(
    model: type[BaseModel], description: str, status: int = 200
) -> dict[int | str, dict[str, Any]]:
    """A ``status`` answered as ``application/geo+json`` of ``model``."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    content = {"application/geo+json": {"schema": schema}}
    return {status: {"description": description, "content": content}}


POINT_BATCH: dict[str, Any] = {
    "type": "object",
    "description": "a GeoJSON FeatureCollection of Point features; an item that is not one is"
    " answered by a row with an `error`, the others are still answered",
    "required": ["features"],
    "properties": {"type": {"type": "string"}, "features": {"type": "array", "items": {}}},
}
"""A batch of points as GeoJSON: per-item problems are answered per row, not refused."""

BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "points to locate (at most 2,000,000; 200 MB): a table (CSV in UTF-8 or"
        " GBK; an .xlsx as application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        " or a multipart file) or GeoJSON",
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "a header with lon,lat (or lng, 经度/纬度 …)[,id,…]",
                }
            },
            "application/geo+json": {"schema": POINT_BATCH},
            "application/json": {"schema": POINT_BATCH},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}
"""The body of ``POST /lookup``."""

BATCH_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "one row per input row, in order; a row that cannot be answered carries"
        " an `error`",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}
"""The streamed answer of ``POST /lookup``."""

BOUNDARY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "a boundary file: GeoJSON, or multipart `file` (GeoJSON, a zipped"
        " shapefile, GeoPackage)",
        "content": {
            "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}
"""The body of ``POST /checks`` and ``POST /plans`` (optional for a plan: a copy of today)."""

STATION_FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "a GeoJSON FeatureCollection of Points, or a CSV with lon,lat,type,name",
        "content": {
            "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
"""The body of ``POST /stations/import``."""


class _Open(BaseModel):
    """A documented object that may carry more fields than those listed."""

    model_config = ConfigDict(extra="allow")


class IncidentView(_Open):
    """One incident; reporters' names and phones masked unless personal data is allowed."""

    id: int
    category: str
    status: str
    status_zh: str
    reported_at: str
    updated_at: str
    due_at: str
    overdue: bool
    description: str | None = None
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    grid_code: str | None = None
    location_method: str | None = None
    severity: int | None = None
    source: str | None = None
    assignee: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    possible_duplicate: bool | None = None
    attributes: dict[str, Any] | None = None


class IncidentDetails(IncidentView):
    """One incident with its log and the incidents linked to it."""

    events: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []


class AreaStatistics(_Open):
    """The statistics of one area."""

    code: str
    name: str | None = None
    total: int


class PersonStatistics(_Open):
    """``GET /stats/people``: one roster person's incidents."""

    person_key: int
    name: str | None = None
    login: str | None = None
    received: int
    resolved_or_closed: int
    closed_on_time: int
    overdue: int
    escalated: int
    with_feedback: int
    satisfaction_rate: float | None = None


class Statistics(_Open):
    """``GET /stats``: per area of a level, over a period."""

    level: str
    by: str
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    areas: list[AreaStatistics]


class PlanView(_Open):
    """A plan: a draft redrawing of one scope's areas."""

    id: int
    scope_code: str
    status: str
    level: str | None = None
    note: str | None = None
    created_at: str | None = None
    published_at: str | None = None
    check_summary: dict[str, Any] | None = None


class PlanDetails(PlanView):
    """A plan with its areas (GeoJSON)."""

    areas: FeatureCollection | None = None


class Finding(_Open):
    """One finding of a check."""

    rule: str
    severity: str
    codes: list[str]
    message: str


class CheckReport(_Open):
    """The findings of a check, and their count by severity and rule."""

    summary: dict[str, Any]
    findings: list[Finding]


class PlanDiff(_Open):
    """What a plan changes: per area, transfers between areas, renumbered grids, incidents."""

    summary: list[dict[str, Any]]
    transfers: list[dict[str, Any]]


class Service(_Open):
    """An Open311 service (an incident category)."""

    service_code: str
    service_name: str


class ServiceDefinition(_Open):
    """An Open311 service definition."""

    service_code: str
    attributes: list[Any]


class RequestAccepted(_Open):
    """An Open311 request accepted."""

    service_request_id: str
    service_notice: str | None = None


class ServiceRequest(_Open):
    """An Open311 service request (no personal data)."""

    service_request_id: str
    status: str
    service_code: str
    requested_datetime: str | None = None
    expected_datetime: str | None = None
    lat: float | None = None
    long: float | None = None


def answer(
    model: Any, description: str, status: int = 200, *, or_geojson: bool = False
) -> dict[int | str, dict[str, Any]]:
    """A ``status`` answered as JSON of ``model`` (a model or a ``list[...]`` of one).

    ``or_geojson``: with ``format=geojson`` the same answer comes as a FeatureCollection.
    """
    documented: dict[str, Any] = {"model": model, "description": description}
    if or_geojson:
        schema = {"$ref": "#/components/schemas/FeatureCollection"}
        documented["content"] = {"application/geo+json": {"schema": schema}}
    return {status: documented}
