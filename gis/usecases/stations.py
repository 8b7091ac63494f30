"""Stations of the 15-minute living circle, walking networks, and how far the stations reach.

Circles, walking isochrones (cached per network version), coverage per grid, new sites.

The walking network comes from `Runtime.networks` (rebuilt only when another one is made
current); isochrones are computed in one routing pass for every station that has none cached,
and cached in the same transaction as the question that needed them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.areas import Level
from gis.crs import STORAGE_CRS
from gis.db import areas as area_sql
from gis.db import stations as station_sql
from gis.db.engine import Connection
from gis.errors import InvalidInput, NotFound
from gis.identity.access import Acting
from gis.network import Unsnappable, WalkNetwork, network_from_osm, walk_metres
from gis.network.graph import StoredNetwork
from gis.stations import coverage as cover
from gis.stations.catalogue import StationType
from gis.stations.circles import circles
from gis.stations.coverage import CoverageReport
from gis.stations.demand import lattice_demand
from gis.stations.reach import (
    StationReach,
    Unsnapped,
    homes_reached,
    point_isochrone,
    station_isochrones,
)
from gis.stations.records import Station, StationIn
from gis.stations.suggest import Demand, Suggestion, suggest_sites
from gis.usecases.trail import audited
from gis.values import BBox, PointIn

if TYPE_CHECKING:
    from gis.usecases.runtime import Runtime


class NetworkCache:
    """The current stored walking network, rebuilt only when the current version changes."""

    def __init__(self) -> None:
        self._network: WalkNetwork | None = None
        self._lock = threading.Lock()

    def get(self, conn: Connection) -> WalkNetwork:
        """The current network (`NotFound` when none was loaded)."""
        row = station_sql.current_network(conn)
        if row is None:
            raise NotFound(
                "network: no walking network is loaded yet "
                "(an operator loads one from an OSM extract)"
            )
        with self._lock:
            if self._network is None or self._network.version != row.version:
                self._network = station_sql.load_network(conn, version=row.version)
            return self._network


def list_stations(
    rt: Runtime, *, station_type: str | None = None, bbox: BBox | None = None
) -> list[Station]:
    """Stations of a type (code, 中文 or English) within a bbox, by id."""
    code = rt.station_types.find(station_type).code if station_type else None
    with rt.read() as conn:
        return station_sql.list_stations(conn, station_type=code, bbox=bbox)


def get_station(rt: Runtime, station_id: int) -> Station:
    """One station (`NotFound` when there is none)."""
    with rt.read() as conn:
        return station_sql.get_station(conn, station_id=station_id)


def _in_scope(acting: Acting, station: Station) -> Station:
    """Refuse (403) a station outside the caller's areas; the station otherwise."""
    acting.act(station.grid_code, f"station {station.id} ({station.name})")
    return station


def save_station(rt: Runtime, station: StationIn, *, acting: Acting) -> tuple[Station, bool]:
    """Add a station (a known ``source_id`` updates that one); the station and whether it is new.

    The station (before and after) must lie within the caller's areas (`Forbidden`).
    """
    with audited(rt, acting.actor, "stations.save", None) as trail:
        conn = trail.conn
        if station.source_id is not None:
            for before in station_sql.list_stations(conn, source_ids=[station.source_id]):
                _in_scope(acting, before)
        [(station_id, created)] = station_sql.upsert_stations(conn, stations=[station])
        trail.target = f"station:{station_id}"
        trail.detail.update(created=created, type=station.type)
        return _in_scope(acting, station_sql.get_station(conn, station_id=station_id)), created


def replace_station(rt: Runtime, station_id: int, station: StationIn, *, acting: Acting) -> Station:
    """Overwrite a station's fields; moving it drops its cached isochrones.

    The station must lie within the caller's areas before and after (`Forbidden`).
    """
    with audited(rt, acting.actor, "stations.replace", f"station:{station_id}") as trail:
        conn = trail.conn
        _in_scope(acting, station_sql.get_station(conn, station_id=station_id))
        station_sql.replace_station(conn, station_id=station_id, station=station)
        return _in_scope(acting, station_sql.get_station(conn, station_id=station_id))


