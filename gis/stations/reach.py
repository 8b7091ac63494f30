"""Where one can walk from stations (or any point) on a walking network: isochrones, homes reached.

Pure: a `WalkNetwork` and the access settings in, EPSG:4326 polygons and arrays out. Caching
the stations' isochrones in the store is the use case's part (`gis.usecases.stations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from gis.network import WalkNetwork, isochrones, snap_points, walk_metres
from gis.network.reach import walk_distances
from gis.stations.records import Station
from gis.stations.settings import AccessSettings


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


@dataclass(frozen=True)
class Unsnapped:
    """A station too far from every walkable street to route from."""

    id: int
    name: str
    detail: str


@dataclass
class StationReach:
    """Isochrones by (station id, minutes), and the stations that could not be snapped."""

    polygons: dict[tuple[int, float], shapely.Geometry] = field(default_factory=dict)
    unsnapped: list[Unsnapped] = field(default_factory=list)


def station_isochrones(
    network: WalkNetwork,
    stations: list[Station],
    *,
    minutes: list[float],
    settings: AccessSettings,
    speed_kmh: float,
) -> StationReach:
    """Isochrones (EPSG:4326 MultiPolygons) of stations for each of ``minutes``, in one pass.

    Stations farther than the snapping distance from every street are listed in ``unsnapped``,
    not failed.
    """
    reach = StationReach()
    if not stations:
        return reach
    lonlat = np.array([(s.lon, s.lat) for s in stations], dtype=float)
    snapped = snap_points(network, lonlat, max_distance_m=settings.snap_max_m, strict=False)
    detail = f"more than {settings.snap_max_m:g} m from every walkable street"
    reach.unsnapped = [
        Unsnapped(s.id, s.name, detail)
        for s, ok in zip(stations, snapped.ok, strict=True)
        if not ok
    ]
    done = [s for s, ok in zip(stations, snapped.ok, strict=True) if ok]
    limits = [walk_metres(m, speed_kmh) for m in minutes]
    computed = isochrones(
        network, snapped.take(snapped.ok), limits, buffer_m=settings.isochrone_buffer_m
    )
    for station, tiers in zip(done, computed, strict=True):
        lonlat_polygons = network.projection.to_lonlat([iso.polygon for iso in tiers])
        for m, polygon in zip(minutes, lonlat_polygons, strict=True):
            reach.polygons[(station.id, float(m))] = shapely.multipolygons(
                shapely.get_parts(polygon)
            )
    return reach


def homes_reached(
    network: WalkNetwork | None,
    stations: list[Station],
    lonlat: npt.NDArray[np.float64],
    limit_m: float,
    settings: AccessSettings,
) -> npt.NDArray[np.bool_]:
    """Which homes (EPSG:4326 points) some station reaches within ``limit_m`` of walking.

    A walk is the home's access leg to its nearest street plus the network distance.
    """
    if network is None or not stations or len(lonlat) == 0:
        return np.zeros(len(lonlat), dtype=bool)
    sources = snap_points(
        network,
        [(s.lon, s.lat) for s in stations],
        max_distance_m=settings.snap_max_m,
        strict=False,
    )
    homes = snap_points(network, lonlat, max_distance_m=settings.snap_max_m, strict=False)
    covered = np.zeros(len(lonlat), dtype=bool)
    if sources.ok.any() and homes.ok.any():
        walks = walk_distances(network, sources.take(sources.ok), homes.take(homes.ok), limit_m)
        covered[homes.ok] = (walks <= limit_m).any(axis=0)
    return covered
