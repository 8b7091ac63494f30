"""Stations, isochrones and coverage over HTTP: CRUD, import, circles, walking reach, siting."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from shapely.geometry import mapping

from api.access import Public, requires
from api.deps import Coordinate, Id, Rt
from api.schemas import STATION_FILE_BODY, Feature, FeatureCollection, geojson
from api.uploads import read_body
from gis import clock
from gis.identity.access import Acting
from gis.stations.records import Station, parse_station, read_stations
from gis.tables import XLSX_TYPE, TableOptions, table_options
from gis.usecases import stations
from gis.usecases.runtime import Runtime
from gis.values import parse_bbox, parse_point

router = APIRouter(tags=["stations"])
GEOJSON = "application/geo+json"
StationWriter = Annotated[Acting, requires("stations:write")]
MapReader = Annotated[Acting, requires("maps:read")]
"""Walking reach, coverage and siting: computed on demand, for those who read the maps."""


class StationBody(BaseModel):
    """A station: type (code, 中文 or English), name, where (lon/lat in crs), hours, capacity."""

    type: str = Field(description="e.g. red_post or 红色驿站")
    name: str
    lon: Coordinate
    lat: Coordinate
    crs: str = "wgs84"
    opening_hours: str | None = None
    capacity: int | None = None
    source_id: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


def _geojson(doc: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(doc, status_code=status_code, media_type=GEOJSON)


def _feature(station: Station) -> dict[str, Any]:
    properties = {k: v for k, v in asdict(station).items() if k not in ("lon", "lat")}
    for key in ("created_at", "updated_at"):
        properties[key] = clock.iso(properties[key])
    geometry = {"type": "Point", "coordinates": [station.lon, station.lat]}
    return {"type": "Feature", "id": station.id, "geometry": geometry, "properties": properties}


def _collection(features: list[dict[str, Any]]) -> JSONResponse:
    return _geojson({"type": "FeatureCollection", "features": features})


@router.get("/stations/types")
def station_types(rt: Rt, _: Public) -> list[dict[str, Any]]:
    """The station types catalogue with tiers."""
    return [
        {
            "code": t.code,
            "zh": t.zh,
            "en": t.en,
            "group": t.group,
            "tiers": [{"minutes": x.minutes, "radius_m": x.radius_m} for x in t.tiers],
        }
        for t in rt.station_types
    ]


@router.get("/stations", responses=geojson(FeatureCollection, "the stations"))
def list_stations(rt: Rt, _: Public, type: str | None = None, bbox: str | None = None) -> Response:
    """Stations as a GeoJSON FeatureCollection, by type and bbox (w,s,e,n)."""
    box = parse_bbox(bbox) if bbox else None
    return _collection(
        [_feature(s) for s in stations.list_stations(rt, station_type=type, bbox=box)]
    )


@router.get("/stations/{station_id:int}", responses=geojson(Feature, "the station"))
def get_station(rt: Rt, _: Public, station_id: Id) -> Response:
    """One station as a GeoJSON Feature; ``outside_grid`` flags one outside every grid."""
    return _geojson(_feature(stations.get_station(rt, station_id)))


@router.post(
    "/stations",
    status_code=201,
    responses={
        **geojson(Feature, "an existing station (the same source_id) updated"),
        **geojson(Feature, "the station added", status=201),
    },
)
def create_station(rt: Rt, acting: StationWriter, body: StationBody) -> Response:
    """Add a station (a known ``source_id`` updates that one); within the caller's areas."""
    station = parse_station(body.model_dump(), rt.station_types, crs=body.crs)
    saved, created = stations.save_station(rt, station, acting=acting)
    return _geojson(_feature(saved), status_code=201 if created else 200)


@router.put("/stations/{station_id:int}", responses=geojson(Feature, "the station"))
def replace_station(rt: Rt, acting: StationWriter, station_id: Id, body: StationBody) -> Response:
    """Replace a station's fields (those left out keep theirs); a move drops its isochrones."""
    kept = {k: v for k, v in asdict(stations.get_station(rt, station_id)).items() if k in KEPT}
    given = body.model_dump(exclude_unset=True)
    station = parse_station({**kept, **given}, rt.station_types, crs=body.crs)
    return _geojson(_feature(stations.replace_station(rt, station_id, station, acting=acting)))


