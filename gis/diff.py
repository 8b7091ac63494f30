"""What a redraw changes: area gained and lost, pieces moving between areas, their households.

Pure geometry (no database). Households come from the standard-address registry (一标三实):
a piece holds the households of the registry's addresses inside it, plus its share by area of
what the registry does not explain in the old area it comes from (the old area's households
beyond its addresses'), in whole numbers that add up exactly (largest remainder). So the
households of a plan's areas and the households a transfer moves are the same figures, and
``households_before - households_out + households_in == households_after`` for every area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.geometry import area_m2, polygonal_part
from gis.lookup import GridIndex
from gis.numbering import continued_codes

MIN_PIECE_M2 = 1.0
NOWHERE = ""  # transfers from or to no area: newly covered or uncovered ground
NO_ROW = -1
REGISTRY, AREA_SHARE, BOTH = "registry", "area share", "registry + area share"
"""Where an area's households come from (``households_source``)."""


@dataclass
class AreaDiff:
    """A transfer table, a per-area summary and the changed pieces (EPSG:4326)."""

    transfers: pd.DataFrame  # from_code, to_code, area_m2, households_moved, renumber
    summary: pd.DataFrame  # code, status, area_before_m2, …, households_before, households_after
    pieces: gpd.GeoDataFrame  # from_code, to_code, area_m2, households_moved, renumber, geometry
    incidents: pd.DataFrame = field(default_factory=pd.DataFrame)  # open incidents changing grid
    renumbered: pd.DataFrame = field(default_factory=pd.DataFrame)  # code, new_code

    def to_json(self) -> dict[str, object]:
        """Plain JSON: summary, transfers, renumbered areas, open incidents changing grid."""
        return {
            "summary": json_records(self.summary),
            "transfers": json_records(self.transfers),
            "renumbered": json_records(self.renumbered),
            "incidents": json_records(self.incidents),
        }


def regridded(incidents: pd.DataFrame, after: gpd.GeoDataFrame) -> pd.DataFrame:
    """Incidents (``id``, ``lon``, ``lat``, ``grid_code`` …) whose grid differs under ``after``.

    Examples
    --------
    >>> from shapely import box
    >>> after = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> moving = regridded(pd.DataFrame({"id": [1, 2], "lon": [0.5, 1.5], "lat": [0.5, 0.5],
    ...                                  "grid_code": ["a", "a"]}), after)
    >>> moving[["id", "grid_code", "new_grid_code"]].values.tolist()
    [[2, 'a', 'b']]
    """
    if incidents.empty:
        return incidents.assign(new_grid_code=pd.Series(dtype=str))
    found = GridIndex(after).locate(
        incidents["lon"].to_numpy(float), incidents["lat"].to_numpy(float)
    )
    moved = incidents.assign(new_grid_code=found.key.astype(str))
    return moved[moved["new_grid_code"] != moved["grid_code"].fillna("")].reset_index(drop=True)


