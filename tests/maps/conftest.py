"""Fixtures of the map tests: the shipped 学院路 sample's four levels, as the pages take them."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

BOUNDARIES = Path(__file__).parents[2] / "data" / "boundaries"


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    frames = []
    for level, name in [
        ("grid", "grids"),
        ("community", "communities"),
        ("subdistrict", "subdistrict"),
        ("district", "district"),
    ]:
        frame = gpd.read_file(BOUNDARIES / f"xueyuanlu_{name}.geojson")
        frame["level"] = level
        frames.append(frame)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