KEPT = ("opening_hours", "capacity", "source_id", "attributes")
"""What a PUT that leaves them out keeps of a station (type, name and point are required)."""


@router.delete("/stations/{station_id:int}", status_code=204)
def delete_station(rt: Rt, acting: StationWriter, station_id: Id) -> Response:
    """Delete a station (within the caller's areas)."""
    stations.delete_station(rt, station_id, acting=acting)
    return Response(status_code=204)


@router.post("/stations/import", openapi_extra=STATION_FILE_BODY)
async def import_file(
    request: Request,
    rt: Rt,
    acting: StationWriter,
    crs: str = "wgs84",
    encoding: str | None = None,
    sheet: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> dict[str, Any]:
    """Import GeoJSON Points, or a table (CSV in UTF-8 or GBK, .xlsx): all or none."""
    content_type = request.headers.get("content-type", "")
    kind = "xlsx" if XLSX_TYPE in content_type else "csv" if "csv" in content_type else "geojson"
    options = table_options(
        encoding=encoding, sheet=sheet, lon_field=lon_field, lat_field=lat_field
    )
    body = await read_body(request, empty="send a GeoJSON FeatureCollection of Points or a CSV")
    return asdict(await run_in_threadpool(_import, rt, acting, body, kind, crs, options))


def _import(
    rt: Runtime, acting: Acting, body: bytes, kind: str, crs: str, options: TableOptions
) -> stations.ImportSummary:
    parsed = read_stations(body, kind=kind, catalogue=rt.station_types, crs=crs, options=options)
    return stations.import_stations(rt, parsed, acting=acting)


@router.get(
    "/stations/{station_id:int}/circles",
    responses=geojson(FeatureCollection, "one circle per tier"),
)
def station_circles(rt: Rt, _: Public, station_id: Id) -> Response:
    """The station's service circles, one per tier (radius in metres)."""
    return _collection(
        [
            {
                "type": "Feature",
                "geometry": mapping(polygon),
                "properties": {"station_id": station_id, "minutes": minutes, "radius_m": radius},
            }
            for minutes, radius, polygon in stations.circles_of(rt, station_id)
        ]
    )


@router.get(
    "/stations/{station_id:int}/isochrones",
    responses=geojson(FeatureCollection, "one isochrone per tier"),
)
def station_reach(rt: Rt, _: MapReader, station_id: Id, speed: float | None = None) -> Response:
    """The station's walking isochrones, one per tier (cached per network version)."""
    tiers, version = stations.isochrones_of(rt, station_id, speed_kmh=speed)
    properties = {"station_id": station_id, "network_version": version}
    return _collection(
        [
            {
                "type": "Feature",
                "geometry": mapping(polygon),
                "properties": {**properties, "minutes": m},
            }
            for m, polygon in tiers
        ]
    )


@router.get("/isochrone", responses=geojson(Feature, "the isochrone"))
def isochrone(
    rt: Rt,
    _: MapReader,
    lon: Annotated[float, Query()],
    lat: Annotated[float, Query()],
    minutes: float = 15.0,
    crs: str = "wgs84",
    speed: float | None = None,
) -> Response:
    """The walking isochrone of any point (``crs`` as in /lookup) on the current network."""
    point = parse_point(lon, lat, crs)
    polygon, walk = stations.isochrone_of_point(rt, point, minutes=minutes, speed_kmh=speed)
    properties = {
        "lon": point.lon,
        "lat": point.lat,
        "minutes": minutes,
        "network_version": walk.version,
    }
    return _geojson({"type": "Feature", "geometry": mapping(polygon), "properties": properties})


@router.get(
    "/coverage", responses=geojson(FeatureCollection, "grids and communities with coverage")
)
def coverage(rt: Rt, _: MapReader, type: str, mode: str = "network") -> Response:
    """Households and area within 15 minutes of a station type, per grid and community."""
    return _geojson(stations.coverage(rt, station_type=type, mode=mode).to_geojson())


@router.get("/stations/suggest/{station_type}")
def suggest(
    rt: Rt, _: MapReader, station_type: str, k: int = 3, candidates: str = "nodes"
) -> dict[str, Any]:
    """Greedy maximal-covering sites for a station type, existing ones kept fixed."""
    return stations.suggest(rt, station_type=station_type, k=k, candidates=candidates).to_json()
