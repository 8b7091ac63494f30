"""What a load would do: added, changed, unchanged and retired areas; parents checked first."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely import Polygon, box

from gis.areas import Level
from gis.errors import Conflict, UnknownParent
from gis.loader import GEOMETRY_TOLERANCE_DEG, check_parents, plan_load, same_area
from tests.geoms import GRIDS, MULTIPART, VALID, WITH_HOLE

COMMUNITY = "110108010019"
OTHER_COMMUNITY = "110108010020"
A, B, C = (f"{COMMUNITY}{i:03d}" for i in (1, 2, 3))
ELSEWHERE = f"{OTHER_COMMUNITY}001"
THIRD = box(116.36, 39.99, 116.37, 40.01)


def areas(*rows: dict[str, Any]) -> gpd.GeoDataFrame:
    """Areas in the columns `gis.io` reads: code, name, households, population, attributes."""
    defaults = {"households": 400, "population": 1000, "attributes": {}}
    full = [{**defaults, **row} for row in rows]
    return gpd.GeoDataFrame(
        {
            k: [r[k] for r in full]
            for k in ("code", "name", "households", "population", "attributes")
        },
        geometry=[r["geometry"] for r in full],
        crs=4326,
    )


def grid(code: str, geometry: shapely.Geometry, **changes: Any) -> dict[str, Any]:
    return {"code": code, "name": f"第{code[-2:]}网格", "geometry": geometry, **changes}


CURRENT = areas(grid(A, GRIDS[0]), grid(B, GRIDS[1]), grid(ELSEWHERE, THIRD))


def plan(*rows: dict[str, Any], **options: Any) -> Any:
    return plan_load(areas(*rows), CURRENT, level=Level.GRID, **options)


# --- what changes


def test_identical_areas_are_unchanged() -> None:
    result = plan(grid(A, GRIDS[0]), grid(B, GRIDS[1]))
    assert (result.added, result.changed, result.unchanged) == ([], [], [A, B])
    assert result.is_empty


def test_new_code_is_added() -> None:
    result = plan(grid(A, GRIDS[0]), grid(C, THIRD))
    assert (result.added, result.unchanged) == ([C], [A])


def test_everything_is_added_to_an_empty_store() -> None:
    incoming = areas(grid(A, GRIDS[0]), grid(B, GRIDS[1]))
    result = plan_load(incoming, CURRENT.iloc[:0], level=Level.GRID)
    assert (result.added, result.changed, result.unchanged) == ([A, B], [], [])


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "东区网格"},
        {"households": 401},
        {"households": None},
        {"population": 999},
        {"attributes": {"manager": "王五"}},
        {"geometry": box(116.34, 39.99, 116.351, 40.01)},
    ],
    ids=["name", "households", "households-unknown", "population", "attributes", "boundary"],
)
def test_any_compared_difference_is_a_change(changes: dict[str, Any]) -> None:
    assert plan({**grid(A, GRIDS[0]), **changes}).changed == [A]


@pytest.mark.parametrize("shape", [VALID, WITH_HOLE, MULTIPART], ids=["valid", "hole", "multipart"])
def test_same_shape_of_any_kind_is_unchanged(shape: shapely.Geometry) -> None:
    current = areas(grid(A, shape))
    incoming = areas(grid(A, shapely.normalize(shape)))
    assert plan_load(incoming, current, level=Level.GRID).unchanged == [A]


def test_hole_filled_in_is_a_change() -> None:
    current = areas(grid(A, WITH_HOLE))
    assert plan_load(areas(grid(A, VALID)), current, level=Level.GRID).changed == [A]


def test_boundary_moved_below_the_tolerance_is_unchanged() -> None:
    nudged = shapely.transform(GRIDS[0], lambda xy: xy + GEOMETRY_TOLERANCE_DEG / 10)
    assert plan(grid(A, nudged)).unchanged == [A]


def test_boundary_moved_beyond_the_tolerance_is_changed() -> None:
    nudged = shapely.transform(GRIDS[0], lambda xy: xy + GEOMETRY_TOLERANCE_DEG * 10)
    assert plan(grid(A, nudged)).changed == [A]


def test_same_ring_from_another_start_and_direction_is_unchanged() -> None:
    west, south, east, north = GRIDS[0].bounds
    redrawn = Polygon([(east, north), (east, south), (west, south), (west, north)])
    assert plan(grid(A, redrawn)).unchanged == [A]


def test_counts_read_as_floats_equal_the_stored_integers() -> None:
    # pandas turns an integer column with a missing value into floats
    incoming = areas(grid(A, GRIDS[0]), grid(B, GRIDS[1], households=None))
    assert incoming["households"].dtype == float
    result = plan_load(incoming, CURRENT, level=Level.GRID)
    assert (result.unchanged, result.changed) == ([A], [B])


def test_missing_counts_on_both_sides_are_equal() -> None:
    current = areas(grid(A, GRIDS[0], households=None, population=None))
    incoming = areas(grid(A, GRIDS[0], households=float("nan"), population=None))
    assert same_area(incoming.iloc[0], current.iloc[0])


def test_changed_and_added_areas_are_inserted() -> None:
    result = plan(grid(A, GRIDS[0], name="东区网格"), grid(B, GRIDS[1]), grid(C, THIRD))
    assert sorted(result.to_insert["code"]) == [A, C]


def test_changed_areas_are_retired_before_their_new_version() -> None:
    result = plan(grid(A, GRIDS[0], name="东区网格"), grid(B, GRIDS[1]))
    assert result.to_retire == [A]


def test_summary_counts_each_kind() -> None:
    result = plan(grid(A, GRIDS[0], name="东区网格"), grid(C, THIRD), retire_missing=True)
    assert result.summary() == "grid: 1 added, 1 changed, 1 retired, 0 unchanged"


# --- retiring what the file leaves out


def test_missing_areas_are_kept_by_default() -> None:
    result = plan(grid(A, GRIDS[0]))
    assert result.retired == []
    assert result.is_empty


def test_retire_missing_retires_areas_of_the_same_parent_left_out() -> None:
    result = plan(grid(A, GRIDS[0]), retire_missing=True)
    assert result.retired == [B]
    assert result.to_retire == [B]
    assert not result.is_empty


def test_retire_missing_leaves_other_parents_alone() -> None:
    result = plan(grid(A, GRIDS[0]), retire_missing=True)
    assert ELSEWHERE not in result.retired


def test_retire_missing_with_an_empty_store_retires_nothing() -> None:
    incoming = areas(grid(A, GRIDS[0]))
    result = plan_load(incoming, CURRENT.iloc[:0], level=Level.GRID, retire_missing=True)
    assert result.retired == []


def test_retire_missing_at_the_top_level_covers_every_district() -> None:
    current = areas(
        {"code": "110108", "name": "海淀区", "geometry": GRIDS[0]},
        {"code": "110105", "name": "朝阳区", "geometry": GRIDS[1]},
    )
    incoming = areas({"code": "110108", "name": "海淀区", "geometry": GRIDS[0]})
    result = plan_load(incoming, current, level=Level.DISTRICT, retire_missing=True)
    assert result.retired == ["110105"]


def test_retiring_an_area_with_children_is_refused() -> None:
    with pytest.raises(Conflict) as caught:
        plan(grid(A, GRIDS[0]), retire_missing=True, with_children={B})
    assert caught.value.detail.startswith(f"retire_missing: {B} still have current children")


def test_children_of_areas_that_stay_do_not_block_retiring() -> None:
    result = plan(grid(A, GRIDS[0]), retire_missing=True, with_children={A, ELSEWHERE})
    assert result.retired == [B]


def test_children_do_not_matter_without_retire_missing() -> None:
    assert plan(grid(A, GRIDS[0]), with_children={B}).retired == []


# --- parents


def test_areas_whose_parents_exist_pass() -> None:
    check_parents(
        areas(grid(A, GRIDS[0]), grid(ELSEWHERE, THIRD)), Level.GRID, {COMMUNITY, OTHER_COMMUNITY}
    )


def test_unknown_parent_names_the_feature_the_code_and_the_parent() -> None:
    incoming = areas(grid(A, GRIDS[0]), grid(ELSEWHERE, THIRD))
    with pytest.raises(UnknownParent) as caught:
        check_parents(incoming, Level.GRID, {COMMUNITY})
    assert caught.value.detail == (
        f"feature 2 (code {ELSEWHERE}): field code: parent community {OTHER_COMMUNITY} "
        "does not exist; load the community level first"
    )


def test_first_feature_with_an_unknown_parent_is_named() -> None:
    incoming = areas(grid(ELSEWHERE, THIRD), grid(A, GRIDS[0]))
    with pytest.raises(UnknownParent, match=r"^feature 1 \(code 110108010020001\)"):
        check_parents(incoming, Level.GRID, set())


def test_districts_need_no_parent() -> None:
    check_parents(
        areas({"code": "110108", "name": "海淀区", "geometry": GRIDS[0]}), Level.DISTRICT, set()
    )
