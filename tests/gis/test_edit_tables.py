"""Plan edits on a table of areas: split, merge, move and renumber, households shared by area."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely import LineString, box

from gis.edit import merge_in, move_in, renumber_in, split_in
from gis.errors import InvalidInput, NotFound
from gis.geometry import area_m2
from tests import geoms

SCOPE = "110108010019"
WEST, EAST = (code for code, _, _ in geoms.HIERARCHY["grid"])  # 001 west of 002
# a north–south line a quarter of the way in from the east edge of the west grid
CUT = LineString([(116.3475, 39.98), (116.3475, 40.02)])
# the eastmost fifth of the west grid, reaching into the east grid
PIECE = box(116.348, 39.98, 116.3505, 40.02)


def plan(households: list[float | None] | None = None) -> gpd.GeoDataFrame:
    """The two grids of the zoo as a plan's table of areas."""
    areas = geoms.frame(geoms.HIERARCHY["grid"], households=[100, 50])
    if households is not None:
        areas["households"] = households
    areas["population"] = [231, 115]
    areas["attributes"] = [{"road": "学院路"}, {}]
    return areas


def row(areas: gpd.GeoDataFrame, code: str) -> pd.Series:
    (position,) = (areas["code"] == code).to_numpy().nonzero()[0]
    return areas.iloc[position]


def m2(geometry: shapely.Geometry) -> float:
    return float(area_m2([geometry])[0])


def households(areas: gpd.GeoDataFrame) -> dict[str, object]:
    return dict(zip(areas["code"], areas["households"], strict=True))


# --- split_in


def test_split_adds_the_next_free_code() -> None:
    areas, new_code = split_in(plan(), WEST, CUT, SCOPE)
    assert new_code == f"{SCOPE}003"
    assert areas["code"].tolist() == [WEST, EAST, new_code]


def test_split_code_follows_the_highest_taken_in_the_scope() -> None:
    areas = plan()
    areas["code"] = [f"{SCOPE}005", "110108010020009"]  # the second is another scope's
    _, new_code = split_in(areas, f"{SCOPE}005", CUT, SCOPE)
    assert new_code == f"{SCOPE}006"


def test_split_keeps_the_larger_piece_under_the_old_code() -> None:
    areas, new_code = split_in(plan(), WEST, CUT, SCOPE)
    kept, cut = row(areas, WEST).geometry, row(areas, new_code).geometry
    assert m2(kept) == pytest.approx(3 * m2(cut), rel=1e-3)
    assert kept.bounds == pytest.approx((116.34, 39.99, 116.3475, 40.01))


def test_split_pieces_make_up_the_old_area() -> None:
    areas, new_code = split_in(plan(), WEST, CUT, SCOPE)
    pieces = shapely.union(row(areas, WEST).geometry, row(areas, new_code).geometry)
    assert shapely.symmetric_difference(pieces, geoms.GRIDS[0]).area < 1e-12


def test_split_shares_households_by_area() -> None:
    areas, new_code = split_in(plan(), WEST, CUT, SCOPE)
    assert households(areas) == {WEST: 75, EAST: 50, new_code: 25}


@pytest.mark.parametrize("count", [0, 1, 7, 99, 101, 12345])
@pytest.mark.parametrize("x", [116.341, 116.345, 116.3475])
def test_split_households_sum_to_the_original(count: int, x: float) -> None:
    line = LineString([(x, 39.98), (x, 40.02)])
    areas, new_code = split_in(plan([count, 50]), WEST, line, SCOPE)
    assert row(areas, WEST)["households"] + row(areas, new_code)["households"] == count


def test_split_of_unknown_households_leaves_both_unknown() -> None:
    areas, new_code = split_in(plan([None, 50]), WEST, CUT, SCOPE)
    assert pd.isna(row(areas, WEST)["households"])
    assert pd.isna(row(areas, new_code)["households"])


