"""Stations' reach on the stored walking network: isochrones with their cache, one point's.

Glue between the store (`gis.db.stations`) and the pure algorithms (`gis.network`,
`gis.stations.circles`); callers pass a connection and commit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from gis.db import stations as station_sql
from gis.db.engine import Connection
from gis.errors import NotFound
from gis.network import WalkNetwork, isochrones, snap_points, walk_metres
from gis.stations.catalogue import StationCatalogue
from gis.stations.records import StationIn
from gis.stations.settings import AccessSettings


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
                "network: no walking network loaded; run `gridmap network load FILE.osm`"
            )
        with self._lock:
            if self._network is None or self._network.version != row["version"]:
                self._network = station_sql.load_network(conn, version=row["version"])
            return self._network


def point_isochrone(
    network: WalkNetwork,
    lon: float,
    lat: float,
    *,
    minutes: float,
    settings: AccessSettings,
    speed_kmh: float | None = None,
) -> shapely.Geometry:
    """The walking isochrone (EPSG:4326) of one point; `Unsnappable` when far from streets."""
    limit = walk_metres(minutes, settings.walk_speed_kmh if speed_kmh is None else speed_kmh)
    snapped = snap_points(
        network, [[lon, lat]], max_distance_m=settings.snap_max_m, labels=["point"]
    )
    [[iso]] = isochrones(network, snapped, [limit], buffer_m=settings.isochrone_buffer_m)
    return network.projection.to_lonlat([iso.polygon])[0]


@dataclass
class StationReach:
    """Isochrones by (station id, minutes), and the stations that could not be snapped."""

    polygons: dict[tuple[int, float], shapely.Geometry] = field(default_factory=dict)
    unsnapped: list[dict[str, Any]] = field(default_factory=list)


def station_isochrones(
    conn: Connection,
    network: WalkNetwork,
    stations: list[dict[str, Any]],
    *,
    minutes: list[float],
    settings: AccessSettings,
    speed_kmh: float | None = None,
) -> StationReach:
    """Isochrones of stations for each of ``minutes``, from the cache or computed and cached.

    Missing ones are computed in one routing pass. Stations farther than the snapping distance from
    every street are listed in ``unsnapped``, not failed.
    """
    speed = settings.walk_speed_kmh if speed_kmh is None else speed_kmh
    limits = [walk_metres(m, speed) for m in minutes]
    key: dict[str, Any] = {
        "version": network.version,
        "speed_kmh": speed,
        "buffer_m": settings.isochrone_buffer_m,
    }
    ids = [int(s["id"]) for s in stations]
    reach = StationReach(station_sql.cached_isochrones(conn, station_ids=ids, **key))
    todo = [
        s for s in stations if any((int(s["id"]), float(m)) not in reach.polygons for m in minutes)
    ]
    if not todo:
        return reach
    lonlat = np.array([(s["lon"], s["lat"]) for s in todo], dtype=float)
    snapped = snap_points(network, lonlat, max_distance_m=settings.snap_max_m, strict=False)
    reach.unsnapped = [
        _unsnapped(s, settings) for s, ok in zip(todo, snapped.ok, strict=True) if not ok
    ]
    done = [s for s, ok in zip(todo, snapped.ok, strict=True) if ok]
    computed = isochrones(
        network, snapped.take(snapped.ok), limits, buffer_m=settings.isochrone_buffer_m
    )
    rows = []
    for station, tiers in zip(done, computed, strict=True):
        metric = [iso.polygon for iso in tiers]
        lonlat = network.projection.to_lonlat(metric)
        polygons = [shapely.multipolygons(shapely.get_parts(g)) for g in lonlat]
        for m, polygon in zip(minutes, polygons, strict=True):
            reach.polygons[(int(station["id"]), float(m))] = polygon
            rows.append((int(station["id"]), float(m), polygon))
    station_sql.store_isochrones(conn, rows=rows, **key)
    return reach


def _unsnapped(station: dict[str, Any], settings: AccessSettings) -> dict[str, Any]:
    return {
        "id": station["id"],
        "name": station["name"],
        "detail": f"more than {settings.snap_max_m:g} m from every walkable street",
    }


def import_stations(conn: Connection, stations: list[StationIn]) -> dict[str, Any]:
    """Upsert validated stations; counts of created, updated and outside-grid ones, and ids."""
    answers = station_sql.upsert_stations(conn, stations=stations)
    ids = [station_id for station_id, _ in answers]
    stored = station_sql.list_stations(conn, ids=ids)
    return {
        "created": sum(created for _, created in answers),
        "updated": sum(not created for _, created in answers),
        "outside_grid": [s["name"] for s in stored if s["outside_grid"]],
        "ids": ids,
    }


class Access:
    """What station work shares: the settings, the type catalogue and the network cache.

    Built once per process at an entry point (``create_app``, a CLI command) and passed down.
    """

    def __init__(self, settings: AccessSettings | None = None) -> None:
        self.settings = settings or AccessSettings()
        self.catalogue = StationCatalogue.load(self.settings.station_types)
        self.networks = NetworkCache()
