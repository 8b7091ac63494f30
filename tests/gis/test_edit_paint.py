"""Painting street blocks into a grid (assign_in) and redrawing a grid's outline (reshape_in).

Every edit must leave the plan a clean coverage of the community: `gis.checks` finds no gap
or overlap, and the grids still tile the community exactly.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely import MultiPolygon, Point, Polygon, box

from gis.blocks import block_ids, plan_blocks
from gis.checks import check_areas
from gis.edit import assign_in, reshape_in
from gis.errors import InvalidInput, NotFound
from gis.geometry import area_m2
from tests.gis.test_blocks import COMMUNITY, GRIDS, NORTH_EAST, SOUTH_EAST, STREETS, WEST

COVERAGE_RULES = {"overlap", "gap", "outside-parent", "invalid-geometry", "empty-geometry"}


def plan() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": list(GRIDS),
            "name": ["第01网格", "第02网格", "第03网格"],
            "households": [600, 100, 100],
            "population": [1500, None, 250],
        },
        geometry=list(GRIDS.values()),
        crs="EPSG:4326",
    )


def shape(areas: gpd.GeoDataFrame, code: str) -> shapely.Geometry:
    return areas.loc[areas["code"] == code].geometry.iloc[0]


def count(areas: gpd.GeoDataFrame, code: str, column: str = "households") -> Any:
    return areas.loc[areas["code"] == code, column].iloc[0]


def assert_clean_coverage(areas: gpd.GeoDataFrame) -> None:
    """No gap, overlap or invalid grid, by the checks and exactly."""
    found = check_areas(areas, parent=COMMUNITY, parent_code="110108010019")
    assert not [f for f in found if f.rule in COVERAGE_RULES], found
    geometries = areas.geometry.to_numpy()
    assert shapely.symmetric_difference(shapely.union_all(geometries), COMMUNITY).area < 1e-14
    assert sum(g.area for g in geometries) == pytest.approx(COMMUNITY.area, rel=1e-12)


def at(*lonlat: tuple[float, float]) -> list[Point]:
    return [Point(x, y) for x, y in lonlat]


BLOCKS = plan_blocks(plan(), STREETS)
# the west grid's middle-east block (116.345–116.35 × 39.995–40.005) borders both east grids
MIDDLE_EAST = block_ids(BLOCKS, at((116.3475, 40.0)))
# its north-east block (116.345–116.35 × 40.005–40.01) borders the north-east grid
NORTH_EAST_CORNER = block_ids(BLOCKS, at((116.3475, 40.008)))
# the west grid's middle-west block: it touches no east grid
MIDDLE_WEST = block_ids(BLOCKS, at((116.342, 40.0)))


# --- assign_in


def test_painted_blocks_move_into_the_grid() -> None:
    areas = assign_in(plan(), BLOCKS, NORTH_EAST_CORNER, NORTH_EAST)
    assert shape(areas, NORTH_EAST).equals(box(116.345, 40.0, 116.36, 40.01).difference(
        box(116.345, 40.0, 116.35, 40.005)))  # fmt: skip
    assert shape(areas, WEST).equals(GRIDS[WEST].difference(box(116.345, 40.005, 116.35, 40.01)))
    assert shape(areas, SOUTH_EAST).equals(GRIDS[SOUTH_EAST])
    assert_clean_coverage(areas)


def test_the_grids_keep_sharing_identical_edges() -> None:
    areas = assign_in(plan(), BLOCKS, MIDDLE_EAST + NORTH_EAST_CORNER, NORTH_EAST)
    west, north = shape(areas, WEST), shape(areas, NORTH_EAST)
    border = shapely.intersection(west.boundary, north.boundary)
    assert shapely.intersection(west, north).area == 0
    assert border.length == pytest.approx(0.005 + 0.005 + 0.01, rel=1e-9)
    assert_clean_coverage(areas)


def test_blocks_of_two_grids_move_at_once() -> None:
    south_east = block_ids(BLOCKS, at((116.355, 39.9975)))
    areas = assign_in(plan(), BLOCKS, MIDDLE_EAST + south_east, NORTH_EAST)
    assert shape(areas, SOUTH_EAST).equals(box(116.35, 39.99, 116.36, 39.995))
    assert_clean_coverage(areas)


def test_households_and_population_go_with_the_land_by_area() -> None:
    areas = assign_in(plan(), BLOCKS, NORTH_EAST_CORNER, NORTH_EAST)
    # an eighth of the west grid's land (and households) moves
    assert (count(areas, WEST), count(areas, NORTH_EAST)) == (525, 175)
    assert count(areas, WEST) + count(areas, NORTH_EAST) + count(areas, SOUTH_EAST) == 800
    assert (count(areas, WEST, "population"), count(areas, NORTH_EAST, "population")) == (
        1313,  # an eighth in metres is a hair under an eighth in degrees
        437,
    )


def test_an_unknown_count_moves_nothing_and_stays_unknown() -> None:
    areas = assign_in(plan(), BLOCKS, block_ids(BLOCKS, at((116.355, 39.9975))), WEST)
    assert count(areas, WEST, "population") == 1500
    assert pd.isna(count(areas, SOUTH_EAST, "population"))


def test_blocks_already_in_the_grid_are_left_where_they_are() -> None:
    own = block_ids(BLOCKS, at((116.355, 40.008)))
    with_own = assign_in(plan(), BLOCKS, own + NORTH_EAST_CORNER, NORTH_EAST)
    without = assign_in(plan(), BLOCKS, NORTH_EAST_CORNER, NORTH_EAST)
    assert shape(with_own, NORTH_EAST).equals(shape(without, NORTH_EAST))


def test_assign_does_not_change_the_given_table() -> None:
    given = plan()
    assign_in(given, BLOCKS, NORTH_EAST_CORNER, NORTH_EAST)
    assert shape(given, WEST).equals(GRIDS[WEST]) and count(given, WEST) == 600


@pytest.mark.parametrize(
    ("chosen", "to", "said"),
    [
        ([], NORTH_EAST, "blocks: paint at least one block"),
        ([99], NORTH_EAST, r"blocks: no block 99 \(the plan's blocks are 0 to 9\)"),
        (MIDDLE_WEST, NORTH_EAST, f"blocks: the painted blocks do not touch grid {NORTH_EAST}"),
        (
            NORTH_EAST_CORNER + MIDDLE_WEST,
            NORTH_EAST,
            f"blocks: the painted blocks do not touch grid {NORTH_EAST}",
        ),
        (
            block_ids(BLOCKS, at((116.355, 40.008), (116.355, 40.002))),
            WEST,
            f"blocks: the move would leave grid {NORTH_EAST} empty; merge it instead",
        ),
        (MIDDLE_WEST, WEST, f"blocks: the painted blocks are all in grid {WEST} already"),
    ],
)
def test_assign_refuses(chosen: list[int], to: str, said: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{said}"):
        assign_in(plan(), BLOCKS, chosen, to)


def test_assign_to_an_unknown_grid_is_not_found() -> None:
    with pytest.raises(NotFound):
        assign_in(plan(), BLOCKS, MIDDLE_EAST, "110108010019009")


def test_blocks_touching_the_grid_only_at_a_corner_do_not_touch_it() -> None:
    south_west_corner = block_ids(BLOCKS, at((116.3475, 39.9925)))  # meets NORTH_EAST nowhere
    with pytest.raises(InvalidInput, match="do not touch"):
        assign_in(plan(), BLOCKS, south_west_corner, NORTH_EAST)
    corner_only = block_ids(BLOCKS, at((116.3475, 40.008)))  # touches SOUTH_EAST at a point
    with pytest.raises(InvalidInput, match="do not touch"):
        assign_in(plan(), BLOCKS, corner_only, SOUTH_EAST)


# --- reshape_in

EAST_EDGE_OUT = box(116.34, 39.99, 116.352, 40.01)  # the west grid 2 columns of 0.001 wider


def test_reshape_takes_the_land_it_gains_from_the_neighbours() -> None:
    areas = reshape_in(plan(), WEST, EAST_EDGE_OUT)
    assert shape(areas, WEST).equals(EAST_EDGE_OUT)
    assert shape(areas, SOUTH_EAST).equals(box(116.352, 39.99, 116.36, 40.0))
    assert shape(areas, NORTH_EAST).equals(box(116.352, 40.0, 116.36, 40.01))
    assert_clean_coverage(areas)


def test_reshape_shares_the_counts_of_the_land_that_changes_hands() -> None:
    areas = reshape_in(plan(), WEST, EAST_EDGE_OUT)
    # each east grid gives a fifth of its land
    assert (count(areas, WEST), count(areas, SOUTH_EAST), count(areas, NORTH_EAST)) == (
        640,
        80,
        80,
    )
    assert count(areas, NORTH_EAST, "population") == 200
    assert pd.isna(count(areas, SOUTH_EAST, "population"))


def test_land_given_up_goes_to_the_neighbour_with_the_longest_border() -> None:
    notch = box(116.347, 39.99, 116.35, 39.996)  # borders SOUTH_EAST along 600 m of lat
    areas = reshape_in(plan(), WEST, GRIDS[WEST].difference(notch))
    assert shape(areas, SOUTH_EAST).equals(shapely.union(GRIDS[SOUTH_EAST], notch))
    assert shape(areas, NORTH_EAST).equals(GRIDS[NORTH_EAST])
    assert_clean_coverage(areas)


def test_land_given_up_along_two_neighbours_goes_to_the_longer_border() -> None:
    strip = box(116.348, 39.997, 116.35, 40.01)  # 300 m along SOUTH_EAST, 1 km along NORTH_EAST
    areas = reshape_in(plan(), WEST, GRIDS[WEST].difference(strip))
    assert shape(areas, NORTH_EAST).equals(shapely.union(GRIDS[NORTH_EAST], strip))
    assert_clean_coverage(areas)


def test_reshape_is_clipped_to_the_plan() -> None:
    beyond = box(116.30, 39.99, 116.352, 40.05)  # west and north of the community
    areas = reshape_in(plan(), WEST, beyond)
    assert shape(areas, WEST).equals(EAST_EDGE_OUT)
    assert_clean_coverage(areas)


@pytest.mark.parametrize("off", [1e-7, -1e-7])
def test_untouched_edges_stay_identical_despite_rounding(off: float) -> None:
    # the planner's copy of the outline, back through a coordinate system: ~1 cm off
    wobbly = shapely.transform(EAST_EDGE_OUT, lambda xy: xy + off)
    areas = reshape_in(plan(), WEST, wobbly)
    west = shape(areas, WEST)
    community_edge = shapely.LineString([(116.34, 39.99), (116.34, 40.01)])
    assert shapely.intersection(west.boundary, community_edge).length == pytest.approx(0.02)
    assert area_m2([shapely.symmetric_difference(west, EAST_EDGE_OUT)])[0] < 50
    assert_clean_coverage(areas)


def test_a_corner_dragged_a_hair_off_the_plans_edge_leaves_no_gap() -> None:
    # the new south-east corner 11 cm north of the south edge: 9 cm off where the grid ends
    dragged = Polygon([(116.34, 39.99), (116.352, 39.990001), (116.352, 40.01), (116.34, 40.01)])
    areas = reshape_in(plan(), WEST, dragged)
    south_edge = shapely.LineString([(116.34, 39.99), (116.35, 39.99)])
    assert shapely.covers(shape(areas, WEST), south_edge)
    assert_clean_coverage(areas)


def test_a_multipolygon_shape_is_taken() -> None:
    annex = box(116.355, 40.008, 116.356, 40.009)
    areas = reshape_in(plan(), WEST, MultiPolygon([GRIDS[WEST], annex]))
    assert len(shape(areas, WEST).geoms) == 2
    assert_clean_coverage(areas)


@pytest.mark.parametrize(
    ("geometry", "said"),
    [
        (
            Polygon([(116.34, 39.99), (116.352, 40.01), (116.352, 39.99), (116.34, 40.01)]),
            r"geometry: the reshaped grid crosses itself near \(116\.346000, 40\.000000\)",
        ),
        (
            box(116.34, 39.99, 116.36, 40.0),
            f"geometry: the reshaped grid covers grid {SOUTH_EAST} entirely; merge them instead",
        ),
        (
            box(116.342, 39.99, 116.35, 40.01),
            "geometry: the edit leaves a gap at the community's edge",
        ),
        (
            Polygon(GRIDS[WEST].exterior.coords, [box(116.342, 40.0, 116.343, 40.001).exterior]),
            f"geometry: the edit leaves a hole in grid {WEST}",
        ),
        (box(116.30, 39.90, 116.31, 39.91), "geometry: the reshaped grid lies outside"),
        (GRIDS[WEST], "geometry: the grid's shape did not change; nothing to do"),
        (shapely.LineString([(116.3, 40), (116.4, 40)]), "geometry: expected a Polygon"),
    ],
)
def test_reshape_refuses(geometry: shapely.Geometry, said: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{said}"):
        reshape_in(plan(), WEST, geometry)


def test_reshape_does_not_change_the_given_table() -> None:
    given = plan()
    reshape_in(given, WEST, EAST_EDGE_OUT)
    assert shape(given, SOUTH_EAST).equals(GRIDS[SOUTH_EAST])
    assert count(given, SOUTH_EAST) == 100


def test_a_reshape_keeps_the_plans_area_in_square_metres() -> None:
    areas = reshape_in(plan(), WEST, EAST_EDGE_OUT)
    total = area_m2(areas.geometry.to_numpy()).sum()
    assert total == pytest.approx(area_m2([COMMUNITY])[0], rel=1e-6)
