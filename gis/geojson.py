"""GeoJSON (RFC 7946) features from area tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis import clock
from gis.areas import AREA_FIELDS

PROPERTIES = AREA_FIELDS


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, dict | list) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return clock.iso(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def feature(row: Any, geometry: shapely.Geometry) -> dict[str, Any]:
    """One area as a GeoJSON Feature whose ``id`` is its code."""
    properties = {name: _plain(getattr(row, name)) for name in PROPERTIES if hasattr(row, name)}
    return {
        "type": "Feature",
        "id": row.code,
        "geometry": shapely.geometry.mapping(geometry),
        "properties": properties,
    }


def feature_collection(areas: gpd.GeoDataFrame) -> dict[str, Any]:
    """Areas (EPSG:4326) as a GeoJSON FeatureCollection with a bbox.

    Examples
    --------
    >>> feature_collection(gpd.GeoDataFrame(geometry=[]))["features"]
    []
    """
    features = [
        feature(row, geometry)
        for row, geometry in zip(areas.itertuples(), areas.geometry, strict=True)
    ]
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if features:
        collection["bbox"] = [round(v, 7) for v in areas.total_bounds]
    return collection
