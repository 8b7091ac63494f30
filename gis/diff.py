"""What a redraw changes: per area, area gained and lost, and the pieces moving between areas.

Pure geometry (no database). Households moved are estimated by area share of the area they
leave (``households × piece area / area``), the best that can be said without addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.geometry import area_m2, polygonal_part
from gis.lookup import GridIndex

MIN_PIECE_M2 = 1.0
NOWHERE = ""  # transfers from or to no area: newly covered or uncovered ground


@dataclass
class AreaDiff:
    """A transfer table, a per-area summary and the changed pieces (EPSG:4326)."""

    transfers: pd.DataFrame  # from_code, to_code, area_m2, households_moved
    summary: pd.DataFrame  # code, status, area_before_m2, area_after_m2, gained_m2, lost_m2, …
    pieces: gpd.GeoDataFrame  # from_code, to_code, area_m2, households_moved, geometry
    incidents: pd.DataFrame = field(default_factory=pd.DataFrame)  # open incidents changing grid

    def to_json(self) -> dict[str, object]:
        """Plain JSON: summary rows, transfers and the open incidents whose grid would change."""
        return {
            "summary": _records(self.summary),
            "transfers": _records(self.transfers),
            "incidents": _records(self.incidents),
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


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]


def diff_areas(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> AreaDiff:
    """Compare two sets of areas (columns ``code``, ``households``, geometry in EPSG:4326).

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
    [['b', 'a', 50.0]]
    """
    old_g, new_g = before.geometry.to_numpy(), after.geometry.to_numpy()
    old_codes, new_codes = list(before["code"]), list(after["code"])
    households = pd.to_numeric(before["households"], errors="coerce").to_numpy(dtype=float)
    rows = _pairs(old_g, new_g, old_codes, new_codes, households)
    rows += _uncovered(old_g, new_g, old_codes, households, leaving=True)
    rows += _uncovered(new_g, old_g, new_codes, None, leaving=False)
    pieces = _pieces_frame(rows)
    transfers = pieces.drop(columns="geometry").sort_values(
        ["from_code", "to_code"], ignore_index=True
    )
    summary = _summary(before, after, transfers)
    return AreaDiff(pd.DataFrame(transfers), summary, pieces)


def _pairs(
    old_m: np.ndarray,
    new_m: np.ndarray,
    old_codes: list[str],
    new_codes: list[str],
    households: np.ndarray,
) -> list[tuple[str, str, shapely.Geometry, float]]:
    tree = shapely.STRtree(new_m)
    old_idx, new_idx = tree.query(old_m, predicate="intersects")
    moving = np.array(
        [old_codes[i] != new_codes[j] for i, j in zip(old_idx, new_idx, strict=True)], dtype=bool
    )
    old_idx, new_idx = old_idx[moving], new_idx[moving]
    # topology in the storage CRS (shared edges stay exact), measures in metres
    shared = shapely.intersection(old_m[old_idx], new_m[new_idx])
    shared_m2, old_area = area_m2(shared), area_m2(old_m)
    rows = []
    for i, j, piece, area in zip(old_idx, new_idx, shared, shared_m2, strict=True):
        if area >= MIN_PIECE_M2:
            moved = households[i] * area / old_area[i] if old_area[i] else np.nan
            rows.append((old_codes[i], new_codes[j], polygonal_part(piece), moved))
    return rows


def _uncovered(
    these: np.ndarray,
    others: np.ndarray,
    codes: list[str],
    households: np.ndarray | None,
    *,
    leaving: bool,
) -> list[tuple[str, str, shapely.Geometry, float]]:
    rest = shapely.difference(these, shapely.union_all(others)) if len(others) else these
    rest_m2, these_m2 = area_m2(rest), area_m2(these)  # metres: the cut-off is in m²
    rows = []
    for k, piece in enumerate(rest):
        area = float(rest_m2[k])
        if area < MIN_PIECE_M2:
            continue
        if leaving:
            share = (
                households[k] * area / these_m2[k]
                if households is not None and these_m2[k]
                else np.nan
            )
            rows.append((codes[k], NOWHERE, polygonal_part(piece), share))
        else:
            rows.append((NOWHERE, codes[k], polygonal_part(piece), np.nan))
    return rows


def _pieces_frame(rows: list[tuple[str, str, shapely.Geometry, float]]) -> gpd.GeoDataFrame:
    geoms = [r[2] for r in rows]
    return gpd.GeoDataFrame(
        {
            "from_code": [r[0] for r in rows],
            "to_code": [r[1] for r in rows],
            "area_m2": area_m2(geoms).tolist() if geoms else [],
            "households_moved": [None if np.isnan(r[3]) else round(float(r[3]), 1) for r in rows],
        },
        geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS),
    )


def _summary(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, transfers: pd.DataFrame
) -> pd.DataFrame:
    old = pd.Series(area_m2(before.geometry.to_numpy()), index=list(before["code"]))
    new = pd.Series(area_m2(after.geometry.to_numpy()), index=list(after["code"]))
    codes = sorted(set(old.index) | set(new.index))
    lost = transfers.groupby("from_code")["area_m2"].sum()
    gained = transfers.groupby("to_code")["area_m2"].sum()
    moved_out = transfers.groupby("from_code")["households_moved"].sum(min_count=1)
    moved_in = transfers.groupby("to_code")["households_moved"].sum(min_count=1)
    frame = pd.DataFrame(
        {
            "code": codes,
            "area_before_m2": [old.get(c) for c in codes],
            "area_after_m2": [new.get(c) for c in codes],
            "gained_m2": [float(gained.get(c, 0.0)) for c in codes],
            "lost_m2": [float(lost.get(c, 0.0)) for c in codes],
            "households_out": [moved_out.get(c) for c in codes],
            "households_in": [moved_in.get(c) for c in codes],
        }
    )
    frame.insert(1, "status", [_status(c, old, new, gained, lost) for c in codes])
    return frame


def _status(code: str, old: pd.Series, new: pd.Series, gained: pd.Series, lost: pd.Series) -> str:
    if code not in old.index:
        return "added"
    if code not in new.index:
        return "removed"
    return "changed" if gained.get(code, 0.0) or lost.get(code, 0.0) else "unchanged"
