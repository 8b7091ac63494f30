"""Edit operations on a plan's areas: split, merge, move a piece, number and name."""

from __future__ import annotations

import pytest
import shapely
from shapely import LineString, MultiLineString, MultiPolygon, Point, Polygon, box

from gis.edit import (
    MIN_PIECE_M2,
    MIN_SHARED_EDGE_M,
    merge_areas,
    move_piece,
    next_code,
    renamed,
    split_area,
)
from gis.errors import InvalidInput
from gis.geometry import area_m2
from tests.gis.checks import zoo

REL = 1e-4  # the drawings go through two projections
PARENT = zoo.PARENT  # 200 m × 100 m
LEFT, RIGHT = zoo.lonlat(zoo.LEFT), zoo.lonlat(zoo.RIGHT)
COMMUNITY = zoo.COMMUNITY


def m2(geometry: shapely.Geometry) -> float:
    return float(area_m2([geometry])[0])


def same_shape(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Equal but for half a square metre (both in EPSG:4326).

    A straight line in degrees is not quite straight in metres: a cut drawn from (150, -10) to
    (150, 110) and the edge of box(0, 0, 150, 100) differ by a few hundredths of a square metre.
    """
    return shapely.symmetric_difference(zoo.metres(a), zoo.metres(b)).area < 0.5


def line(*points: tuple[float, float]) -> shapely.Geometry:
    return zoo.lonlat(LineString(points))


# --- split


def test_split_gives_the_larger_piece_first() -> None:
    larger, smaller = split_area(PARENT, line((150, -10), (150, 110)))
    assert m2(larger) == pytest.approx(15_000, rel=REL)
    assert m2(smaller) == pytest.approx(5_000, rel=REL)


def test_split_pieces_are_the_two_sides_of_the_line() -> None:
    larger, smaller = split_area(PARENT, line((150, -10), (150, 110)))
    assert same_shape(larger, zoo.lonlat(box(0, 0, 150, 100)))
    assert same_shape(smaller, zoo.lonlat(box(150, 0, 200, 100)))


def test_split_pieces_are_multipolygons() -> None:
    pieces = split_area(PARENT, line((150, -10), (150, 110)))
    assert [p.geom_type for p in pieces] == ["MultiPolygon", "MultiPolygon"]


def test_split_pieces_cover_the_area_without_overlap() -> None:
    larger, smaller = split_area(PARENT, line((120, -10), (60, 110)))
    assert shapely.intersection(larger, smaller).area == 0
    assert same_shape(shapely.union(larger, smaller), PARENT)


def test_split_line_direction_does_not_matter() -> None:
    forward = split_area(PARENT, line((150, -10), (150, 110)))
    backward = split_area(PARENT, line((150, 110), (150, -10)))
    assert all(same_shape(a, b) for a, b in zip(forward, backward, strict=True))


def test_line_crossing_several_times_still_gives_two_pieces() -> None:
    # a ∩ through the area cuts it in three: 40 m, 120 m and 40 m wide
    cut = line((40, -10), (40, 110), (160, 110), (160, -10))
    larger, smaller = split_area(PARENT, cut)
    assert same_shape(larger, zoo.lonlat(box(40, 0, 160, 100)))
    assert m2(smaller) == pytest.approx(2 * 40 * 100, rel=REL)


def test_multilinestring_is_accepted_as_a_line() -> None:
    cut = zoo.lonlat(MultiLineString([[(150, -10), (150, 110)]]))
    assert len(split_area(PARENT, cut)) == 2


@pytest.mark.parametrize(
    "cut",
    [
        LineString([(250, -10), (250, 110)]),  # outside
        LineString([(150, -10), (150, 50)]),  # ends inside
        LineString([(50, 20), (150, 80)]),  # wholly inside
        LineString([(-10, 0), (210, 0)]),  # along the edge
    ],
    ids=["outside", "dangling", "inside", "along-edge"],
)
def test_line_that_does_not_cut_from_edge_to_edge_is_refused(cut: LineString) -> None:
    with pytest.raises(InvalidInput, match="^line: the split line does not cross the grid"):
        split_area(PARENT, zoo.lonlat(cut))


@pytest.mark.parametrize(
    ("cut", "kind"), [(Point(150, 50), "Point"), (box(140, -10, 160, 110), "Polygon")]
)
def test_split_by_something_other_than_a_line_is_refused(cut: shapely.Geometry, kind: str) -> None:
    with pytest.raises(InvalidInput, match=f"^line: expected a LineString, got {kind}"):
        split_area(PARENT, zoo.lonlat(cut))


def test_line_that_cuts_no_part_of_a_multipart_area_is_refused() -> None:
    two_parts = zoo.lonlat(MultiPolygon([box(0, 0, 50, 100), box(150, 0, 200, 100)]))
    with pytest.raises(InvalidInput, match="^line: the split line does not cross"):
        split_area(two_parts, line((25, 50), (25, 110)))  # dangles into the first part


# --- merge


def test_merge_of_neighbours_is_their_union() -> None:
    merged = merge_areas([LEFT, RIGHT], zoo.CODES[:2])
    assert merged.geom_type == "MultiPolygon"
    assert len(merged.geoms) == 1
    assert same_shape(merged, PARENT)


def test_merge_joins_an_area_through_another_in_any_order() -> None:
    third = zoo.lonlat(box(200, 0, 300, 100))  # touches RIGHT only
    merged = merge_areas([LEFT, third, RIGHT], ["a", "c", "b"])
    assert same_shape(merged, zoo.lonlat(box(0, 0, 300, 100)))


def test_merge_needs_two_areas() -> None:
    with pytest.raises(InvalidInput, match="^codes: give at least two grids to merge"):
        merge_areas([LEFT], ["a"])


def test_merge_of_areas_apart_is_refused_naming_them() -> None:
    far = zoo.lonlat(box(300, 0, 400, 100))
    with pytest.raises(InvalidInput) as caught:
        merge_areas([LEFT, RIGHT, far], ["a", "b", "c"])
    assert caught.value.detail == "codes: c share no edge with a; only adjacent grids merge"


def test_merge_refusal_lists_every_area_left_out() -> None:
    far, farther = zoo.lonlat(box(300, 0, 400, 100)), zoo.lonlat(box(500, 0, 600, 100))
    with pytest.raises(InvalidInput, match="^codes: b, c share no edge with a"):
        merge_areas([LEFT, far, farther], ["a", "b", "c"])


def test_merge_of_areas_touching_at_a_corner_is_refused() -> None:
    corner = zoo.lonlat(box(100, 100, 200, 200))
    with pytest.raises(InvalidInput, match="share no edge"):
        merge_areas([LEFT, corner], ["a", "b"])


def neighbours_sharing(shared_m: float) -> tuple[shapely.Geometry, shapely.Geometry]:
    """LEFT and a box to its right that share ``shared_m`` of its east edge (same vertices)."""
    low = 100 - shared_m
    left = Polygon([(0, 0), (100, 0), (100, low), (100, 100), (0, 100)])
    right = Polygon([(100, low), (200, low), (200, 200), (100, 200), (100, 100)])
    return zoo.lonlat(left), zoo.lonlat(right)


@pytest.mark.parametrize("shared_m", [1.0, 50.0])
def test_merge_accepts_a_shared_edge_of_half_a_metre_or_more(shared_m: float) -> None:
    assert shared_m >= MIN_SHARED_EDGE_M
    merged = merge_areas(list(neighbours_sharing(shared_m)), ["a", "b"])
    assert m2(merged) == pytest.approx(10_000 + 100 * (100 + shared_m), rel=REL)


def test_merge_refuses_a_shared_edge_under_half_a_metre() -> None:
    with pytest.raises(InvalidInput, match="share no edge"):
        merge_areas(list(neighbours_sharing(0.3)), ["a", "b"])


# --- move a piece


def test_moved_piece_leaves_the_source_and_joins_the_target() -> None:
    rest, grown = move_piece(LEFT, RIGHT, zoo.lonlat(box(70, -10, 110, 110)))
    assert same_shape(rest, zoo.lonlat(box(0, 0, 70, 100)))
    assert same_shape(grown, zoo.lonlat(box(70, 0, 200, 100)))


def test_moved_piece_keeps_the_total_area() -> None:
    rest, grown = move_piece(LEFT, RIGHT, zoo.lonlat(box(70, 20, 100, 60)))
    assert m2(rest) + m2(grown) == pytest.approx(20_000, rel=REL)
    assert m2(grown) == pytest.approx(10_000 + 30 * 40, rel=REL)


def test_moved_pieces_are_multipolygons() -> None:
    pieces = move_piece(LEFT, RIGHT, zoo.lonlat(box(70, 20, 100, 60)))
    assert [p.geom_type for p in pieces] == ["MultiPolygon", "MultiPolygon"]


@pytest.mark.parametrize(
    "piece",
    [box(300, 0, 350, 100), box(100.1, 0, 100.2, 5)],  # apart; 0.5 m² just outside the source
    ids=["apart", "just-outside"],
)
def test_piece_outside_the_source_is_refused(piece: shapely.Geometry) -> None:
    with pytest.raises(
        InvalidInput, match="^piece: the piece does not overlap the grid it is moved"
    ):
        move_piece(LEFT, RIGHT, zoo.lonlat(piece))


def test_piece_under_a_square_metre_is_refused() -> None:
    assert MIN_PIECE_M2 == 1.0
    sliver = zoo.lonlat(box(99.9, 0, 100.1, 4))  # 0.1 m × 4 m inside the source = 0.4 m²
    with pytest.raises(InvalidInput, match="does not overlap"):
        move_piece(LEFT, RIGHT, sliver)


def test_piece_away_from_the_target_is_refused() -> None:
    with pytest.raises(InvalidInput, match="^piece: the moved piece does not touch the grid"):
        move_piece(LEFT, RIGHT, zoo.lonlat(box(10, 10, 40, 40)))


def test_piece_covering_the_whole_source_is_refused() -> None:
    with pytest.raises(InvalidInput, match="^piece: it covers the whole grid; merge"):
        move_piece(LEFT, RIGHT, zoo.lonlat(box(-10, -10, 110, 110)))


# --- codes and names


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        ([], "001"),
        ([f"{COMMUNITY}001"], "002"),
        ([f"{COMMUNITY}001", f"{COMMUNITY}004"], "005"),  # gaps are not reused
        ([f"{COMMUNITY}009", f"{COMMUNITY}002"], "010"),  # order does not matter
        ([f"{COMMUNITY}099"], "100"),
    ],
)
def test_next_code_follows_the_highest_taken(taken: list[str], expected: str) -> None:
    assert next_code(COMMUNITY, taken) == COMMUNITY + expected


def test_next_code_ignores_other_scopes() -> None:
    assert next_code(COMMUNITY, ["110108010020007", f"{COMMUNITY}002"]) == f"{COMMUNITY}003"


def test_next_code_ignores_codes_with_other_suffixes() -> None:
    assert next_code(COMMUNITY, [f"{COMMUNITY}00a", COMMUNITY]) == f"{COMMUNITY}001"


def test_next_code_after_999_is_refused() -> None:
    with pytest.raises(InvalidInput, match=f"^code: no free grid sequence left in {COMMUNITY}"):
        next_code(COMMUNITY, [f"{COMMUNITY}999"])


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("中国农业大学东校区社区第03网格", "110108010019007", "中国农业大学东校区社区第07网格"),
        ("第1网格", "110108010019012", "第12网格"),
        ("第01网格", "110108010019123", "第123网格"),
        ("东区一号网格", "110108010019007", "东区一号网格"),
        ("第03网格东", "110108010019007", "第03网格东"),
    ],
)
def test_renamed_follows_the_code_only_for_a_trailing_number(
    name: str, code: str, expected: str
) -> None:
    assert renamed(name, code) == expected
