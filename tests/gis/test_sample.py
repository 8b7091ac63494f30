"""Tests of the 学院路 sample boundaries (gis.sample) and of the committed files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.numbering import grid_order
from gis.sample import ATTRIBUTION, build_sample
from gis.sample.communities import community_of
from gis.sample.faces import street_faces
from gis.sample.geojson import feature_collection_text
from gis.sample.grids import parse_levels
from gis.sample.split import weighted_quantiles

REPO = Path(__file__).parents[2]
BOUNDARIES = REPO / "data" / "boundaries"
SHARED = Path(__file__).parents[2].parent / "shared" / "data"
OSM = SHARED / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
ROADS = SHARED / "osm" / "osm_roads_beijing_haidian_cau.geojson"
CODES = SHARED / "admin_divisions" / "nbs2023_haidian_110108_communities.csv"
LEVELS = ("district", "subdistrict", "communities", "grids")
DIGITS = {"district": 6, "subdistrict": 9, "community": 12, "grid": 15}
METRIC = "EPSG:32650"
TOLERANCE_M2 = 1.0


def _path(level: str) -> Path:
    return BOUNDARIES / f"xueyuanlu_{level}.geojson"


@pytest.fixture(scope="module")
def files() -> dict[str, gpd.GeoDataFrame]:
    return {level: gpd.read_file(_path(level)) for level in LEVELS}


@pytest.fixture(scope="module")
def metric(files: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    return {level: frame.to_crs(METRIC) for level, frame in files.items()}


def _overlap_area(geoms: np.ndarray) -> float:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    return float(shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]])).sum())


def _tiles(parts: gpd.GeoSeries, whole: shapely.Geometry) -> tuple[float, float, float]:
    """Gap, overlap and outside area (m²) of ``parts`` against ``whole``."""
    geoms = parts.to_numpy()
    union = shapely.union_all(geoms)
    gap = shapely.difference(whole, union).area
    outside = shapely.difference(union, whole).area
    return gap, _overlap_area(geoms), outside


# --- committed files -------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_file_is_rfc7946_with_attribution(level: str) -> None:
    text = _path(level).read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["type"] == "FeatureCollection"
    assert document["attribution"] == ATTRIBUTION
    assert "crs" not in document
    assert "\\u" not in text  # Chinese and © written as UTF-8, not escaped


@pytest.mark.parametrize("level", LEVELS)
def test_coordinates_have_at_most_seven_decimals(level: str) -> None:
    text = _path(level).read_text(encoding="utf-8")
    coordinates = text[text.index('"coordinates"') :]
    assert not re.search(r"\d\.\d{8,}", coordinates)


@pytest.mark.parametrize("level", LEVELS)
def test_columns_and_geometries(files: dict[str, gpd.GeoDataFrame], level: str) -> None:
    frame = files[level]
    assert {"code", "name", "level", "parent_code", "households", "population"} <= set(frame)
    assert frame.crs.to_epsg() == 4326
    assert frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert frame.is_valid.all() and not frame.is_empty.any()
    assert frame["code"].is_unique


@pytest.mark.parametrize("level", LEVELS)
def test_code_lengths_and_parents(files: dict[str, gpd.GeoDataFrame], level: str) -> None:
    frame = files[level]
    for code, kind, parent in zip(frame["code"], frame["level"], frame["parent_code"], strict=True):
        assert re.fullmatch(rf"\d{{{DIGITS[kind]}}}", code)
        if kind != "district":
            assert code.startswith(parent) and len(parent) == DIGITS[kind] - 3


def test_codes_are_real_nbs_community_codes(files: dict[str, gpd.GeoDataFrame]) -> None:
    table = pd.read_csv(CODES, dtype=str) if CODES.exists() else None
    communities = files["communities"]
    assert communities["code"].str.startswith("110108010").all()
    assert (communities["short_name"] + "居委会" == communities["name"]).all()
    if table is not None:
        names = dict(zip(table["village_code"], table["village"], strict=True))
        assert all(
            names[c] == n for c, n in zip(communities["code"], communities["name"], strict=True)
        )


def test_levels_and_counts(files: dict[str, gpd.GeoDataFrame]) -> None:
    assert files["district"].loc[0, ["code", "name", "extent"]].tolist() == [
        "110108",
        "海淀区",
        "sample",
    ]
    assert files["subdistrict"].loc[0, ["code", "name"]].tolist() == ["110108010", "学院路街道"]
    assert 4 <= len(files["communities"]) <= 10
    assert 20 <= len(files["grids"]) <= 60
    assert set(files["grids"]["parent_code"]) == set(files["communities"]["code"])


def test_grid_names_follow_their_sequence(files: dict[str, gpd.GeoDataFrame]) -> None:
    short = files["communities"].set_index("code")["short_name"]
    for code, name, parent in files["grids"][["code", "name", "parent_code"]].itertuples(
        index=False
    ):
        assert name == f"{short[parent]}第{code[-2:]}网格"


def test_grids_tile_each_community(metric: dict[str, gpd.GeoDataFrame]) -> None:
    grids = metric["grids"]
    for code, community in metric["communities"].set_index("code").geometry.items():
        gap, overlap, outside = _tiles(grids.geometry[grids["parent_code"] == code], community)
        assert gap < TOLERANCE_M2 and overlap < TOLERANCE_M2 and outside < TOLERANCE_M2, code


def test_each_grid_lies_inside_its_community(metric: dict[str, gpd.GeoDataFrame]) -> None:
    communities = metric["communities"].set_index("code").geometry
    grids = metric["grids"]
    outside = shapely.difference(
        grids.geometry.to_numpy(), communities[grids["parent_code"]].to_numpy()
    )
    assert shapely.area(outside).max() < TOLERANCE_M2


def test_communities_tile_the_subdistrict(metric: dict[str, gpd.GeoDataFrame]) -> None:
    gap, overlap, outside = _tiles(
        metric["communities"].geometry, metric["subdistrict"].geometry[0]
    )
    assert gap < TOLERANCE_M2 and overlap < TOLERANCE_M2 and outside < TOLERANCE_M2


def test_district_is_the_sample_extent(metric: dict[str, gpd.GeoDataFrame]) -> None:
    difference = (
        metric["district"].geometry[0].symmetric_difference(metric["subdistrict"].geometry[0])
    )
    assert difference.area < TOLERANCE_M2


@pytest.mark.parametrize("level", ["communities", "grids"])
def test_levels_are_valid_coverages(files: dict[str, gpd.GeoDataFrame], level: str) -> None:
    assert shapely.coverage_is_valid(files[level].geometry.to_numpy())


def test_grid_numbering_is_north_to_south_rows_west_to_east(
    metric: dict[str, gpd.GeoDataFrame],
) -> None:
    for _, grids in metric["grids"].groupby("parent_code"):
        centroids = grids.geometry.centroid
        expected = grids["code"].to_numpy()[grid_order(centroids.x, centroids.y)]
        assert expected.tolist() == sorted(grids["code"])
        assert [int(code[-3:]) for code in sorted(grids["code"])] == list(range(1, len(grids) + 1))


def test_households_are_non_negative_integers_that_add_up(
    files: dict[str, gpd.GeoDataFrame],
) -> None:
    for frame in files.values():
        for column in ("households", "population"):
            assert pd.api.types.is_integer_dtype(frame[column]) and (frame[column] >= 0).all()
    grids, communities = files["grids"], files["communities"].set_index("code")
    sums = grids.groupby("parent_code")[["households", "population"]].sum()
    assert sums.equals(
        communities.loc[sums.index, ["households", "population"]].rename_axis("parent_code")
    )
    total = communities[["households", "population"]].sum().tolist()
    assert files["subdistrict"].loc[0, ["households", "population"]].tolist() == total
    assert files["district"].loc[0, ["households", "population"]].tolist() == total
    assert total[0] > 0


# --- the build ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not OSM.exists(), reason="../shared/data is not available")
def test_rebuild_equals_committed_files() -> None:
    sample = build_sample(OSM, ROADS, CODES)
    for level, frame in sample.levels().items():
        expected = _path(level).read_text(encoding="utf-8")
        assert feature_collection_text(frame, f"xueyuanlu_{level}") == expected, level


# --- helpers --------------------------------------------------------------------------------------


def test_street_faces_tile_the_area() -> None:
    square = shapely.box(0, 0, 100, 100)
    lines = [shapely.LineString([(50, -10), (50, 110)]), shapely.LineString([(0, 50), (120, 50)])]
    faces = street_faces(square, lines)
    assert len(faces) == 4
    assert shapely.union_all(faces).symmetric_difference(square).area < 1e-9
    assert faces[0].centroid.y > faces[-1].centroid.y  # north first


def test_street_faces_ignore_dangles() -> None:
    square = shapely.box(0, 0, 100, 100)
    assert len(street_faces(square, [shapely.LineString([(50, 0), (50, 60)])])) == 1


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("中国农业大学东校区", "110108010019"),
        ("石油化工科学研究院", "110108010021"),
        ("北京石油学院附属中学", "110108010018"),
        ("中国矿业大学（北京）", "110108010027"),
        ("星巴克", None),
        (None, None),
    ],
)
def test_community_keywords(name: str | None, code: str | None) -> None:
    assert community_of(name) == code


def test_grid_order_rows() -> None:
    # two grids 100 m apart north-south share a row; the one 400 m south starts a new row
    order = grid_order([300, 0, 100], [1000, 900, 600])
    assert order.tolist() == [1, 0, 2]


def test_weighted_quantiles_fall_between_points() -> None:
    assert weighted_quantiles([0, 10, 20, 30, 40, 50], [1] * 6, 3) == [15.0, 35.0]


@pytest.mark.parametrize(("tag", "levels"), [("14", 14.0), ("", 6.0), (None, 6.0), ("3.5", 3.5)])
def test_parse_levels(tag: str | None, levels: float) -> None:
    assert parse_levels(tag) == levels


def test_overlaps_are_detected() -> None:
    geoms = np.array([shapely.box(0, 0, 2, 2), shapely.box(1, 0, 3, 2)], dtype=object)
    assert _overlap_area(geoms) == pytest.approx(2.0)
