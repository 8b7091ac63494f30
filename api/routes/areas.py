"""Areas as GeoJSON: list with filters, one by code, and its version history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import DB
from gis.areas import parse_level
from gis.db import areas as area_sql
from gis.errors import NotFound
from gis.geojson import feature, feature_collection
from gis.values import parse_bbox, parse_time

router = APIRouter(prefix="/areas", tags=["areas"])
GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type (RFC 7946)."""

    media_type = GEOJSON


@router.get("", response_class=GeoJSONResponse)
def list_areas(
    conn: DB,
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
    found = area_sql.find_areas(
        conn,
        level=parse_level(level) if level else None,
        parent=parent,
        scope=scope,
        bbox=tuple(parse_bbox(bbox)) if bbox else None,  # type: ignore[arg-type]
        as_of=parse_time(as_of) if as_of else None,
        limit=limit,
    )
    return GeoJSONResponse(feature_collection(found))


@router.get("/{code}", response_class=GeoJSONResponse)
def get_area(
    conn: DB,
    code: str,
    as_of: Annotated[str | None, Query(description="ISO time: the version valid then")] = None,
) -> Any:
    """One area as a GeoJSON Feature."""
    found = area_sql.find_areas(conn, codes=[code], as_of=parse_time(as_of) if as_of else None)
    if found.empty:
        when = f" valid at {as_of}" if as_of else ""
        raise NotFound(f"code: no area {code!r}{when}")
    row = next(found.itertuples())
    return GeoJSONResponse(feature(row, row.geometry))


@router.get("/{code}/history", response_class=GeoJSONResponse)
def get_history(conn: DB, code: str) -> Any:
    """Every version of one area, oldest first, as a FeatureCollection."""
    found = area_sql.history(conn, code=code)
    if found.empty:
        raise NotFound(f"code: no area {code!r}")
    return GeoJSONResponse(feature_collection(found))