def json_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as plain JSON values (Python numbers, None for missing; floats to 2 decimals).

    Examples
    --------
    >>> json_records(pd.DataFrame({"id": [1], "m2": [2.345], "code": [None]}))
    [{'id': 1, 'm2': 2.35, 'code': None}]
    """
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]


def largest_remainder(total: int, weights: npt.ArrayLike) -> npt.NDArray[np.int_]:
    """Whole numbers in proportion to ``weights`` that add up to ``total`` exactly.

    Each gets the whole part of its quota; the units left over go to the largest fractions
    (ties to the first).

    Examples
    --------
    >>> largest_remainder(10, [1.0, 1.0, 1.0]).tolist()
    [4, 3, 3]
    >>> largest_remainder(392, [0.6, 0.4]).tolist()
    [235, 157]
    >>> largest_remainder(5, []).tolist(), largest_remainder(5, [0.0, 0.0]).tolist()
    ([], [0, 0])
    """
    shares = np.asarray(weights, dtype=float)
    whole = np.zeros(shares.size, dtype=int)
    if shares.size == 0 or not shares.sum() > 0:
        return whole
    quotas = total * shares / shares.sum()
    whole = np.floor(quotas).astype(int)
    left = int(total - whole.sum())
    whole[np.argsort(-(quotas - whole), kind="stable")[:left]] += 1
    return whole


def _valid(frame: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    """Valid polygonal geometries (an empty polygon for a missing one)."""
    return np.array(
        [
            polygonal_part(shapely.make_valid(g)) if g is not None else shapely.Polygon()
            for g in frame.geometry
        ],
        dtype=object,
    )


def _overlay(old: npt.NDArray[np.object_], new: npt.NDArray[np.object_]) -> pd.DataFrame:
    """Every piece of one old and one new area, and of either outside all of the other.

    Columns ``from_row``, ``to_row`` (``NO_ROW``: no area), ``area_m2`` and ``geometry``;
    pieces under ``MIN_PIECE_M2`` are left out.
    """
    old_idx, new_idx = shapely.STRtree(new).query(old, predicate="intersects")
    nothing = shapely.GeometryCollection()
    old_rest = shapely.difference(old, shapely.union_all(new)) if len(new) else old
    new_rest = shapely.difference(new, shapely.union_all(old)) if len(old) else new
    geoms = np.concatenate([shapely.intersection(old[old_idx], new[new_idx]), old_rest, new_rest])
    frame = pd.DataFrame(
        {
            "from_row": np.concatenate([old_idx, np.arange(len(old)), np.full(len(new), NO_ROW)]),
            "to_row": np.concatenate([new_idx, np.full(len(old), NO_ROW), np.arange(len(new))]),
            "area_m2": area_m2(geoms) if len(geoms) else np.zeros(0),  # cut-off in m²
            "geometry": [polygonal_part(g) if g is not None else nothing for g in geoms],
        }
    )
    return frame[frame["area_m2"] >= MIN_PIECE_M2].reset_index(drop=True)


def _row_of(points: npt.NDArray[np.object_], areas: npt.NDArray[np.object_]) -> npt.NDArray:
    """The first area containing each point (``NO_ROW`` for none)."""
    rows = np.full(len(points), len(areas), dtype=int)
    if len(points) and len(areas):
        point_idx, area_idx = shapely.STRtree(areas).query(points, predicate="intersects")
        np.minimum.at(rows, point_idx, area_idx)
    rows[rows == len(areas)] = NO_ROW
    return rows


def _registry(
    pieces: pd.DataFrame, old: np.ndarray, new: np.ndarray, addresses: pd.DataFrame | None
) -> pd.DataFrame:
    """``pieces`` with the households of the registry's addresses inside each.

    A pair of areas without a piece of a square metre that still holds an address is added,
    without geometry.
    """
    if addresses is None or addresses.empty:
        return pieces.assign(registry=0)
    points = shapely.points(addresses["lon"].to_numpy(float), addresses["lat"].to_numpy(float))
    counted = pd.DataFrame(
        {
            "from_row": _row_of(points, old),
            "to_row": _row_of(points, new),
            "registry": pd.to_numeric(addresses["households"], errors="coerce").fillna(0),
        }
    )
    counted = counted[(counted["from_row"] != NO_ROW) | (counted["to_row"] != NO_ROW)]
    sums = counted.groupby(["from_row", "to_row"], as_index=False)["registry"].sum()
    merged = pieces.merge(sums, on=["from_row", "to_row"], how="outer")
    merged["area_m2"] = merged["area_m2"].fillna(0.0)
    merged["geometry"] = merged["geometry"].map(
        lambda g: g if isinstance(g, shapely.Geometry) else shapely.MultiPolygon()
    )
    merged["registry"] = merged["registry"].fillna(0).astype(int)
    return merged


def _shares(pieces: pd.DataFrame, old_households: pd.Series) -> pd.Series:
    """Each piece's whole share by area of what the registry leaves unexplained in its old area.

    None for pieces of no old area, or of one whose households are unknown.
    """
    share = pd.Series([None] * len(pieces), index=pieces.index, dtype=object)
    for row, group in pieces[pieces["from_row"] != NO_ROW].groupby("from_row"):
        known = old_households.iloc[int(row)]
        if pd.isna(known):
            share[group.index] = None
            continue
        unexplained = max(int(known) - int(group["registry"].sum()), 0)
        share[group.index] = largest_remainder(unexplained, group["area_m2"]).tolist()
    return share


def household_pieces(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, addresses: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Pieces of ``before`` and ``after`` with the households each carries.

    Parameters
    ----------
    before
        The old areas (``households``: their last known figures, may be missing).
    after
        The new areas.
    addresses
        The registry's addresses around them (``lon``, ``lat``, ``households``; an address
        without a household count holds none); None for no registry.

    Returns
    -------
    pandas.DataFrame
        ``from_row``, ``to_row`` (positions; ``NO_ROW`` for no area), ``area_m2``,
        ``geometry``, ``registry`` (households of the addresses inside), ``share`` (whole share
        of the unexplained households; None when the old area's are unknown) and
        ``households`` (their sum; None when nothing is known: an unknown share and no
        registry there).
    """
    old, new = _valid(before), _valid(after)
    pieces = _registry(_overlay(old, new), old, new, addresses)
    pieces["share"] = _shares(pieces, before["households"].reset_index(drop=True))
    covered = addresses is not None and not addresses.empty
    pieces["households"] = pd.Series(
        [
            None if (share is None and not covered) else int(registry) + int(share or 0)
            for registry, share in zip(pieces["registry"], pieces["share"], strict=True)
        ],
        index=pieces.index,
        dtype=object,
    )
    return pieces


