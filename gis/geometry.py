"""Metric measures of geometries stored in EPSG:4326 (computed in a local UTM projection)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from gis.crs import STORAGE_SRID, utm_crs_for

WGS84 = pyproj.CRS.from_epsg(STORAGE_SRID)


def to_metric(geoms: npt.ArrayLike) -> tuple[npt.NDArray[np.object_], pyproj.CRS]:
    """Project EPSG:4326 geometries to the UTM zone of their centre; returns them and the CRS.

    Examples
    --------
    >>> from shapely import box
    >>> projected, crs = to_metric([box(116.34, 39.99, 116.35, 40.0)])
    >>> crs.to_epsg()
    32650
    >>> to_metric([shapely.Polygon()])[1].to_epsg()  # nothing to place: left as it is
    4326
    """
    array = np.asarray(geoms, dtype=object)
    bounds = shapely.total_bounds(array) if array.size else np.full(4, np.nan)
    if not np.isfinite(bounds).all():  # no geometry, or only empty ones
        return array, WGS84
    west, south, east, north = bounds
    metric = utm_crs_for((west + east) / 2, (south + north) / 2)
    transformer = pyproj.Transformer.from_crs(WGS84, metric, always_xy=True)
    projected = shapely.transform(
        array, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
    return projected, metric


def area_m2(geoms: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Areas in square metres of EPSG:4326 geometries.

    Examples
    --------
    >>> from shapely import box
    >>> round(float(area_m2([box(116.34, 39.99, 116.35, 40.0)])[0]))
    947550
    """
    projected, _ = to_metric(geoms)
    return np.asarray(shapely.area(projected), dtype=np.float64)


def area_km2(geoms: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Areas in square kilometres of EPSG:4326 geometries."""
    return area_m2(geoms) / 1e6


def polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a geometry (collections keep only their polygonal members).

    Examples
    --------
    >>> from shapely import GeometryCollection, LineString, Polygon
    >>> g = GeometryCollection([Polygon([(0, 0), (1, 0), (1, 1)]), LineString([(0, 0), (2, 2)])])
    >>> polygonal_part(g).geom_type
    'MultiPolygon'
    """
    parts = shapely.get_parts(geometry)
    polygons = [part for part in parts if shapely.get_type_id(part) in (3, 6)]
    return shapely.multipolygons(shapely.get_parts(polygons)) if polygons else shapely.Polygon()
