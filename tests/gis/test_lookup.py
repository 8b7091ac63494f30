"""GridIndex and AreaLookup: identical to a geometric intersects test, including edges and vertices."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import box

from gis.lookup import AreaLookup, GridIndex, raster
from gis.synthetic import synthetic_coverage, voronoi_coverage

SAMPLE = Path(__file__).parents[2] / "data" / "boundaries"


def sjoin_answer(
    grids: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The reference: lowest intersecting code per point, and how many areas intersect it."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    joined = gpd.sjoin(points, grids[["code", "geometry"]], predicate="intersects")
    first = joined.sort_values("code").groupby(level=0)["code"].first()
    answer = np.full(len(x), "", dtype=object)
    answer[first.index.to_numpy()] = first.to_numpy()
    counts = np.bincount(joined.index.to_numpy(), minlength=len(x))
    return answer, counts


def awkward_points(
    grids: gpd.GeoDataFrame, count: int, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Random points plus every vertex, edge midpoints and points interpolated along edges."""
    rng = np.random.default_rng(seed)
    west, south, east, north = grids.total_bounds
    pad = 0.05 * (east - west)
    x = rng.uniform(west - pad, east + pad, count)
    y = rng.uniform(south - pad, north + pad, count)
    rings = shapely.get_exterior_ring(grids.geometry.explode().to_numpy())
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    t = rng.uniform(0, 1, (len(a), 1))
    on_edges = a + t * (b - a)
    middles = (a + b) / 2
    all_x = np.concatenate([x, coords[:, 0], middles[:, 0], on_edges[:, 0]])
    all_y = np.concatenate([y, coords[:, 1], middles[:, 1], on_edges[:, 1]])
    return all_x, all_y


def assert_same_as_sjoin(grids: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> None:
    found = GridIndex(grids).locate(x, y)
    expected, counts = sjoin_answer(grids, x, y)
    mismatched = np.flatnonzero(found.key.astype(object) != expected)
    assert mismatched.size == 0, list(
        zip(x[mismatched][:5], y[mismatched][:5], expected[mismatched][:5], strict=True)
    )
    assert found.on_boundary[counts > 1].all()  # shared edges and vertices are flagged


def test_same_as_sjoin_on_the_sample() -> None:
    grids = gpd.read_file(SAMPLE / "xueyuanlu_grids.geojson")
    x, y = awkward_points(grids, 200_000)
    assert_same_as_sjoin(grids, x, y)


def test_same_as_sjoin_on_a_synthetic_coverage() -> None:
    grids = synthetic_coverage(12, 15, per_edge=24, seed=3)
    x, y = awkward_points(grids, 200_000)
    assert_same_as_sjoin(grids, x, y)


def test_same_as_sjoin_with_overlaps_and_holes() -> None:
    outer = shapely.Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 2, 2).exterior.coords])
    grids = gpd.GeoDataFrame(
        {"code": ["c", "a", "b", "d"]},
        geometry=[outer, box(3, 3, 5, 5), box(1.25, 1.25, 1.75, 1.75), box(6, 0, 7, 1)],
        crs=4326,
    )
    x, y = awkward_points(grids, 50_000)
    assert_same_as_sjoin(grids, x, y)
    found = GridIndex(grids).locate(np.array([1.5, 1.1, 3.5, 2.5]), np.array([1.5, 1.1, 3.5, 2.5]))
    assert found.key.tolist() == [
        "b",
        "",
        "a",
        "c",
    ]  # inside the hole's island, in the hole, overlap → lowest
    assert found.on_boundary.tolist() == [False, False, True, False]


def test_points_on_shared_edge_and_vertex_get_lowest_code() -> None:
    grids = gpd.GeoDataFrame(
        {"code": ["002", "001", "003", "004"]},
        geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)],
    )
    found = GridIndex(grids).locate(np.array([1.0, 1.0, 0.5, 0.0]), np.array([0.5, 1.0, 1.0, 0.5]))
    assert found.key.tolist() == ["001", "001", "001", "001"]
    assert found.on_boundary.tolist() == [True, True, True, True]


def test_locate_one_matches_locate() -> None:
    grids = gpd.read_file(SAMPLE / "xueyuanlu_grids.geojson")
    index = GridIndex(grids)
    x, y = awkward_points(grids, 2_000)
    many = index.locate(x, y)
    ones = [index.locate_one(float(a), float(b)) for a, b in zip(x, y, strict=True)]
    assert [k for k, _ in ones] == many.key.tolist()
    assert [b for _, b in ones] == many.on_boundary.tolist()


def test_nan_and_far_points_are_outside() -> None:
    index = GridIndex(gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 1, 1)]))
    found = index.locate(np.array([np.nan, 0.5, 100.0, -100.0]), np.array([0.5, np.nan, 0.5, 0.5]))
    assert found.key.tolist() == ["", "", "", ""] and found.position.tolist() == [-1, -1, -1, -1]