def plan_households(
    reference: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, addresses: pd.DataFrame | None
) -> gpd.GeoDataFrame:
    """``areas`` with ``households`` and ``households_source`` from the registry.

    An area holds the households of the registry's addresses inside it and its share by area
    of what the registry leaves unexplained in the ``reference`` areas (the current ones, or
    the parent when there are none). ``households_source`` says which: ``registry``,
    ``area share`` or ``registry + area share``; both are None when nothing is known.

    Examples
    --------
    >>> from shapely import box
    >>> old = gpd.GeoDataFrame({"code": ["a"], "households": [392]},
    ...                        geometry=[box(116.34, 40, 116.36, 40.01)], crs=4326)
    >>> halves = gpd.GeoDataFrame({"code": ["a", "b"]}, crs=4326,
    ...     geometry=[box(116.34, 40, 116.35, 40.01), box(116.35, 40, 116.36, 40.01)])
    >>> plan_households(old, halves, None)[["households", "households_source"]].values.tolist()
    [[196, 'area share'], [196, 'area share']]
    >>> homes = pd.DataFrame({"lon": [116.345, 116.355], "lat": [40.005] * 2,
    ...                       "households": [300, 92]})
    >>> plan_households(old, halves, homes)[["households", "households_source"]].values.tolist()
    [[300, 'registry'], [92, 'registry']]
    """
    pieces = household_pieces(reference, areas, addresses)
    covered = addresses is not None and not addresses.empty
    into = pieces.assign(share=pieces["share"].fillna(0)).groupby("to_row")
    totals = into["households"].agg(_total)
    registry, share = into["registry"].sum(), into["share"].sum()
    households: list[int | None] = []
    sources: list[str | None] = []
    for row in range(len(areas)):
        total = totals.get(row)
        known = None if total is None or pd.isna(total) else int(total)
        households.append(known)
        sources.append(
            None if known is None else _source(int(registry[row]), int(share[row]), covered)
        )
    return areas.assign(  # object columns: whole numbers stay ints beside None
        households=pd.Series(households, index=areas.index, dtype=object),
        households_source=pd.Series(sources, index=areas.index, dtype=object),
    )


def _source(registry: int, share: int, covered: bool) -> str:
    if share and registry:
        return BOTH
    if share or not covered:
        return AREA_SHARE
    return REGISTRY


