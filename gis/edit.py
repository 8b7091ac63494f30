"""Edit operations on a plan's areas: split by a line, merge, move a piece, renumber.

Pure geometry on EPSG:4326 shapes (kept in 4326 so that shared edges keep identical vertices);
adjacency and sizes are judged in metres. Each operation raises `InvalidInput` with the reason
when it cannot be done. The ``*_in`` functions apply an operation to a plan's table of areas
(columns ``code``, ``name``, ``households``, …, geometry) and share households by area.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import split

from gis.crs import STORAGE_CRS
from gis.errors import InvalidInput, NotFound
from gis.geometry import area_m2, polygonal_part, to_metric
from gis.numbering import sequence_codes

MIN_SHARED_EDGE_M = 0.5
MIN_PIECE_M2 = 1.0


def _metric_lengths_areas(geoms: list[shapely.Geometry]) -> tuple[np.ndarray, np.ndarray]:
    metric, _ = to_metric(geoms)
    return shapely.length(metric), shapely.area(metric)


def split_area(area: shapely.Geometry, line: shapely.Geometry) -> tuple[shapely.Geometry, ...]:
    """Cut ``area`` along ``line`` into two areas (the larger first).

    The line must cross the area from edge to edge; pieces beyond two (a line that crosses
    several times) are joined to the neighbouring piece on the same side.

    Examples
    --------
    >>> from shapely import LineString, box
    >>> a, b = split_area(box(0, 0, 0.002, 0.001), LineString([(0.0005, -1), (0.0005, 1)]))
    >>> round(a.area / b.area, 3)
    3.0
    """
    if shapely.get_type_id(line) not in (1, 5):
        raise InvalidInput(f"line: expected a LineString, got {line.geom_type}")
    parts = list(split(area, line).geoms) if shapely.intersects(area, line) else [area]
    if len(parts) <= len(shapely.get_parts(area)):  # no part of the area was cut
        raise InvalidInput("line: the split line does not cross the grid from edge to edge")
    _, areas = _metric_lengths_areas(parts)
    order = np.argsort(-areas)
    first = parts[order[0]]
    rest = shapely.union_all([parts[i] for i in order[1:]])
    return _multi(first), _multi(rest)


def merge_areas(areas: list[shapely.Geometry], codes: list[str]) -> shapely.Geometry:
    """Union of areas that form one connected group (each shares an edge with the group).

    Examples
    --------
    >>> from shapely import box
    >>> merge_areas([box(0, 0, 0.001, 0.001), box(0.001, 0, 0.002, 0.001)], ["a", "b"]).bounds
    (0.0, 0.0, 0.002, 0.001)
    """
    if len(areas) < 2:
        raise InvalidInput("codes: give at least two grids to merge")
    group = areas[0]
    pending = list(zip(areas[1:], codes[1:], strict=True))
    while pending:
        joined = [(a, c) for a, c in pending if _shared_edge_m(group, a) >= MIN_SHARED_EDGE_M]
        if not joined:
            lonely = ", ".join(c for _, c in pending)
            raise InvalidInput(
                f"codes: {lonely} share no edge with {codes[0]}; only adjacent grids merge"
            )
        group = shapely.union_all([group, *(a for a, _ in joined)])
        pending = [(a, c) for a, c in pending if all(a is not j for j, _ in joined)]
    return _multi(group)


def move_piece(
    source: shapely.Geometry, target: shapely.Geometry, piece: shapely.Geometry
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Move the part of ``source`` inside ``piece`` to its neighbour ``target``.

    Examples
    --------
    >>> from shapely import box
    >>> a, b = move_piece(box(0, 0, 0.002, 0.001), box(0.002, 0, 0.003, 0.001),
    ...                   box(0.0015, -1, 0.0025, 1))
    >>> a.bounds, b.bounds
    ((0.0, 0.0, 0.0015, 0.001), (0.0015, 0.0, 0.003, 0.001))
    """
    moved = polygonal_part(shapely.intersection(source, piece))
    _, (moved_m2,) = _metric_lengths_areas([moved]) if not moved.is_empty else (None, [0.0])
    if moved_m2 < MIN_PIECE_M2:
        raise InvalidInput("piece: the piece does not overlap the grid it is moved from")
    if _shared_edge_m(moved, target) < MIN_SHARED_EDGE_M:
        raise InvalidInput("piece: the moved piece does not touch the grid it is moved to")
    rest = polygonal_part(shapely.difference(source, piece))
    if rest.is_empty:
        raise InvalidInput("piece: it covers the whole grid; merge the grids instead")
    return _multi(rest), _multi(shapely.union(target, moved))


def renamed(name: str, code: str) -> str:
    """A name whose trailing 第NN网格 follows the code's sequence number.

    Examples
    --------
    >>> renamed("中国农业大学东校区社区第03网格", "110108010019007")
    '中国农业大学东校区社区第07网格'
    >>> renamed("东区一号网格", "110108010019007")
    '东区一号网格'
    """
    return re.sub(r"第\d+网格$", f"第{int(code[-3:]):02d}网格", name)


def next_code(scope_code: str, taken: list[str]) -> str:
    """The next free 3-digit sequence code in ``scope_code``.

    Examples
    --------
    >>> next_code("110108010019", ["110108010019001", "110108010019004"])
    '110108010019005'
    """
    numbers = [
        int(c[len(scope_code) :])
        for c in taken
        if c.startswith(scope_code) and c[len(scope_code) :].isdigit()
    ]
    following = max(numbers, default=0) + 1
    if following > 999:
        raise InvalidInput(f"code: no free grid sequence left in {scope_code}")
    return f"{scope_code}{following:03d}"


