"""Street blocks of a plan: its grids cut along the walking network, for painting.

A planner redraws grids by painting blocks: the faces of the plan's grid boundaries and the
walking network's edges together, so every block lies in exactly one grid and a grid is a union
of whole blocks. Faces under `MIN_BLOCK_M2` join the neighbour of the same grid with which they
share the longest border.

The faces are cut in EPSG:4326 (`gis.sample.faces.street_faces` is indifferent to units but for
its trimming margin, which in degrees is merely loose): a block's edges along a grid boundary
are then that boundary's own vertices, so moving blocks between grids leaves no slivers. Areas
and border lengths are measured in metres (`gis.geometry.to_metric`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.errors import InvalidInput
from gis.geometry import area_m2, polygonal_part, to_metric
from gis.sample.faces import absorb, shared_borders, street_faces

MIN_BLOCK_M2 = 50.0
"""Faces smaller than this join a neighbour of the same grid."""

NO_NETWORK = "no walking network is loaded: each block is a whole grid"

_NO_ROADS = shapely.Point(0.0, 0.0)
"""Roads for `shared_borders` that no border runs along (a UTM point far west of any zone's
land): only border lengths matter here. An empty geometry would not do: GEOS cannot intersect
an empty polygon with a border that is a collection of points and lines."""


def plan_blocks(areas: gpd.GeoDataFrame, streets: npt.ArrayLike = ()) -> gpd.GeoDataFrame:
    """Cut a plan's grids into street blocks.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The plan's areas (``code``, geometry in EPSG:4326); those without a polygon are left out.
    streets : array_like of shapely.LineString
        The walking network's edges around the plan (EPSG:4326); parts outside it cut nothing.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per block, the index its id ``0 … n-1`` (north to south, then west to east by
        its representative point): ``grid`` (the code of the grid holding it), ``area_m2``,
        ``lon``, ``lat`` (a point inside it) and its geometry (EPSG:4326). A face inside two
        overlapping grids belongs to the first by code.

    Examples
    --------
    >>> from shapely import LineString, box
    >>> grids = gpd.GeoDataFrame({"code": ["a", "b"]}, crs=4326,
    ...     geometry=[box(116.34, 40.0, 116.35, 40.01), box(116.35, 40.0, 116.36, 40.01)])
    >>> plan_blocks(grids, [LineString([(116.33, 40.005), (116.37, 40.005)])])["grid"].tolist()
    ['a', 'b', 'a', 'b']
    >>> len(plan_blocks(grids))
    2
    """
    grids = _polygonal(areas)
    faces = _faces(grids.geometry.to_numpy(), np.asarray(streets, dtype=object))
    owner = _owner(faces, grids.geometry.to_numpy())
    faces, owner = faces[owner >= 0], owner[owner >= 0]
    members = pd.Series(np.arange(len(faces))).groupby(_absorbed(faces, owner)).indices
    shapes = [faces[m[0]] if len(m) == 1 else shapely.union_all(faces[m]) for m in members.values()]
    grid_codes = grids["code"].to_numpy()
    codes = [grid_codes[owner[m[0]]] for m in members.values()]
    return _numbered(np.asarray(shapes, dtype=object), codes)


def _polygonal(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas with a polygon, valid, sorted by code."""
    shaped = areas[areas.geometry.notna() & ~areas.geometry.is_empty]
    valid = [polygonal_part(shapely.make_valid(g)) for g in shaped.geometry]
    return shaped.set_geometry(valid, crs=STORAGE_CRS).sort_values("code", kind="stable")


def _faces(grids: npt.NDArray[np.object_], streets: npt.NDArray[np.object_]) -> npt.NDArray:
    """The faces of the grid boundaries and the streets within the plan's bounding box.

    Faces outside every grid (around the plan, in a gap) are among them; `_owner` finds none.
    """
    if not len(grids):
        return np.asarray([], dtype=object)
    lines = np.concatenate([shapely.boundary(grids), streets])
    return street_faces(shapely.box(*shapely.total_bounds(grids)), lines)


def _owner(faces: npt.NDArray[np.object_], grids: npt.NDArray[np.object_]) -> npt.NDArray:
    """Per face, the position of the first grid holding a point inside it (-1 for none)."""
    owner = np.full(len(faces), len(grids), dtype=int)
    if len(faces):
        face, grid = shapely.STRtree(grids).query(
            shapely.point_on_surface(faces), predicate="intersects"
        )
        np.minimum.at(owner, face, grid)
    owner[owner == len(grids)] = -1
    return owner


def _absorbed(faces: npt.NDArray[np.object_], owner: npt.NDArray[np.int_]) -> npt.NDArray:
    """A block label per face: faces under `MIN_BLOCK_M2` joined to a neighbour in their grid.

    `absorb` merges one group per round; a small face whose neighbours in its grid are all
    large is settled first, all at once, as `absorb` would settle it (`_settled`).
    """
    metric, _ = to_metric(faces)
    sizes = pd.Series(shapely.area(metric))
    tiny = (sizes < MIN_BLOCK_M2).to_numpy()
    if not tiny.any():
        return np.arange(len(faces))
    # only groups of small faces are ever dissolved, so only their borders matter
    _, touching = shapely.STRtree(metric).query(metric[tiny], predicate="intersects")
    near = np.union1d(np.flatnonzero(tiny), touching)
    pairs = shared_borders(metric[near], _NO_ROADS)
    left, right = near[pairs["left"].to_numpy()], near[pairs["right"].to_numpy()]
    pairs = pairs.assign(left=left, right=right)
    pairs = pairs[(owner[left] == owner[right]) & (tiny[left] | tiny[right])]

    def small(labels: pd.Series) -> list[object]:
        total = sizes.groupby(labels.to_numpy()).sum()
        return list(total[total < MIN_BLOCK_M2].sort_values(kind="stable").index)

    labels = _settled(pairs, tiny)
    if (sizes.groupby(labels).sum() >= MIN_BLOCK_M2).all():
        return labels
    return np.asarray(absorb(labels, pairs, small), dtype=int)