def delete_station(rt: Runtime, station_id: int, *, acting: Acting) -> None:
    """Delete a station (and its cached isochrones); one outside the caller's areas is 403."""
    with audited(rt, acting.actor, "stations.delete", f"station:{station_id}") as trail:
        found = station_sql.get_station(trail.conn, station_id=station_id)
        _in_scope(acting, found)
        trail.detail.update(type=found.type, name=found.name)
        station_sql.delete_station(trail.conn, station_id=station_id)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: stations created and updated, names outside every grid, the ids."""

    created: int
    updated: int
    outside_grid: list[str]
    ids: list[int]


def import_stations(rt: Runtime, stations: list[StationIn], *, acting: Acting) -> ImportSummary:
    """Upsert validated stations in one transaction (all or nothing).

    Every station must lie within the caller's areas (`Forbidden`, nothing written).
    """
    with audited(rt, acting.actor, "stations.import", None) as trail:
        summary = _import(trail.conn, stations)
        for station in station_sql.list_stations(trail.conn, ids=summary.ids):
            _in_scope(acting, station)
        trail.detail.update(created=summary.created, updated=summary.updated)
        return summary


def _import(conn: Connection, stations: list[StationIn]) -> ImportSummary:
    answers = station_sql.upsert_stations(conn, stations=stations)
    ids = [station_id for station_id, _ in answers]
    stored = station_sql.list_stations(conn, ids=ids)
    return ImportSummary(
        created=sum(created for _, created in answers),
        updated=sum(not created for _, created in answers),
        outside_grid=[s.name for s in stored if s.outside_grid],
        ids=ids,
    )


def load_network(
    rt: Runtime, path: Path, *, acting: Acting, name: str | None = None
) -> tuple[WalkNetwork, bool]:
    """Build the walking network of an OSM file (XML, PBF) and make it current (idempotent).

    Returns the network and whether it was new to the store.
    """
    network = network_from_osm(path, name=name)
    with audited(rt, acting.actor, "network.load", f"file:{path.name}") as trail:
        _, new = station_sql.save_network(trail.conn, network=network)
        trail.detail.update(version=network.version, new=new)
    return network, new


def current_network(rt: Runtime) -> StoredNetwork | None:
    """The current network's version, name, counts and load time (None when none is loaded)."""
    with rt.read() as conn:
        return station_sql.current_network(conn)


def network(rt: Runtime) -> WalkNetwork:
    """The current walking network (`NotFound` when none was loaded)."""
    with rt.read() as conn:
        return rt.networks.get(conn)


def circles_of(rt: Runtime, station_id: int) -> list[tuple[float, float, shapely.Geometry]]:
    """The station's service circles: (minutes, radius in metres, EPSG:4326 polygon) per tier."""
    station = get_station(rt, station_id)
    tiers = rt.station_types.find(station.type).tiers
    drawn = circles([[station.lon, station.lat]], [t.radius_m for t in tiers])[0]
    return [(t.minutes, t.radius_m, g) for t, g in zip(tiers, drawn, strict=True)]


def _reach(
    rt: Runtime,
    network: WalkNetwork,
    stations: list[Station],
    minutes: list[float],
    speed_kmh: float | None = None,
) -> StationReach:
    """Isochrones from the cache, the missing ones computed in one pass and cached.

    Computed outside any transaction (which would sit idle meanwhile), then written in one.
    """
    speed = rt.access.walk_speed_kmh if speed_kmh is None else speed_kmh
    version, buffer_m = network.version, rt.access.isochrone_buffer_m
    with rt.read() as conn:
        cached = station_sql.cached_isochrones(
            conn,
            station_ids=[s.id for s in stations],
            version=version,
            speed_kmh=speed,
            buffer_m=buffer_m,
        )
    todo = [s for s in stations if any((s.id, float(m)) not in cached for m in minutes)]
    computed = station_isochrones(
        network, todo, minutes=minutes, settings=rt.access, speed_kmh=speed
    )
    rows = [(sid, m, polygon) for (sid, m), polygon in computed.polygons.items()]
    with rt.write() as conn:
        station_sql.store_isochrones(
            conn, rows=rows, version=version, speed_kmh=speed, buffer_m=buffer_m
        )
    return StationReach({**cached, **computed.polygons}, computed.unsnapped)


def isochrones_of(
    rt: Runtime, station_id: int, *, speed_kmh: float | None = None
) -> tuple[list[tuple[float, shapely.Geometry]], str]:
    """The station's walking isochrones per tier, and the network version they were drawn on."""
    with rt.read() as conn:
        station = station_sql.get_station(conn, station_id=station_id)
        walk = rt.networks.get(conn)
    minutes = [t.minutes for t in rt.station_types.find(station.type).tiers]
    reach = _reach(rt, walk, [station], minutes, speed_kmh)
    if reach.unsnapped:
        raise Unsnappable(f"station {station_id} {station.name}: {reach.unsnapped[0].detail}")
    return [(m, reach.polygons[(station_id, m)]) for m in minutes], walk.version


def reach_of(rt: Runtime, found: list[Station], minutes: list[float]) -> StationReach:
    """The stations' walking isochrones for each of ``minutes`` (cached in the store)."""
    return _reach(rt, network(rt), found, minutes)