def diff_areas(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, addresses: pd.DataFrame | None = None
) -> AreaDiff:
    """Compare two sets of areas (columns ``code``, ``households``, geometry in EPSG:4326).

    Households moved are those of `household_pieces` (``after``'s own figures are not used).
    An area of ``after`` that continues one of ``before`` under another code
    (`gis.numbering.continued_codes`) is listed in ``renumbered``, and the transfers between
    the two are marked ``renumber``: the same grid under a new code, not ground moving.

    Examples
    --------
    >>> from shapely import box
    >>> west, east = box(116.34, 40, 116.35, 40.01), box(116.35, 40, 116.36, 40.01)
    >>> old = gpd.GeoDataFrame({"code": ["a", "b"], "households": [100, 100]},
    ...                        geometry=[west, east])
    >>> wider, narrower = box(116.34, 40, 116.355, 40.01), box(116.355, 40, 116.36, 40.01)
    >>> new = gpd.GeoDataFrame({"code": ["a", "b"], "households": [None, None]},
    ...                        geometry=[wider, narrower])
    >>> d = diff_areas(old, new)
    >>> d.transfers[["from_code", "to_code", "households_moved"]].values.tolist()
    [['b', 'a', 50]]
    """
    pieces = household_pieces(before, after, addresses)
    renumbered = _renumbered(before, after)
    old_codes = np.append(before["code"].astype(str).to_numpy(), NOWHERE)
    new_codes = np.append(after["code"].astype(str).to_numpy(), NOWHERE)
    pieces = pieces.assign(
        from_code=old_codes[pieces["from_row"].to_numpy(int)],  # NO_ROW (-1) picks NOWHERE
        to_code=new_codes[pieces["to_row"].to_numpy(int)],
        households_moved=pieces["households"],
    )
    moving = pieces[pieces["from_code"] != pieces["to_code"]].sort_values(
        ["from_code", "to_code"], ignore_index=True
    )
    pairs = set(zip(renumbered["code"], renumbered["new_code"], strict=True))
    moving["renumber"] = [
        pair in pairs for pair in zip(moving["from_code"], moving["to_code"], strict=True)
    ]
    shown = gpd.GeoDataFrame(
        moving[["from_code", "to_code", "area_m2", "households_moved", "renumber"]],
        geometry=gpd.GeoSeries(list(moving["geometry"]), crs=STORAGE_CRS),
    )
    transfers = pd.DataFrame(shown.drop(columns="geometry"))
    summary = _summary(before, after, pieces, transfers)
    return AreaDiff(transfers, summary, shown, renumbered=renumbered)


def _renumbered(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> pd.DataFrame:
    """(code, new_code) of each area of ``after`` continuing one of ``before`` under a new code."""
    continued = continued_codes(
        after.set_geometry(list(_valid(after))), before.set_geometry(list(_valid(before)))
    )
    pairs = [
        (old, str(new))
        for old, new in zip(continued, after["code"], strict=True)
        if old is not None and old != str(new)
    ]
    return pd.DataFrame(sorted(pairs), columns=["code", "new_code"], dtype=object)


def _total(values: pd.Series) -> int | None:
    known = values.dropna()
    return None if known.empty else int(known.sum())


def _summary(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, pieces: pd.DataFrame, moving: pd.DataFrame
) -> pd.DataFrame:
    old = pd.Series(area_m2(_valid(before)), index=list(before["code"]), dtype=float)
    new = pd.Series(area_m2(_valid(after)), index=list(after["code"]), dtype=float)
    codes = sorted(set(old.index) | set(new.index))
    lost = moving.groupby("from_code")["area_m2"].sum()
    gained = moving.groupby("to_code")["area_m2"].sum()
    moved_out = moving.groupby("from_code")["households_moved"].agg(_total)
    moved_in = moving.groupby("to_code")["households_moved"].agg(_total)
    held = pieces.groupby("from_code")["households"].agg(_total)
    holds = pieces.groupby("to_code")["households"].agg(_total)
    frame = pd.DataFrame(
        {
            "code": codes,
            "area_before_m2": [old.get(c) for c in codes],
            "area_after_m2": [new.get(c) for c in codes],
            "gained_m2": [float(gained.get(c, 0.0)) for c in codes],
            "lost_m2": [float(lost.get(c, 0.0)) for c in codes],
            "households_before": _whole([held.get(c) if c in old.index else None for c in codes]),
            "households_out": _whole([moved_out.get(c) for c in codes]),
            "households_in": _whole([moved_in.get(c) for c in codes]),
            "households_after": _whole([holds.get(c) if c in new.index else None for c in codes]),
        }
    )
    frame.insert(1, "status", [_status(c, old, new, gained, lost) for c in codes])
    return frame


def _whole(values: list[object]) -> pd.Series:
    """Whole numbers as Python ints, None where unknown (not floats with NaN)."""
    return pd.Series(
        [None if v is None or pd.isna(v) else int(v) for v in values],  # type: ignore[call-overload]
        dtype=object,
    )


def _status(code: str, old: pd.Series, new: pd.Series, gained: pd.Series, lost: pd.Series) -> str:
    if code not in old.index:
        return "added"
    if code not in new.index:
        return "removed"
    return "changed" if gained.get(code, 0.0) or lost.get(code, 0.0) else "unchanged"
