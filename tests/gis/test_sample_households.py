"""The sample's households have one source: the standard-address registry (issue 15).

Every area of ``data/boundaries`` holds the sum of the registry's counts inside it, the
registry keeps every building once loaded (no two normalise alike), and a grid with a home in
it never shows 0.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis.incidents.addresses import normalise
from gis.sample.build import households_inside
from gis.settings import SAMPLE_ADDRESSES, SAMPLE_DIR

SHARED = Path(__file__).parents[2].parent / "shared" / "data"
OSM = SHARED / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
FILES = {
    "grid": "xueyuanlu_grids.geojson",
    "community": "xueyuanlu_communities.geojson",
    "subdistrict": "xueyuanlu_subdistrict.geojson",
    "district": "xueyuanlu_district.geojson",
}


@pytest.fixture(scope="module")
def registry() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE_ADDRESSES)


def counted_inside(area: shapely.Geometry, registry: gpd.GeoDataFrame) -> int:
    """The registry's households inside ``area``, counted here without the builder's code."""
    inside = shapely.covered_by(registry.geometry.to_numpy(), area)
    return int(registry.loc[inside, "households"].fillna(0).sum())


@pytest.mark.parametrize("level", FILES)
def test_every_area_holds_the_registry_households_inside_it(
    level: str, registry: gpd.GeoDataFrame
) -> None:
    areas = gpd.read_file(SAMPLE_DIR / FILES[level])
    for code, area, households in zip(
        areas["code"], areas.geometry, areas["households"], strict=True
    ):
        assert households == counted_inside(area, registry), code


def test_the_registry_and_the_areas_agree_in_total(registry: gpd.GeoDataFrame) -> None:
    district = gpd.read_file(SAMPLE_DIR / FILES["district"])
    assert int(registry["households"].fillna(0).sum()) == int(district["households"].iloc[0])
    assert int(district["households"].iloc[0]) == 5_553


def test_building_addresses_stay_distinct_once_normalised(registry: gpd.GeoDataFrame) -> None:
    # the registry is keyed on the normalised form: twins would be merged on import
    keys = registry["address"].map(normalise)
    assert keys.is_unique
    assert (keys == registry["normalized"]).all()


def test_no_grid_with_a_home_shows_zero(registry: gpd.GeoDataFrame) -> None:
    grids = gpd.read_file(SAMPLE_DIR / FILES["grid"])
    homes = registry[registry["households"].fillna(0) > 0]
    holds_home = [shapely.covered_by(homes.geometry.to_numpy(), g).any() for g in grids.geometry]
    assert sum(holds_home) == 16
    assert (grids.loc[holds_home, "households"] > 0).all()
    assert (grids.loc[[not h for h in holds_home], "households"] == 0).all()


def test_population_follows_households_per_grid() -> None:
    grids = gpd.read_file(SAMPLE_DIR / FILES["grid"])
    assert (grids["population"] == (grids["households"] * 2.31).round().astype(int)).all()


def test_a_home_on_a_shared_edge_counts_once() -> None:
    west, east = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    homes = gpd.GeoDataFrame(
        {"households": [4, 6, None]}, geometry=gpd.points_from_xy([1.0, 1.5, 0.5], [0.5] * 3)
    )
    assert households_inside([west, east], homes).tolist() == [4, 6]


@pytest.mark.slow
@pytest.mark.skipif(not OSM.exists(), reason="../shared/data is not available")
def test_rebuilt_registry_equals_the_committed_file(registry: gpd.GeoDataFrame) -> None:
    from gis.sample import build_sample
    from gis.sample.addresses import build_addresses

    roads = SHARED / "osm" / "osm_roads_beijing_haidian_cau.geojson"
    codes = SHARED / "admin_divisions" / "nbs2023_haidian_110108_communities.csv"
    sample = build_sample(OSM, roads, codes)
    assert sample.homes is not None
    built = build_addresses(
        OSM, SHARED / "addresses" / "osm_addresses_sample_wgs84.csv", sample.homes
    )
    assert built["address"].tolist() == registry["address"].tolist()
    assert pd.Series(built["households"].tolist()).fillna(-1).tolist() == (
        registry["households"].fillna(-1).tolist()
    )
    assert sample.grids["households"].tolist() == (
        gpd.read_file(SAMPLE_DIR / FILES["grid"])["households"].tolist()
    )