def cache_isochrones(rt: Runtime, *, station_type: str | None = None) -> tuple[StationReach, int]:
    """Compute and cache every station's isochrones for the tiers of the catalogue."""
    code = rt.station_types.find(station_type).code if station_type else None
    minutes = sorted({t.minutes for st in rt.station_types for t in st.tiers})
    with rt.read() as conn:
        stations = station_sql.list_stations(conn, station_type=code)
        walk = rt.networks.get(conn)
    reach = _reach(rt, walk, stations, minutes)
    return reach, len(stations)


def isochrone_of_point(
    rt: Runtime,
    point: PointIn,
    *,
    minutes: float,
    speed_kmh: float | None = None,
    osm: Path | None = None,
) -> tuple[shapely.Geometry, WalkNetwork]:
    """The walking isochrone of any point, on the current network (or an OSM file's)."""
    walk_metres(minutes, rt.access.walk_speed_kmh if speed_kmh is None else speed_kmh)
    walk = network_from_osm(osm) if osm else network(rt)
    polygon = point_isochrone(
        walk, point.lon, point.lat, minutes=minutes, settings=rt.access, speed_kmh=speed_kmh
    )
    return polygon, walk


def areas_for_coverage(conn: Connection) -> gpd.GeoDataFrame:
    """The current grids and communities (`InvalidInput` when no grid is loaded)."""
    grids = area_sql.find_areas(conn, level=Level.GRID)
    communities = area_sql.find_areas(conn, level=Level.COMMUNITY)
    if grids.empty:
        raise InvalidInput("coverage: no grids are loaded; load boundaries first")
    frame = pd.concat([grids, communities], ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)


def coverage(rt: Runtime, *, station_type: str, mode: str = "network") -> CoverageReport:
    """Households and area within the coverage minutes of a station type, per grid and community.

    Circle mode uses each station's circle for the tier; network mode its walking isochrone,
    and for households their walk (access leg + network). The isochrones computed on the way
    are cached.
    """
    found = rt.station_types.find(station_type)
    cover.parse_mode(mode)
    with rt.read() as conn:  # the isochrones computed on the way are cached in their own write
        walk = rt.networks.get(conn) if mode == "network" else None
        return _coverage(rt, conn, found, mode, walk)


def _coverage(
    rt: Runtime, conn: Connection, found: StationType, mode: str, walk: WalkNetwork | None
) -> CoverageReport:
    minutes = rt.access.coverage_minutes
    stations = station_sql.list_stations(conn, station_type=found.code)
    lonlat, households = station_sql.household_points(conn)
    unsnapped: list[Unsnapped] = []
    reach = shapely.Polygon()
    if walk is None:
        points = [(s.lon, s.lat) for s in stations]
        if stations:
            reach = shapely.union_all(circles(points, [cover.tier_radius(found, minutes)]).ravel())
        covered = cover.circle_homes_covered(lonlat, reach)
    else:
        result = _reach(rt, walk, stations, [minutes])
        if result.polygons:
            reach = shapely.union_all(list(result.polygons.values()))
        unsnapped = result.unsnapped
        limit = walk_metres(minutes, rt.access.walk_speed_kmh)
        covered = homes_reached(walk, stations, lonlat, limit, rt.access)
    homes = cover.Homes(lonlat, households, covered)
    table = cover.coverage_table(areas_for_coverage(conn), reach, homes)
    weights = "area" if homes.empty else "households"
    mode = "circle" if walk is None else "network"
    return CoverageReport(found, mode, minutes, len(stations), table, weights, unsnapped)


def suggest(rt: Runtime, *, station_type: str, k: int = 3, candidates: str = "nodes") -> Suggestion:
    """Greedy maximal-covering sites for a station type, existing ones kept fixed."""
    found = rt.station_types.find(station_type)
    with rt.read() as conn:
        walk = rt.networks.get(conn)
        existing = station_sql.list_stations(conn, station_type=found.code)
        lonlat, households = station_sql.household_points(conn)
        grids = areas_for_coverage(conn).query("level == 'grid'")
    if len(households) and households.sum() > 0:
        demand = Demand(lonlat, households, "households")
    else:
        demand = Demand(*lattice_demand(grids), "area")
    return suggest_sites(
        walk,
        station_type=found,
        k=k,
        demand=demand,
        existing=np.array([(s.lon, s.lat) for s in existing], dtype=float).reshape(-1, 2),
        grids=shapely.union_all(grids.geometry.values),
        settings=rt.access,
        candidates=candidates,
    )


def network_if_loaded(rt: Runtime) -> WalkNetwork | None:
    """The current network, or None when none is loaded (pages draw without isochrones)."""
    try:
        return network(rt)
    except NotFound:
        return None
