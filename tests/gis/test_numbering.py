"""Issue 11, item 16: grid codes are kept through a redraw; new grids take the next numbers."""

import geopandas as gpd
import pytest
from shapely import Polygon, box

from gis.errors import InvalidInput
from gis.numbering import continued_codes, kept_codes, sequence_codes, sequence_number

PARENT = "110108010019"
WEST, MIDDLE, EAST = (box(116.34 + 0.01 * i, 40.0, 116.35 + 0.01 * i, 40.01) for i in range(3))


def grids(codes: list[str], shapes: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": codes}, geometry=shapes, crs=4326)


def code(n: int) -> str:
    return f"{PARENT}{n:03d}"


NOW = grids([code(1), code(2)], [WEST, MIDDLE])


def test_item16_unchanged_grids_keep_their_codes() -> None:
    assert kept_codes(NOW, NOW, parent_code=PARENT, used={code(1), code(2)}) == [code(1), code(2)]


def test_item16_a_file_that_swapped_codes_gets_them_back() -> None:
    swapped = grids([code(2), code(1)], [WEST, MIDDLE])
    assert kept_codes(swapped, NOW, parent_code=PARENT, used=set()) == [code(1), code(2)]


def test_item16_a_new_grid_takes_the_number_after_the_highest_ever_used() -> None:
    plan = grids([code(1), code(2), code(3)], [WEST, MIDDLE, EAST])
    retired = {code(1), code(2), code(3)}  # 003 was a grid once, elsewhere
    assert kept_codes(plan, NOW, parent_code=PARENT, used=retired)[2] == code(4)


def test_item16_the_larger_part_of_a_split_keeps_the_code() -> None:
    halves = grids(
        ["x", "y"],
        [box(116.34, 40.0, 116.347, 40.01), box(116.347, 40.0, 116.35, 40.01)],
    )
    assert continued_codes(halves, NOW.iloc[[0]]) == [code(1), None]


def test_item16_a_merge_keeps_the_code_of_the_grid_it_shares_most_with() -> None:
    merged = grids(["x"], [box(116.34, 40.0, 116.356, 40.01)])  # all of 001, 60 % of 002
    assert continued_codes(merged, NOW) == [code(1)]


def test_item16_a_neighbour_touched_along_an_edge_is_not_continued() -> None:
    assert continued_codes(grids(["x"], [EAST]), NOW) == [None]


def test_item16_new_grids_are_numbered_north_to_south_west_to_east() -> None:
    plan = grids(["a", "b"], [box(116.37, 40.0, 116.38, 40.01), EAST])
    assert kept_codes(plan, NOW, parent_code=PARENT, used={code(2)}) == [code(4), code(3)]


def test_item16_a_shapeless_area_is_numbered_last_not_a_crash() -> None:
    plan = grids(["a", "b"], [None, EAST])
    assert kept_codes(plan, NOW, parent_code=PARENT, used={code(2)}) == [code(4), code(3)]
    assert sequence_codes(PARENT, [Polygon(), WEST]) == [code(2), code(1)]


def test_item16_no_number_left_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no free grid sequence left"):
        kept_codes(grids(["a"], [EAST]), NOW, parent_code=PARENT, used={code(999)})


@pytest.mark.parametrize(
    ("value", "number"), [(code(12), 12), ("110108010020001", None), (f"{PARENT}１２３", None)]
)
def test_sequence_number(value: str, number: int | None) -> None:
    assert sequence_number(value, PARENT) == number
