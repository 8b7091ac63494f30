"""The one place that turns lon/lat into Folium's lat/lon order, and shifts for GCJ-02 tiles."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import wgs84_to_gcj02


def leaflet_bounds(bounds: tuple[float, float, float, float] | np.ndarray) -> list[list[float]]:
    """(west, south, east, north) → Leaflet's [[south, west], [north, east]].

    Examples
    --------
    >>> leaflet_bounds((116.34, 39.99, 116.36, 40.01))
    [[39.99, 116.34], [40.01, 116.36]]
    """
    west, south, east, north = (float(v) for v in bounds)
    return [[south, west], [north, east]]


def latlon(lon: float, lat: float) -> list[float]:
    """(lon, lat) → Leaflet's [lat, lon].

    Examples
    --------
    >>> latlon(116.35, 40.0)
    [40.0, 116.35]
    """
    return [float(lat), float(lon)]


def to_gcj02(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shift WGS84 geometries onto GCJ-02 (for Amap tiles), keeping every other column."""
    shifted = shapely.transform(
        frame.geometry.to_numpy(),
        lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
    )
    return frame.set_geometry(gpd.GeoSeries(shifted, index=frame.index, crs=frame.crs))