def test_empty_index() -> None:
    index = GridIndex(gpd.GeoDataFrame({"code": []}, geometry=[]))
    assert index.locate(np.array([1.0]), np.array([1.0])).key.tolist() == [""]
    assert index.locate_one(1.0, 1.0) == ("", False)


def test_nearest_within_radius_in_metres() -> None:
    grid = box(116.35, 40.0, 116.36, 40.01)
    index = GridIndex(gpd.GeoDataFrame({"code": ["a"]}, geometry=[grid], crs=4326))
    # 0.001° of latitude north of the top edge ≈ 111 m
    keys, metres = index.nearest(np.array([116.355, 116.355]), np.array([40.011, 40.05]), 500.0)
    assert keys.tolist() == ["a", ""]
    assert metres[0] == pytest.approx(111.0, rel=0.01) and np.isnan(metres[1])


def test_area_lookup_answers_every_level_even_without_grids() -> None:
    areas = gpd.GeoDataFrame(
        {
            "level": ["district", "subdistrict", "community", "grid"],
            "code": ["110108", "110108010", "110108010019", "110108010019001"],
            "name": ["海淀区", "学院路街道", "农大社区", "第01网格"],
        },
        geometry=[
            box(116.0, 39.8, 116.5, 40.2),
            box(116.3, 39.95, 116.4, 40.05),
            box(116.34, 39.99, 116.36, 40.01),
            box(116.34, 39.99, 116.35, 40.01),
        ],
        crs=4326,
    )
    found = AreaLookup(areas).locate(
        np.array([116.345, 116.355, 116.1]), np.array([40.0, 40.0, 40.1])
    )
    assert found["grid_code"].tolist() == ["110108010019001", "", ""]
    assert found["community_name"].tolist() == ["农大社区", "农大社区", ""]
    assert found["district_code"].tolist() == ["110108", "110108", "110108"]
    assert found["nearest_grid_code"].tolist() == ["", "110108010019001", ""]
    assert found["distance_m"].iloc[1] == pytest.approx(
        426, rel=0.02
    )  # 0.005° of longitude at 40°N


# --- issue 11, item 23: on a shared edge, the grids that share it


def test_item23_neighbours_name_the_other_grids_at_the_point() -> None:
    areas = gpd.GeoDataFrame(
        {
            "level": ["grid"] * 4,
            "code": ["g1", "g2", "g3", "g4"],
            "name": ["1", "2", "3", "4"],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)],
        crs=4326,
    )
    lookup = AreaLookup(areas)
    x, y = np.array([1.0, 0.5, 0.5, 0.0]), np.array([1.0, 1.0, 0.5, 0.5])
    found = lookup.locate(x, y)
    assert found["grid_code"].tolist() == ["g1", "g1", "g1", "g1"]
    assert found["on_boundary"].tolist() == [True, True, False, True]
    assert found["neighbours"].tolist() == [("g2", "g3", "g4"), ("g3",), (), ()]
    assert lookup.locate_one(1.0, 1.0)["neighbours"] == ("g2", "g3", "g4")
    assert lookup.locate_one(0.5, 0.5)["neighbours"] == ()


# --- issue 16: any density and size


def test_same_as_sjoin_on_dense_voronoi_cells() -> None:
    grids = voronoi_coverage(3_000, spacing_m=70, seed=5)
    x, y = awkward_points(grids, 200_000)
    assert_same_as_sjoin(grids, x, y)


def test_same_as_sjoin_with_few_cells_per_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    # 200,000 grids meet the raster's cell cap at ~80 cells a grid: the same here on 2,000
    monkeypatch.setattr(raster, "MAX_CELLS", 2_000 * 80)
    grids = synthetic_coverage(40, 50, per_edge=11, seed=4)
    x, y = awkward_points(grids, 200_000)
    keep = np.random.default_rng(0).choice(x.size, 400_000, replace=False)
    assert GridIndex(grids).raster.state.size < 2_000 * 81  # type: ignore[union-attr]
    assert_same_as_sjoin(grids, x[keep], y[keep])


def test_huge_and_infinite_coordinates_are_outside() -> None:
    index = GridIndex(gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 1, 1)]))
    x = np.array([1e300, -1e300, np.inf, -np.inf, 0.5, 0.5])
    y = np.array([0.5, 0.5, 0.5, 0.5, 1e300, np.inf])
    assert index.locate(x, y).position.tolist() == [-1] * 6
    assert index.locate_one(1e300, 0.5) == ("", False)


def test_voronoi_coverage_is_a_valid_coverage_in_code_order() -> None:
    grids = voronoi_coverage(400, spacing_m=70, seed=2)
    assert len(grids) == 400 and grids["code"].is_unique
    assert shapely.coverage_is_valid(grids.geometry.to_numpy())
    across = np.sqrt(grids.to_crs(grids.estimate_utm_crs()).area.median())
    assert 60 < across < 80  # ~70 m cells
