"""Edit operations on a plan's areas: split, merge, move a piece, paint blocks, reshape, renumber.

Pure geometry on EPSG:4326 shapes (kept in 4326 so that shared edges keep identical vertices);
adjacency and sizes are judged in metres. Each operation raises `InvalidInput` with the reason
when it cannot be done. The ``*_in`` functions apply an operation to a plan's table of areas
(columns ``code``, ``name``, ``households``, …, geometry) and share households by area.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import split

from gis.blocks import block_ids
from gis.crs import STORAGE_CRS
from gis.errors import InvalidInput, NotFound
from gis.geometry import area_m2, polygonal_part, to_metric
from gis.numbering import sequence_codes

MIN_SHARED_EDGE_M = 0.5
MIN_PIECE_M2 = 1.0
SNAP_DEG = 5e-7
"""A reshaped grid's vertex this close to a grid's vertex (~5 cm) is that vertex: a shape sent
back through GCJ-02 (exact to 1 cm) or with rounded coordinates keeps its untouched edges."""
SLIVER_WIDTH_M = 0.1
"""Land a reshaped grid gives up that no other grid borders, narrower than this, is rounding:
the grid keeps it (a vertex on the plan's edge moved along it comes back a hair off)."""


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


def _tidy(geometry: shapely.Geometry) -> shapely.Geometry:
    """A MultiPolygon without the hairlines a union or difference of noded shapes leaves.

    Blocks are cut along streets, so where a street meets a grid's edge the block's vertex is
    the computed crossing, a hair off the edge: joining the block to a grid can leave a slit
    (a hole of no area) and taking it away a hairline part. Holes and parts under
    `MIN_PIECE_M2` go; a real enclave or exclave is far larger.

    Examples
    --------
    >>> from shapely import Polygon
    >>> slit = Polygon([(0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01)],
    ...                [[(0.005, 0.002), (0.005, 0.008), (0.0050000001, 0.005)]])
    >>> [len(p.interiors) for p in _tidy(slit).geoms]
    [0]
    """
    parts = shapely.get_parts(polygonal_part(geometry))
    kept = []
    for part in parts:
        holes = [
            ring for ring in part.interiors if area_m2([shapely.Polygon(ring)])[0] >= MIN_PIECE_M2
        ]
        if area_m2([part])[0] >= MIN_PIECE_M2:
            kept.append(shapely.Polygon(part.exterior, holes))
    return shapely.multipolygons(kept) if kept else _multi(geometry)


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


def assign_in(
    areas: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame, chosen: Sequence[int], to: str
) -> gpd.GeoDataFrame:
    """Move the ``chosen`` blocks into area ``to``, each from the area holding it.

    ``blocks`` are `gis.blocks.plan_blocks` of these very areas (``grid``, geometry) and
    ``chosen`` their ids. The painted blocks must share an edge with ``to`` (each connected group
    of them), must not take all of another area, and must not all be in ``to`` already.
    Households and population go with the land, shared by area.
    """
    areas = areas.reset_index(drop=True)
    target = _row(areas, to)
    if not chosen:
        raise InvalidInput("blocks: paint at least one block (block ids, positions or addresses)")
    picked = blocks.iloc[sorted(set(block_ids(blocks, chosen)))]
    moving = picked[picked["grid"] != to]
    if moving.empty:
        raise InvalidInput(
            f"blocks: the painted blocks are all in grid {to} already; nothing to do"
        )
    before = list(areas.geometry)
    for source, group in moving.groupby("grid", sort=True):
        i = _row(areas, str(source))
        rest = polygonal_part(shapely.difference(before[i], shapely.union_all(group.geometry)))
        if rest.is_empty or area_m2([rest])[0] < MIN_PIECE_M2:
            raise InvalidInput(
                f"blocks: the move would leave grid {source} empty; merge it instead"
            )
        areas.loc[i, "geometry"] = _tidy(rest)
    painted = polygonal_part(shapely.union_all(moving.geometry.to_numpy()))
    if any(_shared_edge_m(part, before[target]) < MIN_SHARED_EDGE_M for part in painted.geoms):
        raise InvalidInput(f"blocks: the painted blocks do not touch grid {to}")
    areas.loc[target, "geometry"] = _tidy(shapely.union(before[target], painted))
    _reshared(areas, before)
    return areas


def reshape_in(areas: gpd.GeoDataFrame, code: str, geometry: shapely.Geometry) -> gpd.GeoDataFrame:
    """Give area ``code`` a new shape (its vertices as the planner edited them).

    The shape is clipped to the plan's extent (the union of its areas); the land it gains is
    taken from its neighbours, and each piece of land it gives up goes to the neighbour sharing
    the longest border with that piece. Refused: a shape that crosses itself, one that covers a
    neighbour entirely, and one that leaves land no other area borders. Vertices within
    `SNAP_DEG` of an area's vertex are snapped to it. Counts are shared by area.
    """
    areas = areas.reset_index(drop=True)
    i = _row(areas, code)
    before = list(areas.geometry)
    new = _clipped(_snapped(_uncrossed(geometry), before), before, i)
    after = _given_up(before, new, i, areas["code"].tolist())
    for piece in shapely.get_parts(polygonal_part(shapely.difference(before[i], new))):
        j = _closest_neighbour(piece, after, i)
        if j is not None:
            after[j] = shapely.union(after[j], piece)
        elif _sliver(piece):  # the outline's rounding along the plan's edge: keep it
            new = shapely.union(new, piece)
        else:
            raise InvalidInput(_gap(piece, before, code))
    after[i] = new
    changed = [j for j in range(len(after)) if after[j] is not before[j]]
    for j in changed:
        areas.loc[j, "geometry"] = _tidy(after[j])
    _reshared(areas, before)
    return areas


def _uncrossed(geometry: shapely.Geometry) -> shapely.Geometry:
    """``geometry`` if it is a valid polygon; else `InvalidInput` saying where it is not.

    Examples
    --------
    >>> from shapely import Polygon
    >>> _uncrossed(Polygon([(116.34, 40.0), (116.35, 40.01), (116.35, 40.0), (116.34, 40.01)]))
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: geometry: the reshaped grid crosses itself near (116.345000, 40.005000)
    """
    if shapely.get_type_id(geometry) not in (3, 6) or geometry.is_empty:
        raise InvalidInput(
            f"geometry: expected a Polygon or MultiPolygon, got {geometry.geom_type}"
        )
    if shapely.is_valid(geometry):
        return geometry
    reason = str(shapely.is_valid_reason(geometry))
    found = re.fullmatch(r"(.*?)\[(\S+) (\S+)\]", reason)
    what, near = (
        (found.group(1), f" near ({float(found.group(2)):.6f}, {float(found.group(3)):.6f})")
        if found
        else (reason, "")
    )
    if "self-intersection" in what.lower():
        raise InvalidInput(f"geometry: the reshaped grid crosses itself{near}")
    raise InvalidInput(f"geometry: the reshaped grid is not a valid polygon ({what}){near}")


def _snapped(geometry: shapely.Geometry, shapes: list[shapely.Geometry]) -> shapely.Geometry:
    """``geometry`` with vertices within `SNAP_DEG` of an area's vertex moved onto it."""
    window = shapely.buffer(shapely.envelope(geometry), 10 * SNAP_DEG)
    nearby = [g for g in shapes if g is not None and shapely.intersects(g, window)]
    if not nearby:
        return geometry
    vertices = shapely.multipoints(shapely.get_coordinates(nearby))
    snapped = shapely.snap(geometry, vertices, SNAP_DEG)
    return snapped if shapely.is_valid(snapped) else geometry


def _clipped(
    geometry: shapely.Geometry, shapes: list[shapely.Geometry], i: int
) -> shapely.Geometry:
    """The new shape of area ``i`` within the plan's extent (`InvalidInput` if no change)."""
    extent = shapely.union_all([g for g in shapes if g is not None])
    new = polygonal_part(shapely.intersection(geometry, extent))
    if new.is_empty or area_m2([new])[0] < MIN_PIECE_M2:
        raise InvalidInput("geometry: the reshaped grid lies outside the plan's grids")
    old = shapes[i] if shapes[i] is not None else shapely.Polygon()
    if area_m2([shapely.symmetric_difference(old, new)])[0] < MIN_PIECE_M2:
        raise InvalidInput("geometry: the grid's shape did not change; nothing to do")
    return new


def _given_up(
    shapes: list[shapely.Geometry], new: shapely.Geometry, i: int, codes: list[str]
) -> list[shapely.Geometry]:
    """Each area but ``i`` without the land of ``new`` (`InvalidInput` if one would vanish)."""
    after = list(shapes)
    for j, shape in enumerate(shapes):
        if j == i or shape is None or not shapely.intersects(shape, new):
            continue
        if shapely.touches(shape, new):
            continue
        rest = polygonal_part(shapely.difference(shape, new))
        if rest.is_empty or area_m2([rest])[0] < MIN_PIECE_M2:
            raise InvalidInput(
                f"geometry: the reshaped grid covers grid {codes[j]} entirely; merge them instead"
            )
        after[j] = rest
    return after


def _closest_neighbour(
    piece: shapely.Geometry, shapes: list[shapely.Geometry], i: int
) -> int | None:
    """The area (not ``i``) sharing the longest border with ``piece``; None if none shares one."""
    borders = {
        j: _shared_edge_m(piece, shape)
        for j, shape in enumerate(shapes)
        if j != i and shape is not None and shapely.intersects(shape, piece)
    }
    best = max(borders, key=lambda j: (borders[j], -j), default=None)
    return best if best is not None and borders[best] >= MIN_SHARED_EDGE_M else None


def _sliver(piece: shapely.Geometry) -> bool:
    """Whether ``piece`` is under a square metre, or everywhere narrower than `SLIVER_WIDTH_M`."""
    (metric,), _ = to_metric([piece])
    if shapely.area(metric) < MIN_PIECE_M2:
        return True
    radius = shapely.length(shapely.maximum_inscribed_circle(metric, SLIVER_WIDTH_M / 100))
    return bool(2 * radius < SLIVER_WIDTH_M)


def _gap(piece: shapely.Geometry, shapes: list[shapely.Geometry], code: str) -> str:
    """Why land given up with no neighbour is refused: at the plan's edge, or a hole."""
    outline = shapely.boundary(shapely.union_all([g for g in shapes if g is not None]))
    if _shared_length_m(piece, outline) >= MIN_SHARED_EDGE_M:
        return "geometry: the edit leaves a gap at the community's edge"
    return f"geometry: the edit leaves a hole in grid {code} that no other grid borders"


def _shared_length_m(piece: shapely.Geometry, lines: shapely.Geometry) -> float:
    shared = shapely.intersection(shapely.boundary(piece), lines)
    return 0.0 if shared.is_empty else float(_metric_lengths_areas([shared])[0][0])


def _reshared(areas: gpd.GeoDataFrame, before: list[shapely.Geometry]) -> None:
    """Share the counts of land that changed hands, by area (in place).

    Each area whose shape changed hands over to each other changed area its count in proportion
    to the part of its old shape now in the other (never more than it has left); an unknown
    count gives nothing, and one given to an unknown count is lost with it, as `move_in` does.
    """
    counts = _counts(areas)
    after = areas.geometry.to_numpy()
    changed = [i for i in range(len(areas)) if not _same(before[i], after[i])]
    pairs = [(i, j) for i in changed for j in changed if i != j]
    if not counts or not pairs:
        return
    whole = dict(zip(changed, area_m2([_shape(before[i]) for i in changed]), strict=True))
    given = area_m2([polygonal_part(shapely.intersection(_shape(before[i]), _shape(after[j])))
                     for i, j in pairs])  # fmt: skip
    for counted in counts:
        was = {i: areas.at[i, counted] for i in changed}
        for (i, j), part in zip(pairs, given, strict=True):
            moved = _share(was[i], part, whole[i]) or 0
            moved = min(moved, int(areas.at[i, counted])) if moved > 0 else 0
            if moved:
                areas.at[i, counted] = int(areas.at[i, counted]) - moved
                if _known(areas.at[j, counted]):
                    areas.at[j, counted] = int(areas.at[j, counted]) + moved


def _known(count: object) -> bool:
    return count is not None and count == count  # not None, not NaN


def _shape(geometry: shapely.Geometry | None) -> shapely.Geometry:
    return shapely.Polygon() if geometry is None else geometry


def _same(a: shapely.Geometry | None, b: shapely.Geometry | None) -> bool:
    return a is b or (a is not None and b is not None and bool(shapely.equals_exact(a, b, 0.0)))
