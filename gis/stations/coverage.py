"""Coverage of grids and communities: households and area within reach of a station type.

"Within reach" is a polygon in circle mode (the union of the stations' circles) and in
network mode (the union of their walking isochrones). Households are the ``addresses``
points with their household counts; a point counts as covered when it lies in the reach
polygon (circle mode) or when its walk — the straight access leg to the nearest street plus
the network distance — is within the limit (network mode; computed by the caller and given
as ``home_covered``). With no household points at all, every unit of area weighs the same:
the household share is the area share and the counts are the area's households pro rata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping

from gis.areas import Level
from gis.crs import STORAGE_CRS
from gis.errors import InvalidInput
from gis.network.project import Projection
from gis.stations.catalogue import StationType
from gis.stations.circles import projection_for
from gis.stations.reach import Unsnapped

MODES = ("circle", "network")
WEIGHTS_NOTE = (
    "no household points (addresses table empty): equal weight per unit area, "
    "so household shares equal area shares"
)


@dataclass(frozen=True)
class Homes:
    """Household points (EPSG:4326) with their counts and whether each is covered."""

    lonlat: npt.NDArray[np.float64]
    households: npt.NDArray[np.float64]
    covered: npt.NDArray[np.bool_]

    @property
    def empty(self) -> bool:
        """No household points, or none with a household."""
        return len(self.households) == 0 or float(self.households.sum()) <= 0


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def _home_counts(
    areas_m: npt.NDArray[np.object_], homes: Homes, projection: Projection
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Total and covered households per area (points on shared edges count once each side)."""
    points = shapely.points(np.column_stack(projection.forward(*homes.lonlat.T)))
    area_index, point_index = shapely.STRtree(points).query(areas_m, predicate="covers")
    weights = homes.households[point_index]
    total = np.bincount(area_index, weights, minlength=len(areas_m))
    covered = np.bincount(area_index, weights * homes.covered[point_index], len(areas_m))
    return total.astype(float), covered.astype(float)


def coverage_table(
    areas: gpd.GeoDataFrame, reach: shapely.Geometry, homes: Homes
) -> gpd.GeoDataFrame:
    """Per area: households and area covered, their shares, and the uncovered polygon.

    Parameters
    ----------
    areas
        EPSG:4326 areas with ``code``, ``name``, ``level``, ``households``.
    reach
        The reach polygon (EPSG:4326), possibly empty.
    homes
        Household points; when `Homes.empty`, area weighting is used (see the module notes).

    Returns
    -------
    GeoDataFrame
        ``code, name, level, households, covered_households, uncovered_households,
        household_share, area_m2, covered_area_m2, area_share`` and the uncovered part of
        each area as its geometry (EPSG:4326).
    """
    projection = projection_for(shapely.get_coordinates(areas.geometry.values))
    areas_m = projection.to_metric(areas.geometry.values)
    reach_m = projection.to_metric([reach])[0]
    inside = shapely.intersection(areas_m, reach_m)
    area = shapely.area(areas_m)
    covered_area = shapely.area(inside)
    if homes.empty:
        stated = areas["households"].fillna(0).to_numpy(float)
        total, covered = (
            stated,
            stated * np.divide(covered_area, area, where=area > 0, out=np.zeros_like(area)),
        )
    else:
        total, covered = _home_counts(areas_m, homes, projection)
    table = areas[["code", "name", "level"]].copy()
    table["households"] = np.round(total, 1)
    table["covered_households"] = np.round(covered, 1)
    table["uncovered_households"] = np.round(total - covered, 1)
    table["household_share"] = [_share(c, t) for c, t in zip(covered, total, strict=True)]
    table["area_m2"] = np.round(area, 1)
    table["covered_area_m2"] = np.round(covered_area, 1)
    table["area_share"] = [_share(c, t) for c, t in zip(covered_area, area, strict=True)]
    uncovered = projection.to_lonlat(shapely.difference(areas_m, reach_m))
    return gpd.GeoDataFrame(table, geometry=list(uncovered), crs=STORAGE_CRS)


def circle_homes_covered(
    homes_lonlat: npt.ArrayLike, reach: shapely.Geometry
) -> npt.NDArray[np.bool_]:
    """Which points lie in the reach polygon (both EPSG:4326)."""
    coords = np.asarray(homes_lonlat, dtype=float).reshape(-1, 2)
    if len(coords) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(shapely.covers(reach, shapely.points(coords)), dtype=bool)


def parse_mode(mode: str) -> str:
    """``circle`` or ``network``, else `InvalidInput`."""
    if mode not in MODES:
        raise InvalidInput(f"mode: {mode!r} must be circle or network")
    return mode


def tier_radius(station_type: StationType, minutes: float) -> float:
    """The circle radius of the type's tier with these minutes (`InvalidInput` when none)."""
    for tier in station_type.tiers:
        if tier.minutes == minutes:
            return tier.radius_m
    listed = ", ".join(f"{t.minutes:g}" for t in station_type.tiers)
    raise InvalidInput(
        f"minutes: {station_type.code} has no {minutes:g}-minute tier; tiers: {listed}"
    )


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of every grid and community by one station type (see `coverage_table`).

    ``table`` has one row per area, its geometry the uncovered part; ``summary`` is over the
    grids; ``weights`` is ``households`` or, with no household points, ``area``.
    """

    station_type: StationType
    mode: str
    minutes: float
    stations: int
    table: gpd.GeoDataFrame
    weights: str
    unsnapped: list[Unsnapped] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, float | None]:
        """Households and area covered over the grids, and their shares."""
        grids = self.table[self.table["level"] == Level.GRID.value]
        total, covered = float(grids["households"].sum()), float(grids["covered_households"].sum())
        area, covered_area = float(grids["area_m2"].sum()), float(grids["covered_area_m2"].sum())
        return {
            "households": round(total, 1),
            "covered_households": round(covered, 1),
            "uncovered_households": round(total - covered, 1),
            "household_share": round(covered / total, 4) if total else None,
            "area_share": round(covered_area / area, 4) if area else None,
        }

    def grid_shares(self) -> dict[str, float | None]:
        """Per grid code: the share of its households covered."""
        grids = self.table[self.table["level"] == Level.GRID.value]
        return dict(zip(grids["code"], grids["household_share"], strict=True))

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection (one feature per area, the uncovered part) with the report."""
        records = self.table.drop(columns="geometry").astype(object)
        records = records.where(records.notna(), None)
        features = [
            {"type": "Feature", "id": row["code"], "geometry": mapping(geometry), "properties": row}
            for row, geometry in zip(records.to_dict("records"), self.table.geometry, strict=True)
        ]
        kind = self.station_type
        by_area = self.weights == "area"
        return {
            "type": "FeatureCollection",
            "station_type": {"code": kind.code, "zh": kind.zh, "en": kind.en},
            "mode": self.mode,
            "minutes": self.minutes,
            "stations": self.stations,
            "unsnapped": [asdict(u) for u in self.unsnapped],
            "weights": self.weights,
            "note": WEIGHTS_NOTE if by_area else "households from the standard addresses",
            "summary": self.summary,
            "features": features,
        }
