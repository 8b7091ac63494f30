"""Stations, isochrones and coverage over HTTP: CRUD, import, circles, walking reach, siting."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from shapely.geometry import mapping

from api.deps import DB
from gis.db import engine as db_engine
from gis.db import stations as station_sql
from gis.network import Unsnappable, walk_metres
from gis.stations.analytics import coverage_report
from gis.stations.circles import circles
from gis.stations.records import parse_station, read_stations, to_wgs84
from gis.stations.service import (
    Access,
    import_stations,
    point_isochrone,
    station_isochrones,
)
from gis.stations.suggest import suggest_sites
from gis.values import parse_bbox

router = APIRouter(tags=["stations"])
GEOJSON = "application/geo+json"


class StationBody(BaseModel):
    """A station: type (code, 中文 or English), name, where (lon/lat in crs), hours, capacity."""

    type: str = Field(description="e.g. red_post or 红色驿站")
    name: str
    lon: float | str
    lat: float | str
    crs: str = "wgs84"
    opening_hours: str | None = None
    capacity: int | None = None
    source_id: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


def _access(request: Request) -> Access:
    access: Access = request.app.state.access  # built once in create_app
    return access


def _geojson(doc: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(doc, status_code=status_code, media_type=GEOJSON)


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    properties = {k: v for k, v in row.items() if k not in ("lon", "lat")}
    for key in ("created_at", "updated_at"):
        properties[key] = properties[key].isoformat()
    geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
    return {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": properties}


@router.get("/stations/types")
def station_types(request: Request) -> list[dict[str, Any]]:
    """The station types catalogue with tiers."""
    return [
        {
            "code": t.code,
            "zh": t.zh,
            "en": t.en,
            "group": t.group,
            "tiers": [{"minutes": x.minutes, "radius_m": x.radius_m} for x in t.tiers],
        }
        for t in _access(request).catalogue
    ]


@router.get("/stations")
def list_stations(
    request: Request, conn: DB, type: str | None = None, bbox: str | None = None
) -> Response:
    """Stations as a GeoJSON FeatureCollection, by type and bbox (w,s,e,n)."""
    code = _access(request).catalogue.find(type).code if type else None
    box = tuple(parse_bbox(bbox)) if bbox else None
    rows = station_sql.list_stations(conn, station_type=code, bbox=box)  # type: ignore[arg-type]
    return _geojson({"type": "FeatureCollection", "features": [_feature(r) for r in rows]})


@router.get("/stations/{station_id}")
def get_station(conn: DB, station_id: int) -> Response:
    """One station as a GeoJSON Feature; ``outside_grid`` flags one outside every grid."""
    return _geojson(_feature(station_sql.get_station(conn, station_id=station_id)))


@router.post("/stations", status_code=201)
def create_station(request: Request, body: StationBody) -> Response:
    """Add a station (a known ``source_id`` updates that one)."""
    station = parse_station(body.model_dump(), _access(request).catalogue, crs=body.crs)
    with db_engine.transaction(request.app.state.engine) as conn:
        [(station_id, created)] = station_sql.upsert_stations(conn, stations=[station])
        row = station_sql.get_station(conn, station_id=station_id)
    return _geojson(_feature(row), status_code=201 if created else 200)


@router.put("/stations/{station_id}")
def replace_station(request: Request, station_id: int, body: StationBody) -> Response:
    """Replace a station's fields; moving it drops its cached isochrones."""
    station = parse_station(body.model_dump(), _access(request).catalogue, crs=body.crs)
    with db_engine.transaction(request.app.state.engine) as conn:
        station_sql.replace_station(conn, station_id=station_id, station=station)
        row = station_sql.get_station(conn, station_id=station_id)
    return _geojson(_feature(row))


@router.delete("/stations/{station_id}", status_code=204)
def delete_station(request: Request, station_id: int) -> Response:
    """Delete a station."""
    with db_engine.transaction(request.app.state.engine) as conn:
        station_sql.delete_station(conn, station_id=station_id)
    return Response(status_code=204)