def _shared_edge_m(a: shapely.Geometry, b: shapely.Geometry) -> float:
    shared = shapely.intersection(shapely.boundary(a), shapely.boundary(b))
    if shared.is_empty:
        overlap = shapely.intersection(a, b)
        return 0.0 if overlap.is_empty else float(_metric_lengths_areas([overlap.boundary])[0][0])
    return float(_metric_lengths_areas([shared])[0][0])


def _multi(geometry: shapely.Geometry) -> shapely.Geometry:
    polygons = polygonal_part(geometry)
    return polygons if polygons.geom_type == "MultiPolygon" else shapely.multipolygons([polygons])


def _row(areas: gpd.GeoDataFrame, code: str) -> int:
    hits = np.flatnonzero(areas["code"].to_numpy() == code)
    if hits.size == 0:
        raise NotFound(f"code: the plan has no area {code!r}")
    return int(hits[0])


def _share(households: object, part: float, whole: float) -> int | None:
    """``households`` in proportion ``part / whole`` (None when unknown).

    Examples
    --------
    >>> _share(100, 1.0, 4.0), _share(None, 1.0, 4.0), _share(float("nan"), 1.0, 4.0)
    (25, None, None)
    """
    if households is None or households != households or not whole:  # None or NaN
        return None
    return round(float(households) * part / whole)  # type: ignore[arg-type]


COUNTED = ("households", "population")
"""The counts an edit shares by area (a split, a moved piece) or adds up (a merge)."""


def _counts(areas: gpd.GeoDataFrame) -> list[str]:
    return [name for name in COUNTED if name in areas.columns]


def split_in(
    areas: gpd.GeoDataFrame,
    code: str,
    line: shapely.Geometry,
    scope_code: str,
    used: Iterable[str] = (),
) -> tuple[gpd.GeoDataFrame, str]:
    """Split area ``code`` along ``line``; the smaller piece becomes a new area (next code).

    The new code follows every code of ``areas`` and of ``used`` (codes the scope's areas have
    had, so a retired code is not given to other land). Returns the new table and the new
    area's code; households and population are shared by area.
    """
    areas = areas.reset_index(drop=True)
    i = _row(areas, code)
    kept, cut = split_area(areas.geometry.iloc[i], line)
    kept_m2, cut_m2 = area_m2([kept, cut])
    new_code = next_code(scope_code, [*areas["code"], *used])
    new = areas.iloc[[i]].copy()
    new[["code", "name"]] = [new_code, f"{areas.at[i, 'name']}（拆分）"]
    for counted in _counts(areas):
        whole = areas.at[i, counted]
        new[counted] = _share(whole, cut_m2, kept_m2 + cut_m2)
        areas.at[i, counted] = _share(whole, kept_m2, kept_m2 + cut_m2)
    areas.loc[i, "geometry"] = kept
    new = new.set_geometry([cut], crs=STORAGE_CRS)
    return gpd.GeoDataFrame(pd.concat([areas, new]), crs=STORAGE_CRS), new_code


def merge_in(areas: gpd.GeoDataFrame, codes: list[str]) -> gpd.GeoDataFrame:
    """Merge adjacent areas into the first of ``codes`` (households and population added up)."""
    areas = areas.reset_index(drop=True)
    rows = [_row(areas, code) for code in codes]
    merged = merge_areas([areas.geometry.iloc[i] for i in rows], codes)
    keep = rows[0]
    areas.loc[keep, "geometry"] = merged
    for counted in _counts(areas):
        parts = pd.to_numeric(areas.loc[rows, counted], errors="coerce")
        areas.at[keep, counted] = None if parts.isna().any() else int(parts.sum())
    return areas.drop(index=rows[1:])


def move_in(
    areas: gpd.GeoDataFrame, source: str, target: str, piece: shapely.Geometry
) -> gpd.GeoDataFrame:
    """Move the part of ``source`` inside ``piece`` to ``target``, with its share of the counts."""
    areas = areas.reset_index(drop=True)
    i, j = _row(areas, source), _row(areas, target)
    before_m2 = area_m2([areas.geometry.iloc[i]])[0]
    rest, grown = move_piece(areas.geometry.iloc[i], areas.geometry.iloc[j], piece)
    moved_m2 = before_m2 - area_m2([rest])[0]
    areas.loc[i, "geometry"], areas.loc[j, "geometry"] = rest, grown
    for counted in _counts(areas):
        moved = _share(areas.at[i, counted], moved_m2, before_m2)
        if moved is not None:
            areas.at[i, counted] = int(areas.at[i, counted]) - moved
            if areas.at[j, counted] == areas.at[j, counted]:  # known (not None/NaN)
                areas.at[j, counted] = int(areas.at[j, counted]) + moved
    return areas


def renumber_in(
    areas: gpd.GeoDataFrame, scope_code: str
) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Renumber west→east, north→south (DB11/T 2157-2023); the table and old → new codes."""
    areas = areas.reset_index(drop=True)
    valid = [shapely.make_valid(g) if g is not None else shapely.Point() for g in areas.geometry]
    codes = sequence_codes(scope_code, valid)
    mapping = dict(zip(areas["code"], codes, strict=True))
    areas["name"] = [renamed(n, c) for n, c in zip(areas["name"], codes, strict=True)]
    areas["code"] = codes
    return areas, mapping