def test_split_names_the_new_area_after_the_old() -> None:
    areas, new_code = split_in(plan(), WEST, CUT, SCOPE)
    assert (row(areas, WEST)["name"], row(areas, new_code)["name"]) == (
        "第01网格",
        "第01网格（拆分）",
    )


def test_split_new_area_copies_the_other_columns() -> None:
    areas, new_code = split_in(plan(), WEST, CUT, SCOPE)
    assert row(areas, new_code)["attributes"] == {"road": "学院路"}


def test_split_leaves_the_other_areas_alone() -> None:
    areas, _ = split_in(plan(), WEST, CUT, SCOPE)
    east = row(areas, EAST)
    assert (east["households"], east["name"]) == (50, "第02网格")
    assert east.geometry.equals(geoms.GRIDS[1])


def test_split_table_stays_in_storage_crs() -> None:
    areas, _ = split_in(plan(), WEST, CUT, SCOPE)
    assert areas.crs == "EPSG:4326"


def test_split_does_not_change_the_given_table() -> None:
    given = plan()
    split_in(given, WEST, CUT, SCOPE)
    assert given.equals(plan())


def test_split_does_not_add_population() -> None:
    areas, new_code = split_in(plan(), WEST, CUT, SCOPE)
    assert row(areas, WEST)["population"] + row(areas, new_code)["population"] <= 231


def test_split_of_an_unknown_code_is_not_found() -> None:
    with pytest.raises(NotFound, match=f"code: the plan has no area '{SCOPE}099'"):
        split_in(plan(), f"{SCOPE}099", CUT, SCOPE)


def test_split_line_missing_the_area_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not cross"):
        split_in(plan(), WEST, LineString([(116.355, 39.98), (116.355, 40.02)]), SCOPE)


# --- merge_in


def test_merge_keeps_one_row_under_the_first_code() -> None:
    areas = merge_in(plan(), [EAST, WEST])
    assert areas["code"].tolist() == [EAST]
    assert areas["name"].tolist() == ["第02网格"]


def test_merge_joins_the_shapes() -> None:
    (merged,) = merge_in(plan(), [WEST, EAST]).geometry
    assert shapely.symmetric_difference(merged, geoms.COMMUNITY).area < 1e-12


@pytest.mark.parametrize(("counts", "total"), [([100, 50], 150), ([0, 7], 7), ([0, 0], 0)])
def test_merge_adds_up_households(counts: list[float | None], total: int) -> None:
    assert households(merge_in(plan(counts), [WEST, EAST])) == {WEST: total}


@pytest.mark.parametrize("counts", [[None, 50], [100, None], [None, None]])
def test_merge_with_unknown_households_is_unknown(counts: list[float | None]) -> None:
    (merged,) = merge_in(plan(counts), [WEST, EAST])["households"]
    assert pd.isna(merged)


def test_merge_leaves_areas_not_named() -> None:
    areas = plan()
    third = geoms.frame([(f"{SCOPE}003", "第03网格", box(116.36, 39.99, 116.37, 40.01))])
    areas = pd.concat([areas, third], ignore_index=True)
    merged = merge_in(areas, [WEST, EAST])
    assert merged["code"].tolist() == [WEST, f"{SCOPE}003"]
    assert row(merged, f"{SCOPE}003").geometry.equals(third.geometry.iloc[0])


def test_merge_keeps_every_resident() -> None:
    (population,) = merge_in(plan(), [WEST, EAST])["population"]
    assert pd.isna(population) or population == 231 + 115


def test_merge_of_an_unknown_code_is_not_found() -> None:
    with pytest.raises(NotFound, match=f"'{SCOPE}099'"):
        merge_in(plan(), [WEST, f"{SCOPE}099"])


# --- move_in


def test_move_takes_the_piece_from_source_to_target() -> None:
    areas = move_in(plan(), WEST, EAST, PIECE)
    assert row(areas, WEST).geometry.bounds == pytest.approx((116.34, 39.99, 116.348, 40.01))
    assert row(areas, EAST).geometry.bounds == pytest.approx((116.348, 39.99, 116.36, 40.01))


