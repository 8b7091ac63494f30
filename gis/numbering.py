"""Numbering grids the DB11/T 2157-2023 way: rows north→south, west→east within a row."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from gis.geometry import to_metric

ROW_HEIGHT_M = 150.0


def grid_order(x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.int_]:
    """Order grids north→south in rows, west→east within a row (DB11/T 2157-2023).

    Rows are formed greedily: the northernmost unplaced centroid starts a row, which takes
    every centroid less than ``ROW_HEIGHT_M`` south of it.

    Parameters
    ----------
    x, y : array_like of float
        Centroid coordinates in a metric CRS (y grows northwards).

    Returns
    -------
    numpy.ndarray of int
        Positions of the grids in numbering order.

    Examples
    --------
    >>> grid_order([0, 500, 250], [1000, 950, 0]).tolist()
    [0, 1, 2]
    >>> grid_order([], []).tolist()
    []
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rows = np.zeros(len(ys), dtype=int)
    top = np.inf
    for position in np.argsort(-ys, kind="stable"):
        if ys[position] <= top - ROW_HEIGHT_M:
            top = ys[position]
            rows[position] = rows.max() + 1
        else:
            rows[position] = rows.max()
    return np.lexsort((xs, rows)).astype(int)


def sequence_codes(parent_code: str, geoms: npt.ArrayLike) -> list[str]:
    """Codes ``parent_code + 001, 002, …`` for EPSG:4326 geometries, in `grid_order`.

    Returns one code per geometry, in the input order.

    Examples
    --------
    >>> from shapely import box
    >>> east, west = box(116.36, 40.0, 116.37, 40.01), box(116.34, 40.0, 116.35, 40.01)
    >>> sequence_codes("110108010019", [east, west])
    ['110108010019002', '110108010019001']
    """
    metric, _ = to_metric(geoms)
    centroids = shapely.centroid(metric)
    order = grid_order(shapely.get_x(centroids), shapely.get_y(centroids))
    codes = [""] * len(order)
    for rank, position in enumerate(order, start=1):
        codes[position] = f"{parent_code}{rank:03d}"
    return codes
