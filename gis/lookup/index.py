"""`GridIndex`: exact, fast point-in-polygon for one set of areas."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from gis.geometry import to_metric
from gis.lookup import kernels
from gis.lookup.raster import build_raster


@dataclass(frozen=True)
class Located:
    """Answers for an array of points: position of the area (-1 outside), its key, boundary flag."""

    position: npt.NDArray[np.int32]
    key: npt.NDArray[np.str_]
    on_boundary: npt.NDArray[np.bool_]


class GridIndex:
    """An index over polygons (EPSG:4326) answering which one contains each point.

    Parameters
    ----------
    frame : GeoDataFrame
        The areas, in EPSG:4326.
    key : str
        Column naming each area (default ``code``); ties on shared edges go to the lowest key.

    Examples
    --------
    >>> from shapely import box
    >>> grids = gpd.GeoDataFrame({"code": ["b", "a"]}, geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)])
    >>> found = GridIndex(grids).locate(np.array([0.5, 1.0, 3.0]), np.array([0.5, 0.5, 0.5]))
    >>> found.key.tolist(), found.on_boundary.tolist()
    (['a', 'a', ''], [False, True, False])
    """

    def __init__(self, frame: gpd.GeoDataFrame, key: str = "code") -> None:
        order = np.argsort(frame[key].astype(str).to_numpy(), kind="stable")
        self.keys = frame[key].astype(str).to_numpy()[order].astype(str)
        self._keys_or_blank = np.append(self.keys, "")  # position -1 picks the blank
        self.geoms = np.asarray(frame.geometry.to_numpy()[order], dtype=object)
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.raster = build_raster(self.geoms) if len(self.keys) else None
        self._args = self.raster.kernel_args() if self.raster is not None else ()

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        """Memory of the raster arrays (the polygons and tree come on top)."""
        return self.raster.nbytes if self.raster is not None else 0

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Located:
        """The area containing each point (lowest key on shared edges), vectorised."""
        x = np.ascontiguousarray(lon, dtype=np.float64)
        y = np.ascontiguousarray(lat, dtype=np.float64)
        if self.raster is None:
            empty = np.full(x.shape, -1, dtype=np.int32)
            return Located(empty, self._keys_or_blank[empty], np.zeros(x.shape, dtype=bool))
        position, on_boundary, uncertain = kernels.locate_many(x.ravel(), y.ravel(), *self._args)
        hard = np.flatnonzero(uncertain)
        if hard.size:
            exact = self._locate_exactly(x.ravel()[hard], y.ravel()[hard])
            position[hard], on_boundary[hard] = exact.position, exact.on_boundary
        position, on_boundary = position.reshape(x.shape), on_boundary.reshape(x.shape)
        return Located(position, self._keys_or_blank[position], on_boundary)

    def locate_one(self, lon: float, lat: float) -> tuple[str, bool]:
        """The key of the area containing one point ("" outside) and its on-boundary flag.

        Examples
        --------
        >>> from shapely import box
        >>> index = GridIndex(gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 1, 1)]))
        >>> index.locate_one(0.5, 0.5), index.locate_one(1.0, 0.5), index.locate_one(2.0, 0.5)
        (('a', False), ('a', True), ('', False))
        """
        if self.raster is None:
            return "", False
        position, on_boundary, uncertain = kernels.locate_point(lon, lat, *self._args)
        if uncertain:
            exact = self._locate_exactly(np.array([lon]), np.array([lat]))
            position, on_boundary = int(exact.position[0]), bool(exact.on_boundary[0])
        return str(self._keys_or_blank[position]), bool(on_boundary)

    def _locate_exactly(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Located:
        """GEOS's answer (STRtree + intersects), for points the kernel could not decide."""
        position = np.full(x.shape, -1, dtype=np.int32)
        on_boundary = np.zeros(x.shape, dtype=bool)
        if len(self.keys) and x.size:
            points = shapely.points(x, y)
            point_idx, area_idx = self.tree.query(points, predicate="intersects")
            # lowest position = lowest key, as areas are sorted by key
            order = np.lexsort((area_idx, point_idx))
            point_idx, area_idx = point_idx[order], area_idx[order]
            first = np.ones(point_idx.size, dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            position[point_idx[first]] = area_idx[first]
            counts = np.bincount(point_idx, minlength=x.size)
            on_boundary = counts > 1
            single = point_idx[first]
            touching = shapely.touches(self.geoms[position[single]], points[single])
            on_boundary[single[touching]] = True
        return Located(position, self._keys_or_blank[position], on_boundary)

    def neighbours(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, position: npt.ArrayLike
    ) -> npt.NDArray[np.object_]:
        """Per point, the keys (sorted) of the areas but ``position`` whose boundary it is on.

        Meant for the points `locate` flags ``on_boundary`` (few): GEOS answers each. An empty
        tuple says no other area shares the boundary there (the edge of the covered ground).

        Examples
        --------
        >>> from shapely import box
        >>> frame = gpd.GeoDataFrame({"code": ["b", "a", "c"]},
        ...                          geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1), box(0, 1, 1, 2)])
        >>> index = GridIndex(frame)
        >>> x, y = np.array([1.0, 0.5, 0.0]), np.array([1.0, 1.0, 0.5])
        >>> index.neighbours(x, y, index.locate(x, y).position).tolist()
        [('b', 'c'), ('c',), ()]
        """
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        found = np.empty(x.shape, dtype=object)
        found.fill(())
        if not len(self.keys) or not x.size:
            return found
        own = np.asarray(position)
        point_idx, area_idx = self.tree.query(shapely.points(x, y), predicate="intersects")
        other = area_idx != own[point_idx]
        point_idx, area_idx = point_idx[other], area_idx[other]
        order = np.lexsort((area_idx, point_idx))  # areas by position = by key
        for point in np.unique(point_idx):
            found[point] = tuple(self.keys[area_idx[order][point_idx[order] == point]].tolist())
        return found

    def nearest(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, max_distance_m: float
    ) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.float64]]:
        """The nearest area within ``max_distance_m`` of each point ("" and NaN beyond)."""
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        keys = np.full(x.shape, "", dtype=self.keys.dtype)
        distance = np.full(x.shape, np.nan)
        if not len(self.keys) or not x.size:
            return keys, distance
        points = shapely.points(x, y)
        degrees = max_distance_m / 111_000 / max(np.cos(np.radians(np.nanmax(np.abs(y)))), 0.01)
        point_idx, area_idx = self.tree.query_nearest(
            points, max_distance=degrees, all_matches=False
        )
        if point_idx.size:
            # each area projected once (not once per point near it): one UTM zone for all
            areas, which = np.unique(area_idx, return_inverse=True)
            metric, _ = to_metric(np.concatenate([points[point_idx], self.geoms[areas]]))
            metres = shapely.distance(metric[: point_idx.size], metric[point_idx.size :][which])
            near = metres <= max_distance_m
            keys[point_idx[near]] = self.keys[area_idx[near]]
            distance[point_idx[near]] = metres[near]
        return keys, distance
