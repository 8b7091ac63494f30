"""Cut lines for street blocks too large to be one grid.

Where OpenStreetMap has no street to split a large compound or campus, the sample draws
straight cut lines across the block, perpendicular to its longer side: at household quantiles
when the block holds more than ``MAX_GRID_HOUSEHOLDS`` households, else at area quantiles when
it covers more than ``MAX_GRID_AREA_M2``. The lines are added to the street linework before
the one noding step, so neighbouring grids still share identical edges.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

MAX_GRID_HOUSEHOLDS = 500
MAX_GRID_AREA_M2 = 100_000.0
LATTICE_M = 10.0
"""Spacing of the sample points that measure area along a block."""
OVERSHOOT_M = 0.5
"""Cut lines reach this far past the block edge so noding meets the street; the stubs beyond
it are dangles that cut nothing."""


def pieces(households: int, area: float) -> int:
    """Number of grids a block should become.

    Examples
    --------
    >>> pieces(1496, 30_000), pieces(200, 250_000), pieces(0, 5_000)
    (3, 3, 1)
    """
    by_households = math.ceil(households / MAX_GRID_HOUSEHOLDS)
    by_area = math.ceil(area / MAX_GRID_AREA_M2)
    return max(1, by_households if households > MAX_GRID_HOUSEHOLDS else by_area)


def cut_lines(
    blocks: npt.ArrayLike, households: npt.ArrayLike, buildings: gpd.GeoDataFrame
) -> npt.NDArray[np.object_]:
    """Lines that split each oversized block into about equal parts.

    Parameters
    ----------
    blocks : array_like of shapely.Polygon
        Street blocks, metric CRS.
    households : array_like of int
        Households per block.
    buildings : geopandas.GeoDataFrame
        Residential buildings with ``households``, same CRS.

    Returns
    -------
    numpy.ndarray of shapely.LineString
        Cut lines clipped to their block plus ``OVERSHOOT_M`` (possibly empty).
    """
    blocks = np.asarray(blocks, dtype=object)
    counts = np.asarray(households, dtype=int)
    centroids = shapely.centroid(buildings.geometry.to_numpy())
    found, block_of = shapely.STRtree(blocks).query(centroids, predicate="intersects")
    weights = buildings["households"].to_numpy(dtype=float)
    lines: list[shapely.Geometry] = []
    for position, block in enumerate(blocks):
        parts = pieces(int(counts[position]), block.area)
        if parts < 2:
            continue
        if counts[position] > MAX_GRID_HOUSEHOLDS:
            mine = found[block_of == position]
            lines.extend(_cuts(block, centroids[mine], weights[mine], parts))
        else:
            points = _lattice(block)
            lines.extend(_cuts(block, points, np.ones(len(points)), parts))
    return np.asarray(lines, dtype=object)


def _lattice(block: shapely.Polygon) -> npt.NDArray[np.object_]:
    xmin, ymin, xmax, ymax = block.bounds
    xs, ys = np.meshgrid(np.arange(xmin, xmax, LATTICE_M), np.arange(ymin, ymax, LATTICE_M))
    inside = shapely.contains_xy(block, xs.ravel(), ys.ravel())
    return shapely.points(xs.ravel()[inside], ys.ravel()[inside])


def _cuts(
    block: shapely.Polygon, points: npt.ArrayLike, mass: npt.NDArray[np.float64], parts: int
) -> list[shapely.Geometry]:
    """Cut across the longer side of the block's bounding box at mass quantiles."""
    xmin, ymin, xmax, ymax = block.bounds
    along_y = (ymax - ymin) >= (xmax - xmin)
    coords = shapely.get_y(points) if along_y else shapely.get_x(points)
    cuts = []
    for value in weighted_quantiles(coords, mass, parts):
        if along_y:
            line = shapely.LineString([(xmin - 1, value), (xmax + 1, value)])
        else:
            line = shapely.LineString([(value, ymin - 1), (value, ymax + 1)])
        cuts.append(shapely.intersection(line, shapely.buffer(block, OVERSHOOT_M)))
    return cuts


def weighted_quantiles(values: npt.ArrayLike, weights: npt.ArrayLike, parts: int) -> list[float]:
    """Split points into ``parts`` groups of about equal weight; return the gaps between groups.

    Each cut lies midway between the last point of one group and the first of the next, so no
    point lies on a cut.

    Examples
    --------
    >>> weighted_quantiles([0, 10, 20, 30], [1, 1, 1, 1], 2)
    [15.0]
    >>> weighted_quantiles([5.0], [3.0], 2)
    []
    """
    order = np.argsort(values, kind="stable")
    ordered = np.asarray(values, dtype=float)[order]
    cumulative = np.cumsum(np.asarray(weights, dtype=float)[order])
    if len(ordered) < 2 or cumulative[-1] <= 0:
        return []
    targets = cumulative[-1] * np.arange(1, parts) / parts
    ends = np.unique(np.minimum(np.searchsorted(cumulative, targets), len(ordered) - 2))
    return [float((ordered[end] + ordered[end + 1]) / 2) for end in ends]
