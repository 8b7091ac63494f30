"""Demand points for coverage and siting: household addresses, or an even lattice over areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from gis.stations.circles import projection_for

FloatArray = npt.NDArray[np.float64]


def lattice_demand(
    areas: gpd.GeoDataFrame, spacing_m: float = 50.0
) -> tuple[FloatArray, FloatArray]:
    """Points every ``spacing_m`` metres inside the areas, each weighing its area's share.

    A point in an area of ``h`` households with ``p`` lattice points weighs ``h / p`` (an
    equal weight per unit area); areas without households weigh one per point.
    Returns ``(n, 2)`` lon/lat and ``(n,)`` weights.

    Examples
    --------
    >>> frame = gpd.GeoDataFrame(
    ...     {"households": [100]}, geometry=[shapely.box(116.35, 40.0, 116.351, 40.001)]
    ... )
    >>> points, weights = lattice_demand(frame, 25.0)
    >>> len(points), round(float(weights.sum()))
    (12, 100)
    """
    projection = projection_for(shapely.get_coordinates(areas.geometry.values))
    metric = projection.to_metric(areas.geometry.values)
    points, weights = [], []
    for polygon, households in zip(metric, areas["households"].fillna(0), strict=True):
        west, south, east, north = polygon.bounds
        xs = np.arange(west + spacing_m / 2, east, spacing_m)
        ys = np.arange(south + spacing_m / 2, north, spacing_m)
        grid = np.array(np.meshgrid(xs, ys)).reshape(2, -1).T
        inside = grid[shapely.contains_xy(polygon, grid[:, 0], grid[:, 1])]
        if len(inside) == 0:
            continue
        points.append(inside)
        weight = float(households) / len(inside) if households else 1.0
        weights.append(np.full(len(inside), weight))
    if not points:
        return np.zeros((0, 2)), np.zeros(0)
    xy = np.vstack(points)
    return np.column_stack(projection.inverse(xy[:, 0], xy[:, 1])), np.concatenate(weights)