@router.post("/stations/import")
async def import_file(request: Request, crs: str = "wgs84") -> dict[str, Any]:
    """Import a GeoJSON FeatureCollection of Points or a CSV (lon, lat, type, name): all or none."""
    kind = "csv" if "csv" in request.headers.get("content-type", "") else "geojson"
    stations = read_stations(
        await request.body(), kind=kind, catalogue=_access(request).catalogue, crs=crs
    )
    with db_engine.transaction(request.app.state.engine) as conn:
        return import_stations(conn, stations)


@router.get("/stations/{station_id}/circles")
def station_circles(request: Request, conn: DB, station_id: int) -> Response:
    """The station's service circles, one per tier (radius in metres)."""
    row = station_sql.get_station(conn, station_id=station_id)
    tiers = _access(request).catalogue.find(row["type"]).tiers
    drawn = circles([[row["lon"], row["lat"]]], [t.radius_m for t in tiers])[0]
    features = [
        {
            "type": "Feature",
            "geometry": mapping(g),
            "properties": {"station_id": station_id, "minutes": t.minutes, "radius_m": t.radius_m},
        }
        for t, g in zip(tiers, drawn, strict=True)
    ]
    return _geojson({"type": "FeatureCollection", "features": features})


@router.get("/stations/{station_id}/isochrones")
def station_reach(request: Request, station_id: int, speed: float | None = None) -> Response:
    """The station's walking isochrones, one per tier (cached per network version)."""
    access = _access(request)
    with db_engine.transaction(request.app.state.engine) as conn:
        row = station_sql.get_station(conn, station_id=station_id)
        minutes = [t.minutes for t in access.catalogue.find(row["type"]).tiers]
        network = access.networks.get(conn)
        reach = station_isochrones(
            conn, network, [row], minutes=minutes, settings=access.settings, speed_kmh=speed
        )
    if reach.unsnapped:
        raise Unsnappable(f"station {station_id} {row['name']}: {reach.unsnapped[0]['detail']}")
    features = [
        {
            "type": "Feature",
            "geometry": mapping(reach.polygons[(station_id, m)]),
            "properties": {
                "station_id": station_id,
                "minutes": m,
                "network_version": network.version,
            },
        }
        for m in minutes
    ]
    return _geojson({"type": "FeatureCollection", "features": features})


@router.get("/isochrone")
def isochrone(
    request: Request,
    conn: DB,
    lon: Annotated[float, Query()],
    lat: Annotated[float, Query()],
    minutes: float = 15.0,
    crs: str = "wgs84",
    speed: float | None = None,
) -> Response:
    """The walking isochrone of any point (``crs`` as in /lookup) on the current network."""
    access = _access(request)
    walk_metres(minutes, access.settings.walk_speed_kmh if speed is None else speed)
    x, y = to_wgs84(lon, lat, crs)
    network = access.networks.get(conn)
    polygon = point_isochrone(
        network, x, y, minutes=minutes, settings=access.settings, speed_kmh=speed
    )
    properties = {"lon": x, "lat": y, "minutes": minutes, "network_version": network.version}
    return _geojson({"type": "Feature", "geometry": mapping(polygon), "properties": properties})


@router.get("/coverage")
def coverage(request: Request, type: str, mode: str = "network") -> Response:
    """Households and area within 15 minutes of a station type, per grid and community."""
    access = _access(request)
    with db_engine.transaction(request.app.state.engine) as conn:
        network = access.networks.get(conn) if mode == "network" else None
        report = coverage_report(
            conn,
            station_type=type,
            mode=mode,
            catalogue=access.catalogue,
            settings=access.settings,
            network=network,
        )
    return _geojson(report)


@router.get("/stations/suggest/{station_type}")
def suggest(
    request: Request, conn: DB, station_type: str, k: int = 3, candidates: str = "nodes"
) -> dict[str, Any]:
    """Greedy maximal-covering sites for a station type, existing ones kept fixed."""
    access = _access(request)
    network = access.networks.get(conn)
    return suggest_sites(
        conn,
        network,
        station_type=station_type,
        k=k,
        catalogue=access.catalogue,
        settings=access.settings,
        candidates=candidates,
    )
