"""Coverage reports and siting suggestions for one station type, on the stored data.

Circle mode uses each station's circle for the tier (e.g. 15 min → 1,000 m); network mode its
walking isochrone, and for households their walk (access leg + network) — see
`gis.stations.coverage`. Siting counts a demand point covered by a site on the same terms.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from gis.areas import Level
from gis.db import areas as area_sql
from gis.db import stations as station_sql
from gis.db.engine import Connection
from gis.errors import InvalidInput
from gis.network import WalkNetwork, snap_points, walk_metres
from gis.network.reach import walk_distances
from gis.stations.catalogue import StationCatalogue, StationType
from gis.stations.circles import circles
from gis.stations.coverage import WEIGHTS_NOTE, Homes, circle_homes_covered, coverage_table
from gis.stations.service import station_isochrones
from gis.stations.settings import AccessSettings

MODES = ("circle", "network")


def tier_radius(station_type: StationType, minutes: float) -> float:
    """The circle radius of the type's tier with these minutes (`InvalidInput` when none)."""
    for tier in station_type.tiers:
        if tier.minutes == minutes:
            return tier.radius_m
    listed = ", ".join(f"{t.minutes:g}" for t in station_type.tiers)
    raise InvalidInput(
        f"minutes: {station_type.code} has no {minutes:g}-minute tier; tiers: {listed}"
    )


def areas_for_coverage(conn: Connection) -> gpd.GeoDataFrame:
    """The current grids and communities (`InvalidInput` when no grid is loaded)."""
    grids = area_sql.find_areas(conn, level=Level.GRID)
    communities = area_sql.find_areas(conn, level=Level.COMMUNITY)
    if grids.empty:
        raise InvalidInput("coverage: no grids are loaded; load boundaries first")
    frame = pd.concat([grids, communities], ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _homes_covered(
    network: WalkNetwork | None,
    stations: list[dict[str, Any]],
    lonlat: np.ndarray,
    limit_m: float,
    settings: AccessSettings,
) -> np.ndarray:
    if network is None or not stations or len(lonlat) == 0:
        return np.zeros(len(lonlat), dtype=bool)
    sources = snap_points(
        network,
        [(s["lon"], s["lat"]) for s in stations],
        max_distance_m=settings.snap_max_m,
        strict=False,
    )
    homes = snap_points(network, lonlat, max_distance_m=settings.snap_max_m, strict=False)
    covered = np.zeros(len(lonlat), dtype=bool)
    if sources.ok.any() and homes.ok.any():
        walks = walk_distances(network, sources.take(sources.ok), homes.take(homes.ok), limit_m)
        covered[homes.ok] = (walks <= limit_m).any(axis=0)
    return covered


def coverage_report(
    conn: Connection,
    *,
    station_type: str,
    mode: str,
    catalogue: StationCatalogue,
    settings: AccessSettings,
    network: WalkNetwork | None = None,
) -> dict[str, Any]:
    """Coverage of every grid and community by one station type.

    A GeoJSON FeatureCollection: one feature per area whose geometry is the uncovered part,
    with the shares as properties; foreign members give the mode, weights and a summary over
    the grids.
    """
    found = catalogue.find(station_type)
    if mode not in MODES:
        raise InvalidInput(f"mode: {mode!r} must be circle or network")
    minutes = settings.coverage_minutes
    stations = station_sql.list_stations(conn, station_type=found.code)
    lonlat, households = station_sql.household_points(conn)
    unsnapped: list[dict[str, Any]] = []
    if mode == "circle":
        radius = tier_radius(found, minutes)
        points = [(s["lon"], s["lat"]) for s in stations]
        reach = (
            shapely.union_all(circles(points, [radius]).ravel()) if stations else shapely.Polygon()
        )
        covered = circle_homes_covered(lonlat, reach)
    else:
        if network is None:
            raise InvalidInput("mode: network needs a loaded walking network")
        result = station_isochrones(conn, network, stations, minutes=[minutes], settings=settings)
        reach = (
            shapely.union_all(list(result.polygons.values()))
            if result.polygons
            else shapely.Polygon()
        )
        unsnapped = result.unsnapped
        covered = _homes_covered(
            network, stations, lonlat, walk_metres(minutes, settings.walk_speed_kmh), settings
        )
    table = coverage_table(areas_for_coverage(conn), reach, Homes(lonlat, households, covered))
    return _report(
        table, found, mode, minutes, stations, unsnapped, Homes(lonlat, households, covered).empty
    )


def _summary(table: gpd.GeoDataFrame) -> dict[str, Any]:
    grids = table[table["level"] == Level.GRID.value]
    total, covered = float(grids["households"].sum()), float(grids["covered_households"].sum())
    area, covered_area = float(grids["area_m2"].sum()), float(grids["covered_area_m2"].sum())
    return {
        "households": round(total, 1),
        "covered_households": round(covered, 1),
        "uncovered_households": round(total - covered, 1),
        "household_share": round(covered / total, 4) if total else None,
        "area_share": round(covered_area / area, 4) if area else None,
    }


def _report(
    table: gpd.GeoDataFrame,
    found: StationType,
    mode: str,
    minutes: float,
    stations: list[dict[str, Any]],
    unsnapped: list[dict[str, Any]],
    by_area: bool,
) -> dict[str, Any]:
    records = table.drop(columns="geometry").astype(object)
    records = records.where(records.notna(), None)
    features = [
        {"type": "Feature", "id": row["code"], "geometry": mapping(geometry), "properties": row}
        for row, geometry in zip(records.to_dict("records"), table.geometry, strict=True)
    ]
    return {
        "type": "FeatureCollection",
        "station_type": {"code": found.code, "zh": found.zh, "en": found.en},
        "mode": mode,
        "minutes": minutes,
        "stations": len(stations),
        "unsnapped": unsnapped,
        "weights": "area" if by_area else "households",
        "note": WEIGHTS_NOTE if by_area else "households from the standard addresses",
        "summary": _summary(table),
        "features": features,
    }
