"""Areas as GeoJSON: list with filters, one by code, and its version history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.access import Public
from api.deps import Rt
from api.schemas import Feature, FeatureCollection, geojson
from gis.areas import AreaQuery, parse_level
from gis.geojson import feature, feature_collection
from gis.usecases import boundaries
from gis.values import optional_time, parse_bbox

router = APIRouter(prefix="/areas", tags=["areas"])
GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type (RFC 7946)."""

    media_type = GEOJSON


@router.get("", response_class=GeoJSONResponse, responses=geojson(FeatureCollection, "the areas"))
def list_areas(
    rt: Rt,
    _: Public,
    level: Annotated[
        str | None, Query(description="district | subdistrict | community | grid")
    ] = None,
    parent: Annotated[str | None, Query(description="parent area code")] = None,
    scope: Annotated[str | None, Query(description="this code and everything below it")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north (EPSG:4326)")] = None,
    as_of: Annotated[str | None, Query(description="ISO time: boundaries valid then")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> Any:
    """Areas as a GeoJSON FeatureCollection (current, or valid at ``as_of``)."""
    query = AreaQuery(
        level=parse_level(level) if level else None,
        parent=parent,
        scope=scope,
        bbox=parse_bbox(bbox) if bbox else None,
        as_of=optional_time(as_of, "as_of"),
        limit=limit,
    )
    found = boundaries.find_areas(rt, query)
    return GeoJSONResponse(feature_collection(found))


@router.get("/{code}", response_class=GeoJSONResponse, responses=geojson(Feature, "the area"))
def get_area(
    rt: Rt,
    _: Public,
    code: str,
    as_of: Annotated[str | None, Query(description="ISO time: the version valid then")] = None,
) -> Any:
    """One area as a GeoJSON Feature."""
    found = boundaries.get_area(rt, code, as_of=optional_time(as_of, "as_of"))
    row = next(found.itertuples())
    return GeoJSONResponse(feature(row, row.geometry))


@router.get(
    "/{code}/history",
    response_class=GeoJSONResponse,
    responses=geojson(FeatureCollection, "every version, oldest first"),
)
def get_history(rt: Rt, _: Public, code: str) -> Any:
    """Every version of one area, oldest first, as a FeatureCollection."""
    return GeoJSONResponse(feature_collection(boundaries.history(rt, code)))