def test_move_shares_households_by_the_area_moved() -> None:
    assert households(move_in(plan(), WEST, EAST, PIECE)) == {WEST: 80, EAST: 70}


@pytest.mark.parametrize("counts", [[100, 50], [1, 0], [7, 3], [12345, 0]])
@pytest.mark.parametrize("west_edge", [116.341, 116.345, 116.349])
def test_move_keeps_the_households_total(counts: list[float | None], west_edge: float) -> None:
    piece = box(west_edge, 39.98, 116.3505, 40.02)
    areas = move_in(plan(counts), WEST, EAST, piece)
    assert areas["households"].sum() == sum(c for c in counts if c is not None)


def test_move_from_unknown_households_moves_none() -> None:
    areas = move_in(plan([None, 50]), WEST, EAST, PIECE)
    assert pd.isna(row(areas, WEST)["households"])
    assert row(areas, EAST)["households"] == 50


def test_move_into_unknown_households_stays_unknown() -> None:
    areas = move_in(plan([100, None]), WEST, EAST, PIECE)
    assert row(areas, WEST)["households"] == 80
    assert pd.isna(row(areas, EAST)["households"])


def test_move_keeps_codes_and_order() -> None:
    areas = move_in(plan(), EAST, WEST, box(116.349, 39.98, 116.352, 40.02))
    assert areas["code"].tolist() == [WEST, EAST]


@pytest.mark.parametrize(("source", "target"), [(f"{SCOPE}099", EAST), (WEST, f"{SCOPE}099")])
def test_move_with_an_unknown_code_is_not_found(source: str, target: str) -> None:
    with pytest.raises(NotFound, match=f"'{SCOPE}099'"):
        move_in(plan(), source, target, PIECE)


# --- renumber_in


def stacked() -> gpd.GeoDataFrame:
    """Three grids: two in a northern row (west, east) and one south of them, given shuffled."""
    south = box(116.34, 39.99, 116.35, 40.0)
    north_east = box(116.35, 40.0, 116.36, 40.01)
    north_west = box(116.34, 40.0, 116.35, 40.01)
    rows = [
        ("a", "第09网格", south),
        ("b", "东区一号网格", north_east),
        ("c", "第07网格", north_west),
    ]
    return geoms.frame(rows)


def test_renumber_goes_west_to_east() -> None:
    areas = plan()
    areas["code"] = [EAST, WEST]  # the west grid carries the higher number
    renumbered, _ = renumber_in(areas, SCOPE)
    assert renumbered["code"].tolist() == [WEST, EAST]


def test_renumber_goes_north_to_south_by_rows() -> None:
    renumbered, _ = renumber_in(stacked(), SCOPE)
    assert renumbered["code"].tolist() == [f"{SCOPE}003", f"{SCOPE}002", f"{SCOPE}001"]


def test_renumber_maps_old_codes_to_new() -> None:
    _, mapping = renumber_in(stacked(), SCOPE)
    assert mapping == {"a": f"{SCOPE}003", "b": f"{SCOPE}002", "c": f"{SCOPE}001"}


def test_renumbered_names_follow_their_codes() -> None:
    renumbered, _ = renumber_in(stacked(), SCOPE)
    assert renumbered["name"].tolist() == ["第03网格", "东区一号网格", "第01网格"]


def test_renumber_keeps_rows_and_shapes_in_place() -> None:
    given = stacked()
    renumbered, _ = renumber_in(given, SCOPE)
    assert renumbered.geometry.geom_equals(given.geometry).all()


def test_renumber_in_order_changes_nothing() -> None:
    renumbered, mapping = renumber_in(plan(), SCOPE)
    assert mapping == {WEST: WEST, EAST: EAST}
    assert renumbered["name"].tolist() == ["第01网格", "第02网格"]
