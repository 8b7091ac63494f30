"""A zoo of broken coverages, drawn in metres (UTM 50N, origin at 116.35°E 40.0°N) and
converted to EPSG:4326, so that every true measure is known analytically."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely import MultiPolygon, Polygon, box

COMMUNITY = "110108010019"
CODES = [f"{COMMUNITY}{i:03d}" for i in range(1, 10)]

_FORWARD = pyproj.Transformer.from_crs(4326, 32650, always_xy=True)
_BACK = pyproj.Transformer.from_crs(32650, 4326, always_xy=True)
X0, Y0 = _FORWARD.transform(116.35, 40.0)


def lonlat(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """A geometry drawn in metres from the origin, in EPSG:4326."""
    if geom is None:
        return None

    def convert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(_BACK.transform(xy[:, 0] + X0, xy[:, 1] + Y0))

    return shapely.transform(geom, convert)


def metres(geom: shapely.Geometry) -> shapely.Geometry:
    """The inverse of `lonlat` (to compare finding geometries with the drawing)."""

    def convert(xy: np.ndarray) -> np.ndarray:
        x, y = _FORWARD.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(x) - X0, np.asarray(y) - Y0])

    return shapely.transform(geom, convert)


def areas(
    geoms: Sequence[shapely.Geometry | None],
    codes: Sequence[str | None] | None = None,
    households: Sequence[float | None] | None = None,
) -> gpd.GeoDataFrame:
    """Grids (metre drawings) as a GeoDataFrame in EPSG:4326; 400 households each by default."""
    n = len(geoms)
    return gpd.GeoDataFrame(
        {
            "code": list(codes) if codes is not None else CODES[:n],
            "name": [f"第{i + 1:02d}网格" for i in range(n)],
            "households": list(households) if households is not None else [400] * n,
        },
        geometry=[lonlat(g) for g in geoms],
        crs=4326,
    )


# The community: 200 m × 100 m, two grids of 100 m × 100 m.
PARENT_M = box(0, 0, 200, 100)
PARENT = lonlat(PARENT_M)
LEFT = box(0, 0, 100, 100)
RIGHT = box(100, 0, 200, 100)

OVERLAPPING = [LEFT, box(90, 0, 200, 100)]  # 10 m × 100 m = 1,000 m² overlap
GAPPED = [LEFT, box(110, 0, 200, 100)]  # 10 m wide gap of 1,000 m²
SLIVER_GAP = [LEFT, box(100.5, 0, 200, 100)]  # 0.5 m wide gap of 50 m²
HOLED = [LEFT.difference(box(40, 40, 60, 60)), RIGHT]  # 20 m × 20 m hole of 400 m²
LAKE_M = box(39, 39, 61, 61)
OUTSIDE = [LEFT, box(100, 0, 220, 100)]  # 20 m × 100 m = 2,000 m² outside the parent
MULTIPART = [  # grid 2 in two parts (5,000 m² and 2,000 m²) split by grid 3
    LEFT,
    MultiPolygon([box(100, 0, 200, 50), box(100, 80, 200, 100)]),
    box(100, 50, 200, 80),
]
ENCLOSED = [PARENT_M.difference(box(80, 30, 120, 70)), box(80, 30, 120, 70)]
BOW_TIE = Polygon([(100, 0), (200, 100), (200, 0), (100, 100)])  # crosses itself at (150, 50)
SLIVER_AREA = [box(0, 0, 200, 98), box(0, 98, 200, 100)]  # 200 m × 2 m
# Without a parent: an L-shaped outline (not a gap), a 1 m × 50 m notch in grid 2's top edge.
L_SHAPE = [LEFT, box(100, 0, 200, 50)]
NOTCHED = [LEFT, RIGHT.difference(box(150, 50, 151, 100))]
