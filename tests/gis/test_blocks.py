"""Street blocks of a plan: grids cut along the walking network, small faces absorbed."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely import LineString, Point, Polygon, box

from gis.blocks import (
    MIN_BLOCK_M2,
    NO_NETWORK,
    PlanBlocks,
    block_households,
    block_ids,
    plan_blocks,
)
from gis.errors import InvalidInput
from gis.geometry import area_m2

COMMUNITY = box(116.34, 39.99, 116.36, 40.01)
WEST, SOUTH_EAST, NORTH_EAST = "110108010019001", "110108010019002", "110108010019003"
GRIDS = {
    WEST: box(116.34, 39.99, 116.35, 40.01),
    SOUTH_EAST: box(116.35, 39.99, 116.36, 40.00),
    NORTH_EAST: box(116.35, 40.00, 116.36, 40.01),
}
# two east–west streets across the whole community and a north–south one in the west grid;
# they reach beyond the community, as a network's edges do
STREETS = [
    LineString([(116.33, 40.005), (116.37, 40.005)]),
    LineString([(116.33, 39.995), (116.37, 39.995)]),
    LineString([(116.345, 39.98), (116.345, 40.02)]),
]
BLOCKS_PER_GRID = {WEST: 6, SOUTH_EAST: 2, NORTH_EAST: 2}


def plan(grids: dict[str, shapely.Geometry] = GRIDS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": list(grids), "name": [f"第{i:02d}网格" for i in range(1, len(grids) + 1)]},
        geometry=list(grids.values()),
        crs="EPSG:4326",
    )


def test_blocks_tile_each_grid_exactly() -> None:
    blocks = plan_blocks(plan(), STREETS)
    assert blocks.groupby("grid").size().to_dict() == BLOCKS_PER_GRID
    for code, grid in GRIDS.items():
        united = shapely.union_all(blocks.loc[blocks["grid"] == code].geometry.to_numpy())
        assert shapely.symmetric_difference(united, grid).area < 1e-14, code


def test_every_block_lies_in_its_grid_and_no_two_overlap() -> None:
    blocks = plan_blocks(plan(), STREETS)
    for block in blocks.itertuples():
        assert shapely.covers(GRIDS[block.grid], block.geometry), block.Index
    assert shapely.union_all(blocks.geometry.to_numpy()).area == pytest.approx(
        sum(g.area for g in blocks.geometry), rel=1e-12
    )


def test_streets_outside_the_plan_cut_nothing() -> None:
    outside = [LineString([(116.30, 39.90), (116.31, 39.91)]), *STREETS]
    assert len(plan_blocks(plan(), outside)) == sum(BLOCKS_PER_GRID.values())


def test_ids_run_north_to_south_then_west_to_east() -> None:
    blocks = plan_blocks(plan(), STREETS)
    assert blocks.index.tolist() == list(range(len(blocks)))
    assert blocks["lat"].is_monotonic_decreasing
    first = blocks.iloc[0]
    assert (first.grid, round(first.lon, 3), round(first.lat, 3)) == (WEST, 116.342, 40.008)
    assert blocks["grid"].iloc[:3].tolist() == [WEST, WEST, NORTH_EAST]


def test_blocks_are_the_same_for_the_same_plan() -> None:
    first, again = plan_blocks(plan(), STREETS), plan_blocks(plan().iloc[::-1], STREETS[::-1])
    assert first["grid"].tolist() == again["grid"].tolist()
    assert all(a.equals(b) for a, b in zip(first.geometry, again.geometry, strict=True))


def test_points_inside_are_in_their_blocks() -> None:
    blocks = plan_blocks(plan(), STREETS)
    points = shapely.points(blocks["lon"], blocks["lat"])
    assert shapely.within(points, blocks.geometry.to_numpy()).all()


def test_area_is_in_square_metres() -> None:
    blocks = plan_blocks(plan(), [])
    assert blocks["area_m2"].sum() == pytest.approx(area_m2([COMMUNITY])[0], rel=1e-6)
    assert blocks["area_m2"].sum() == pytest.approx(3.79e6, rel=0.01)  # 1.7 km × 2.2 km


def test_without_a_network_the_blocks_are_the_grids() -> None:
    blocks = plan_blocks(plan(), [])
    assert sorted(blocks["grid"]) == sorted(GRIDS)
    for block in blocks.itertuples():
        assert block.geometry.equals(GRIDS[block.grid])


def test_small_faces_join_a_neighbour_of_their_own_grid() -> None:
    # a short street cuts a ~12 m² corner off the west grid, a hook a ~19 m² strip along the
    # west grid's border with the south-east grid
    corner = LineString([(116.34, 39.99005), (116.34005, 39.99)])
    hook = LineString([(116.35, 39.9901), (116.34999, 39.9901), (116.34999, 39.9903),
                       (116.35, 39.9903)])  # fmt: skip
    blocks = plan_blocks(plan(), [*STREETS, corner, hook])
    assert blocks.groupby("grid").size().to_dict() == BLOCKS_PER_GRID
    assert blocks["area_m2"].min() >= MIN_BLOCK_M2
    for block in blocks.itertuples():
        assert shapely.covers(GRIDS[block.grid], block.geometry)


def test_a_small_grid_with_no_neighbour_in_it_stays_one_block() -> None:
    tiny = box(116.36, 40.0, 116.36005, 40.00005)  # ~24 m², a grid of its own
    blocks = plan_blocks(plan({**GRIDS, "110108010019004": tiny}), STREETS)
    assert (blocks["grid"] == "110108010019004").sum() == 1


def test_a_grid_with_an_enclave_and_a_multipart_grid_are_tiled() -> None:
    enclave = box(116.342, 40.007, 116.343, 40.008)
    holed = Polygon(GRIDS[WEST].exterior.coords, [enclave.exterior.coords])
    parts = shapely.union(GRIDS[SOUTH_EAST], box(116.37, 39.99, 116.38, 40.0))
    grids = {WEST: holed, SOUTH_EAST: parts, NORTH_EAST: GRIDS[NORTH_EAST], "x": enclave}
    blocks = plan_blocks(plan(grids), STREETS)
    for code, grid in grids.items():
        united = shapely.union_all(blocks.loc[blocks["grid"] == code].geometry.to_numpy())
        assert shapely.symmetric_difference(united, grid).area < 1e-14, code


def test_grids_without_a_polygon_are_left_out() -> None:
    areas = plan()
    areas.loc[1, "geometry"] = None
    assert SOUTH_EAST not in set(plan_blocks(areas, STREETS)["grid"])


# --- block_ids


def test_block_ids_take_ids_and_points_in_order() -> None:
    blocks = plan_blocks(plan(), STREETS)
    inside = Point(blocks["lon"].iloc[4], blocks["lat"].iloc[4])
    assert block_ids(blocks, [7, inside, 0]) == [7, 4, 0]


@pytest.mark.parametrize(
    ("item", "said"),
    [
        (10, "blocks: no block 10 (the plan's blocks are 0 to 9)"),
        (-1, "blocks: no block -1"),
        (Point(116.30, 40.0), "blocks: item 1 lies in no block of the plan"),
    ],
)
def test_block_ids_refuse_what_names_no_block(item: int | Point, said: str) -> None:
    with pytest.raises(InvalidInput, match=said.replace("(", r"\(").replace(")", r"\)")):
        block_ids(plan_blocks(plan(), STREETS), [0, item])


def test_block_ids_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="^addresses: item 0"):
        block_ids(plan_blocks(plan(), STREETS), [Point(116.3, 40.0)], field="addresses")


# --- households and GeoJSON


def test_households_are_those_of_the_addresses_inside() -> None:
    blocks = plan_blocks(plan(), STREETS)
    addresses = pd.DataFrame(
        {
            "lon": [blocks["lon"].iloc[0], blocks["lon"].iloc[0], blocks["lon"].iloc[3], 116.3],
            "lat": [blocks["lat"].iloc[0], blocks["lat"].iloc[0], blocks["lat"].iloc[3], 40.0],
            "households": [60, None, 25, 99],  # no count: none; outside the plan: nowhere
        }
    )
    households = block_households(blocks, addresses)
    assert households.iloc[0] == 60 and households.iloc[3] == 25
    assert households.sum() == 85


def test_households_are_unknown_without_a_registry() -> None:
    blocks = plan_blocks(plan(), STREETS)
    empty = pd.DataFrame(columns=["lon", "lat", "households"])
    assert block_households(blocks, empty).isna().all()


def test_geojson_says_when_no_network_cut_the_grids() -> None:
    blocks = plan_blocks(plan(), [])
    found = PlanBlocks(None, blocks.assign(households=[3, None, 1]))
    answer = found.to_geojson()
    assert answer["network"] is None and answer["note"] == NO_NETWORK
    feature = answer["features"][0]
    assert set(feature["properties"]) == {"id", "grid", "households", "area_m2", "point"}
    assert feature["id"] == feature["properties"]["id"] == 0
    cut = PlanBlocks("abc", plan_blocks(plan(), STREETS).assign(households=0)).to_geojson()
    assert cut["network"] == "abc" and "note" not in cut and len(cut["features"]) == 10
