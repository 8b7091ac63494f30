"""`AreaLookup`: one `GridIndex` per level, answering grid, community, subdistrict and district."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from gis.areas import ORDER, Level
from gis.lookup.index import GridIndex, Located

LEVEL_COLUMNS = [f"{level.value}_{what}" for level in reversed(ORDER) for what in ("code", "name")]
DEFAULT_NEAREST_M = 500.0


class AreaLookup:
    """Point lookup over areas of every level (columns ``level``, ``code``, ``name``, geometry).

    Each level is located on its own, so a district with no grids loaded still answers. Points
    outside every grid get the nearest grid within ``nearest_m`` and its distance in metres.

    Examples
    --------
    >>> from shapely import box
    >>> areas = gpd.GeoDataFrame(
    ...     {"level": ["district", "grid"], "code": ["110108", "110108010019001"],
    ...      "name": ["海淀区", "第01网格"]}, geometry=[box(0, 0, 2, 2), box(0, 0, 1, 1)], crs=4326)
    >>> found = AreaLookup(areas).locate(np.array([0.5, 1.5]), np.array([0.5, 1.5]))
    >>> found[["grid_code", "district_code"]].values.tolist()
    [['110108010019001', '110108'], ['', '110108']]
    """

    def __init__(self, areas: gpd.GeoDataFrame, *, nearest_m: float = DEFAULT_NEAREST_M) -> None:
        self.nearest_m = nearest_m
        self.indexes: dict[Level, GridIndex] = {}
        self.names: dict[str, str] = dict(zip(areas["code"], areas["name"], strict=True))
        for level in ORDER:
            rows = areas[areas["level"] == level.value]
            if not rows.empty:
                self.indexes[level] = GridIndex(rows)

    def __len__(self) -> int:
        return sum(len(index) for index in self.indexes.values())

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> pd.DataFrame:
        """One row per point: code and name per level, ``on_boundary``, nearest grid if outside."""
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        frame = pd.DataFrame(index=range(x.size))
        grids: Located | None = None
        for level in reversed(ORDER):
            index = self.indexes.get(level)
            codes = index.locate(x, y) if index is not None else None
            keys = codes.key if codes is not None else np.full(x.size, "", dtype=object)
            frame[f"{level.value}_code"] = keys
            frame[f"{level.value}_name"] = [self.names.get(k, "") for k in keys]
            grids = codes if level is Level.GRID else grids
        frame["on_boundary"] = np.zeros(x.size, bool) if grids is None else grids.on_boundary
        frame["neighbours"] = self._neighbours(x, y, grids)
        frame["nearest_grid_code"] = ""
        frame["distance_m"] = np.nan
        outside = np.flatnonzero(frame["grid_code"].to_numpy() == "")
        grid_index = self.indexes.get(Level.GRID)
        if outside.size and grid_index is not None:
            keys, metres = grid_index.nearest(x[outside], y[outside], self.nearest_m)
            frame.loc[outside, "nearest_grid_code"] = keys
            frame.loc[outside, "distance_m"] = metres
        return frame

    def _neighbours(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], grids: Located | None
    ) -> npt.NDArray[np.object_]:
        """Per point, the other grids on whose boundary it lies (only points on a boundary)."""
        found = np.empty(x.size, dtype=object)
        found.fill(())
        index = self.indexes.get(Level.GRID)
        if grids is None or index is None:
            return found
        edge = np.flatnonzero(grids.on_boundary)
        if edge.size:
            found[edge] = index.neighbours(x[edge], y[edge], grids.position[edge])
        return found

    def grid_codes(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """The code of the grid containing each point ("" outside every grid), vectorised.

        Examples
        --------
        >>> from shapely import box
        >>> areas = gpd.GeoDataFrame({"level": ["grid"], "code": ["110108010019001"],
        ...                           "name": ["第01网格"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
        >>> AreaLookup(areas).grid_codes([0.5, 2.0], [0.5, 0.5]).tolist()
        ['110108010019001', '']
        """
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        grids = self.indexes.get(Level.GRID)
        if grids is None:
            return np.full(x.shape, "", dtype=str)
        return grids.locate(x, y).key

    def locate_one(self, lon: float, lat: float) -> dict[str, object]:
        """One point, as a dict with the columns of `locate` (a fast path for single lookups).

        Examples
        --------
        >>> from shapely import box
        >>> areas = gpd.GeoDataFrame({"level": ["grid"], "code": ["110108010019001"],
        ...                           "name": ["第01网格"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
        >>> AreaLookup(areas).locate_one(0.5, 0.5)["grid_name"]
        '第01网格'
        """
        answer: dict[str, object] = {}
        grid_code, on_boundary = "", False
        for level in reversed(ORDER):
            index = self.indexes.get(level)
            code, edge = index.locate_one(lon, lat) if index is not None else ("", False)
            answer[f"{level.value}_code"] = code
            answer[f"{level.value}_name"] = self.names.get(code, "")
            if level is Level.GRID:
                grid_code, on_boundary = code, edge
        answer["on_boundary"] = on_boundary
        answer["neighbours"] = ()
        grids = self.indexes.get(Level.GRID)
        if on_boundary and grids is not None:
            own = int(np.searchsorted(grids.keys, grid_code)) if grid_code else -1
            answer["neighbours"] = grids.neighbours([lon], [lat], [own])[0]
        answer["nearest_grid_code"], answer["distance_m"] = "", None
        if not answer["grid_code"] and grids is not None:
            keys, metres = grids.nearest(np.array([lon]), np.array([lat]), self.nearest_m)
            if keys[0]:
                answer["nearest_grid_code"], answer["distance_m"] = str(keys[0]), float(metres[0])
        return answer
