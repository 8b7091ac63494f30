"""A zoo of named test geometries and a tiny area hierarchy around 学院路 (EPSG:4326)."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
from shapely import LineString, MultiPolygon, Point, Polygon, box

# ~100 m in degrees here
D = 0.001

VALID = box(116.340, 39.990, 116.350, 40.000)
WITH_HOLE = Polygon(VALID.exterior.coords, [box(116.344, 39.994, 116.346, 39.996).exterior.coords])
MULTIPART = MultiPolygon(
    [box(116.340, 39.990, 116.342, 39.992), box(116.346, 39.996, 116.348, 39.998)]
)
EMPTY = Polygon()
BOW_TIE = Polygon([(116.340, 39.990), (116.350, 40.000), (116.350, 39.990), (116.340, 40.000)])
SLIVER = box(116.340, 39.990, 116.350, 39.990001)
LINE = LineString([(116.34, 39.99), (116.35, 40.0)])
POINT = Point(116.345, 39.995)

DISTRICT = box(116.30, 39.95, 116.40, 40.05)
SUBDISTRICT = box(116.33, 39.98, 116.37, 40.02)
COMMUNITY = box(116.34, 39.99, 116.36, 40.01)
GRIDS = [box(116.34, 39.99, 116.35, 40.01), box(116.35, 39.99, 116.36, 40.01)]

HIERARCHY = {
    "district": [("110108", "海淀区", DISTRICT)],
    "subdistrict": [("110108010", "学院路街道", SUBDISTRICT)],
    "community": [("110108010019", "中国农业大学东校区社区居委会", COMMUNITY)],
    "grid": [("110108010019001", "第01网格", GRIDS[0]), ("110108010019002", "第02网格", GRIDS[1])],
}


def frame(
    rows: list[tuple[str, str, object]],
    crs: str | None = "EPSG:4326",
    code: str = "code",
    name: str = "name",
    households: list[int] | None = None,
) -> gpd.GeoDataFrame:
    data: dict[str, object] = {code: [r[0] for r in rows], name: [r[1] for r in rows]}
    if households is not None:
        data["households"] = households
    return gpd.GeoDataFrame(data, geometry=[r[2] for r in rows], crs=crs)


def write(gdf: gpd.GeoDataFrame, path: Path, driver: str | None = None) -> Path:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def hierarchy_files(folder: Path) -> dict[str, Path]:
    """The HIERARCHY as one GeoJSON file per level."""
    return {
        level: write(frame(rows), folder / f"{level}.geojson") for level, rows in HIERARCHY.items()
    }