def _settled(pairs: pd.DataFrame, tiny: npt.NDArray[np.bool_]) -> npt.NDArray[np.int_]:
    """Labels with each small face that borders only large faces joined to its longest border.

    Large faces never merge with one another, and no other small face borders this one, so
    the order `absorb` would take them in changes nothing: the choice is the same (the longest
    border, ties to the smallest label).
    """
    both = pd.concat([pairs, pairs.rename(columns={"left": "right", "right": "left"})])
    both = both[tiny[both["left"].to_numpy()]]
    crowded = both.loc[tiny[both["right"].to_numpy()], "left"].unique()
    alone = both[~both["left"].isin(crowded)]
    best = alone.sort_values(["left", "length", "right"], ascending=[True, False, True])
    best = best.drop_duplicates("left")
    labels = np.arange(len(tiny))
    labels[best["left"].to_numpy()] = best["right"].to_numpy()
    return labels


def _numbered(shapes: npt.NDArray[np.object_], codes: list[str]) -> gpd.GeoDataFrame:
    """Blocks in id order: north to south, then west to east by a point inside each."""
    inside = shapely.point_on_surface(shapes) if len(shapes) else np.asarray([], dtype=object)
    lon, lat = shapely.get_x(inside), shapely.get_y(inside)
    order = np.lexsort((lon, -lat))
    blocks = gpd.GeoDataFrame(
        {
            "grid": pd.Series(codes, dtype=object).to_numpy()[order],
            "area_m2": area_m2(shapes[order]) if len(shapes) else np.asarray([], dtype=float),
            "lon": lon[order],
            "lat": lat[order],
        },
        geometry=list(shapes[order]),
        crs=STORAGE_CRS,
    )
    return blocks.reset_index(drop=True)


def block_ids(
    blocks: gpd.GeoDataFrame, items: Sequence[int | shapely.Point], *, field: str = "blocks"
) -> list[int]:
    """The ids of the blocks named by ``items``: block ids, or points (EPSG:4326) inside blocks.

    A point on the border of two blocks picks the first.

    Examples
    --------
    >>> from shapely import Point, box
    >>> blocks = gpd.GeoDataFrame({"grid": ["a", "b"]}, crs=4326,
    ...     geometry=[box(116.34, 40.0, 116.35, 40.01), box(116.35, 40.0, 116.36, 40.01)])
    >>> block_ids(blocks, [1, Point(116.345, 40.005)])
    [1, 0]
    >>> block_ids(blocks, [2])
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: blocks: no block 2 (the plan's blocks are 0 to 1)
    """
    found = []
    tree = shapely.STRtree(blocks.geometry.to_numpy())
    for position, item in enumerate(items):
        if isinstance(item, shapely.Point):
            hits = tree.query(item, predicate="intersects")
            if not hits.size:
                raise InvalidInput(f"{field}: item {position} lies in no block of the plan")
            found.append(int(hits.min()))
        elif 0 <= item < len(blocks):
            found.append(int(item))
        else:
            raise InvalidInput(
                f"{field}: no block {item} (the plan's blocks are 0 to {len(blocks) - 1})"
            )
    return found


def block_households(blocks: gpd.GeoDataFrame, addresses: pd.DataFrame) -> pd.Series:
    """Households of the registry's addresses inside each block (None with no registry there).

    ``addresses`` has ``lon``, ``lat`` and ``households`` (an address without a count holds
    none), as `gis.diff.plan_households` takes them; a point on a border counts in the first
    block.
    """
    if addresses.empty:
        return pd.Series([None] * len(blocks), index=blocks.index, dtype=object)
    points = shapely.points(addresses["lon"].to_numpy(float), addresses["lat"].to_numpy(float))
    point, block = shapely.STRtree(blocks.geometry.to_numpy()).query(points, predicate="intersects")
    first = pd.Series(block).groupby(point).min()
    counts = pd.to_numeric(addresses["households"], errors="coerce").fillna(0).to_numpy()
    totals = pd.Series(counts[first.index.to_numpy()]).groupby(first.to_numpy()).sum()
    whole = [int(totals.get(i, 0)) for i in range(len(blocks))]
    return pd.Series(whole, index=blocks.index, dtype=object)


@dataclass(frozen=True)
class PlanBlocks:
    """A plan's street blocks and the walking network they were cut along (None: no network).

    ``blocks`` is `plan_blocks`' table, with ``households``.
    """

    network: str | None
    blocks: gpd.GeoDataFrame

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection: per block id, grid, households, area_m2, point; the network."""
        features = [
            {
                "type": "Feature",
                "id": int(block_id),
                "geometry": shapely.geometry.mapping(row.geometry),
                "properties": {
                    "id": int(block_id),
                    "grid": row.grid,
                    "households": row.households,
                    "area_m2": round(float(row.area_m2), 1),
                    "point": [round(float(row.lon), 7), round(float(row.lat), 7)],
                },
            }
            for block_id, row in zip(self.blocks.index, self.blocks.itertuples(), strict=True)
        ]
        answer: dict[str, Any] = {"type": "FeatureCollection", "features": features}
        answer["network"] = self.network
        if self.network is None:
            answer["note"] = NO_NETWORK
        return answer
