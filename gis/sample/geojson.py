"""Write the sample levels as RFC 7946 GeoJSON files, one feature per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
DECIMALS = 7
FILE_PREFIX = "xueyuanlu"
FILE_LEVELS = {
    "district": "district",
    "subdistrict": "subdistrict",
    "communities": "communities",
    "grids": "grids",
}


def feature_collection_text(frame: gpd.GeoDataFrame, name: str) -> str:
    """Serialise a GeoDataFrame in EPSG:4326 as GeoJSON text.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Polygonal features; every non-geometry column becomes a property.
    name : str
        The collection's ``name`` member.

    Returns
    -------
    str
        UTF-8 ready text, Chinese unescaped, coordinates rounded to ``DECIMALS``, a top-level
        ``attribution`` member, one feature per line.
    """
    columns = [column for column in frame.columns if column != frame.geometry.name]
    features = [
        json.dumps(
            {
                "type": "Feature",
                "properties": {column: _plain(row[column]) for column in columns},
                "geometry": _rounded(shapely.geometry.mapping(row[frame.geometry.name])),
            },
            ensure_ascii=False,
        )
        for _, row in frame.iterrows()
    ]
    head = json.dumps(
        {"type": "FeatureCollection", "name": name, "attribution": ATTRIBUTION}, ensure_ascii=False
    )
    return head[:-1] + ', "features": [\n' + ",\n".join(features) + "\n]}\n"


def write_levels(levels: dict[str, gpd.GeoDataFrame], out_dir: Path) -> list[Path]:
    """Write ``xueyuanlu_<level>.geojson`` files into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for key, frame in levels.items():
        stem = f"{FILE_PREFIX}_{FILE_LEVELS[key]}"
        path = out_dir / f"{stem}.geojson"
        path.write_text(feature_collection_text(frame, stem), encoding="utf-8")
        written.append(path)
    return written


def _plain(value: Any) -> Any:
    """Numpy scalars → Python numbers, so ``json`` can write them."""
    return value.item() if hasattr(value, "item") else value


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value
