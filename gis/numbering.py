"""Numbering grids the DB11/T 2157-2023 way: rows north→south, west→east within a row.

Incidents, statistics and people are tied to grid codes, so a redraw keeps the codes of the
grids it continues (`kept_codes`) and numbers only the new ones; `sequence_codes` renumbers
everything, which a planner asks for explicitly.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from gis.errors import InvalidInput
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


def _centroids(geoms: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Metric centroid coordinates; NaN for an empty geometry (numbered last)."""
    metric, _ = to_metric(geoms)
    centroids = shapely.centroid(metric)
    x, y = np.full(len(centroids), np.nan), np.full(len(centroids), np.nan)
    placed = ~shapely.is_empty(centroids)
    x[placed], y[placed] = shapely.get_x(centroids[placed]), shapely.get_y(centroids[placed])
    return x, y


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
    order = grid_order(*_centroids(geoms))
    codes = [""] * len(order)
    for rank, position in enumerate(order, start=1):
        codes[position] = f"{parent_code}{rank:03d}"
    return codes


CONTINUES = 0.5
"""A plan area continues a grid when they share at least this part of the smaller of the two."""


def sequence_number(code: str, parent_code: str) -> int | None:
    """The 3-digit sequence number of a grid code under ``parent_code`` (None if not one).

    Examples
    --------
    >>> sequence_number("110108010019012", "110108010019"), sequence_number("x", "110108010019")
    (12, None)
    """
    rest = code[len(parent_code) :] if code.startswith(parent_code) else ""
    return int(rest) if len(rest) == 3 and rest.isascii() and rest.isdigit() else None


def _continuations(
    proposed: npt.NDArray[np.object_], current: npt.NDArray[np.object_]
) -> list[tuple[float, int, int]]:
    """(overlap m², proposed row, current row) of every pair where one continues the other."""
    if not len(proposed) or not len(current):
        return []
    rows, cols = shapely.STRtree(current).query(proposed, predicate="intersects")
    metric, _ = to_metric(
        np.concatenate([proposed, current, shapely.intersection(proposed[rows], current[cols])])
    )
    sizes = shapely.area(metric)
    own, theirs = sizes[: len(proposed)], sizes[len(proposed) : len(proposed) + len(current)]
    shared = sizes[len(proposed) + len(current) :]
    smaller = np.minimum(own[rows], theirs[cols])
    keep = (shared > 0) & (shared >= CONTINUES * smaller)
    found = zip(shared[keep].tolist(), rows[keep].tolist(), cols[keep].tolist(), strict=True)
    return sorted(found, key=lambda pair: (-pair[0], pair[1], pair[2]))  # most shared first


def kept_codes(
    proposed: gpd.GeoDataFrame,
    current: gpd.GeoDataFrame,
    *,
    parent_code: str,
    used: set[str],
) -> list[str]:
    """Codes for a plan's grids that keep the codes of the grids they continue.

    A plan grid continues a current grid when they share at least `CONTINUES` of the smaller
    one. It keeps its own code when it continues the current grid of that code; otherwise it
    takes the code of the current grid it shares most with, when no other plan grid keeps it
    (a redraw that renumbered). The rest are new grids: they take the sequence numbers after
    the highest ever used in the community (``used``: current and retired codes, so a retired
    code is never given to other land), in DB11/T order.

    Parameters
    ----------
    proposed, current
        Columns ``code`` and a geometry in EPSG:4326 (valid; a missing one continues nothing).
    parent_code
        The community's code.
    used
        Every code the community's grids have had.

    Returns
    -------
    list of str
        One code per proposed grid, in its order.

    Examples
    --------
    >>> from shapely import box
    >>> now = gpd.GeoDataFrame({"code": ["110108010019001", "110108010019002"]},
    ...     geometry=[box(116.34, 40, 116.35, 40.01), box(116.35, 40, 116.36, 40.01)])
    >>> plan = gpd.GeoDataFrame({"code": ["110108010019002", "110108010019001", "x"]},
    ...     geometry=[box(116.34, 40, 116.35, 40.01), box(116.35, 40, 116.355, 40.01),
    ...               box(116.355, 40, 116.36, 40.01)])
    >>> kept_codes(plan, now, parent_code="110108010019", used={"110108010019003"})
    ['110108010019001', '110108010019002', '110108010019004']
    """
    new = np.array([g if g is not None else shapely.Polygon() for g in proposed.geometry])
    return _number_the_rest(continued_codes(proposed, current), new, parent_code, used)


def continued_codes(proposed: gpd.GeoDataFrame, current: gpd.GeoDataFrame) -> list[str | None]:
    """The code of the current area each proposed area continues (None for a new area).

    Pairs that keep their own code are matched first, then the others by the most ground
    shared; each current area is continued by one proposed area at most (see `kept_codes`).

    Examples
    --------
    >>> from shapely import box
    >>> now = gpd.GeoDataFrame({"code": ["a", "b"]},
    ...     geometry=[box(116.34, 40, 116.35, 40.01), box(116.35, 40, 116.36, 40.01)])
    >>> swapped = gpd.GeoDataFrame({"code": ["b", "a", "c"]}, geometry=[box(116.34, 40, 116.35,
    ...     40.01), box(116.35, 40, 116.356, 40.01), box(116.356, 40, 116.36, 40.01)])
    >>> continued_codes(swapped, now)
    ['a', 'b', None]
    """
    new = np.array([g if g is not None else shapely.Polygon() for g in proposed.geometry])
    old = np.array([g if g is not None else shapely.Polygon() for g in current.geometry])
    wanted, existing = list(proposed["code"].astype(str)), list(current["code"].astype(str))
    codes: list[str | None] = [None] * len(wanted)
    pairs = _continuations(new, old)
    claimed: set[int] = set()
    for same_code_only in (True, False):  # first the grids that keep their own code
        for _, row, col in pairs:
            if same_code_only and wanted[row] != existing[col]:
                continue
            if codes[row] is None and col not in claimed:
                codes[row] = existing[col]
                claimed.add(col)
    return codes


def _number_the_rest(
    codes: list[str | None], geoms: npt.NDArray[np.object_], parent_code: str, used: set[str]
) -> list[str]:
    """Give the grids without a code the numbers after every number used or kept, in order."""
    rest = [i for i, code in enumerate(codes) if code is None]
    taken = [sequence_number(c, parent_code) for c in [*used, *(c for c in codes if c)]]
    first = max((n for n in taken if n is not None), default=0) + 1
    if first + len(rest) - 1 > 999:
        raise InvalidInput(f"code: no free grid sequence left in {parent_code}")
    if rest:
        for rank, k in enumerate(grid_order(*_centroids(geoms[rest]))):
            codes[rest[k]] = f"{parent_code}{first + rank:03d}"
    return [str(code) for code in codes]
