"""What a redraw changes: areas gained and lost, transfers, households moved, regridded incidents."""

from __future__ import annotations

from typing import Any, cast

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely import Point, box

from gis.diff import NOWHERE, diff_areas, regridded
from tests.gis.checks import zoo

FIRST, SECOND, THIRD = zoo.CODES[:3]
REL = 1e-4  # the zoo's drawings go through two projections
BEFORE = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[400, 1000])


def grown(x: float) -> list[shapely.Geometry]:
    """The two grids with their shared edge moved from 100 m to ``x``."""
    return [box(0, 0, x, 100), box(x, 0, 200, 100)]


def summary_of(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> pd.DataFrame:
    return diff_areas(before, after).summary.set_index("code")


def test_same_areas_have_no_transfers() -> None:
    assert diff_areas(BEFORE, zoo.areas([zoo.LEFT, zoo.RIGHT])).transfers.empty


def test_same_areas_are_unchanged() -> None:
    summary = summary_of(BEFORE, zoo.areas([zoo.LEFT, zoo.RIGHT]))
    assert list(summary["status"]) == ["unchanged", "unchanged"]
    assert list(summary["gained_m2"]) == [0.0, 0.0]
    assert list(summary["lost_m2"]) == [0.0, 0.0]


def test_moved_edge_is_one_transfer_from_the_loser_to_the_winner() -> None:
    transfers = diff_areas(BEFORE, zoo.areas(grown(150))).transfers
    assert list(zip(transfers["from_code"], transfers["to_code"], strict=True)) == [(SECOND, FIRST)]
    assert transfers["area_m2"].iloc[0] == pytest.approx(50 * 100, rel=REL)


def test_winner_gains_and_loser_loses_the_strip() -> None:
    summary = summary_of(BEFORE, zoo.areas(grown(150)))
    assert summary.loc[FIRST, "gained_m2"] == pytest.approx(5_000, rel=REL)
    assert summary.loc[FIRST, "lost_m2"] == 0.0
    assert summary.loc[SECOND, "lost_m2"] == pytest.approx(5_000, rel=REL)
    assert summary.loc[SECOND, "gained_m2"] == 0.0
    assert list(summary["status"]) == ["changed", "changed"]


def test_summary_has_areas_before_and_after() -> None:
    summary = summary_of(BEFORE, zoo.areas(grown(150)))
    assert summary.loc[FIRST, "area_before_m2"] == pytest.approx(10_000, rel=REL)
    assert summary.loc[FIRST, "area_after_m2"] == pytest.approx(15_000, rel=REL)
    assert summary.loc[SECOND, "area_after_m2"] == pytest.approx(5_000, rel=REL)


@pytest.mark.parametrize(("edge", "share"), [(150, 0.5), (125, 0.25), (190, 0.9)])
def test_households_move_by_area_share_of_the_area_they_leave(edge: float, share: float) -> None:
    transfers = diff_areas(BEFORE, zoo.areas(grown(edge))).transfers
    assert transfers["households_moved"].iloc[0] == pytest.approx(1000 * share, abs=0.1)


def test_households_moving_the_other_way_come_from_the_other_area() -> None:
    transfers = diff_areas(BEFORE, zoo.areas(grown(50))).transfers
    assert (transfers["from_code"].iloc[0], transfers["to_code"].iloc[0]) == (FIRST, SECOND)
    assert transfers["households_moved"].iloc[0] == pytest.approx(400 * 0.5, abs=0.1)


def test_households_after_the_redraw_are_not_used() -> None:
    after = zoo.areas(grown(150), households=[None, None])
    assert diff_areas(BEFORE, after).transfers["households_moved"].iloc[0] == pytest.approx(500)


def test_unknown_households_move_as_unknown() -> None:
    before = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[400, None])
    transfers = diff_areas(before, zoo.areas(grown(150))).transfers
    assert transfers["households_moved"].iloc[0] is None


def test_summary_counts_households_out_and_in() -> None:
    summary = summary_of(BEFORE, zoo.areas(grown(150)))
    assert summary.loc[SECOND, "households_out"] == pytest.approx(500)
    assert summary.loc[FIRST, "households_in"] == pytest.approx(500)
    assert pd.isna(summary.loc[FIRST, "households_out"])


def test_piece_is_the_strip_that_moved() -> None:
    pieces = diff_areas(BEFORE, zoo.areas(grown(150))).pieces
    strip = zoo.metres(pieces.geometry.iloc[0])
    assert shapely.symmetric_difference(strip, box(100, 0, 150, 100)).area < 0.05  # m², of 5,000
    assert pieces.crs is not None
    assert pieces.crs.to_epsg() == 4326


def test_pieces_under_a_square_metre_are_ignored() -> None:
    after = zoo.areas(grown(100.005))  # 0.005 m × 100 m = 0.5 m²
    assert diff_areas(BEFORE, after).transfers.empty
    assert set(summary_of(BEFORE, after)["status"]) == {"unchanged"}


def test_a_piece_to_each_of_two_neighbours_is_two_transfers() -> None:
    before = zoo.areas([box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)])
    after = zoo.areas([box(0, 0, 120, 100), box(120, 0, 180, 100), box(180, 0, 300, 100)])
    transfers = diff_areas(before, after).transfers
    pairs = list(zip(transfers["from_code"], transfers["to_code"], strict=True))
    assert pairs == [(SECOND, FIRST), (SECOND, THIRD)]  # sorted by from, to
    assert list(transfers["area_m2"]) == pytest.approx([2_000, 2_000], rel=REL)


def test_renumbered_area_moves_everything_to_its_new_code() -> None:
    after = zoo.areas([zoo.LEFT, zoo.RIGHT], codes=[FIRST, THIRD])
    diff = diff_areas(BEFORE, after)
    assert list(diff.transfers["from_code"]) == [SECOND]
    assert list(diff.transfers["to_code"]) == [THIRD]
    assert diff.transfers["households_moved"].iloc[0] == pytest.approx(1000)
    statuses = dict(zip(diff.summary["code"], diff.summary["status"], strict=True))
    assert statuses == {FIRST: "unchanged", SECOND: "removed", THIRD: "added"}


def test_item16_a_renumber_is_listed_as_such_not_as_ground_moving() -> None:
    after = zoo.areas([zoo.LEFT, zoo.RIGHT], codes=[FIRST, THIRD])
    diff = diff_areas(BEFORE, after)
    assert diff.renumbered.values.tolist() == [[SECOND, THIRD]]
    assert diff.transfers["renumber"].tolist() == [True]
    assert diff.to_json()["renumbered"] == [{"code": SECOND, "new_code": THIRD}]


def test_item16_ground_moving_to_a_neighbour_is_not_a_renumber() -> None:
    diff = diff_areas(BEFORE, zoo.areas(grown(150)))
    assert diff.renumbered.empty
    assert diff.transfers["renumber"].tolist() == [False]


def test_removed_area_absorbed_by_its_neighbour_moves_to_it() -> None:
    diff = diff_areas(BEFORE, zoo.areas([zoo.PARENT_M], codes=[FIRST]))
    row = diff.transfers.iloc[0]
    assert (row["from_code"], row["to_code"]) == (SECOND, FIRST)
    assert row["area_m2"] == pytest.approx(10_000, rel=REL)
    assert row["households_moved"] == pytest.approx(1000)


def test_removed_area_has_no_area_after() -> None:
    summary = summary_of(BEFORE, zoo.areas([zoo.PARENT_M], codes=[FIRST]))
    assert summary.loc[SECOND, "status"] == "removed"
    assert pd.isna(summary.loc[SECOND, "area_after_m2"])


def test_uncovered_ground_is_lost_to_nowhere() -> None:
    diff = diff_areas(BEFORE, zoo.areas([zoo.LEFT]))
    assert list(zip(diff.transfers["from_code"], diff.transfers["to_code"], strict=True)) == [
        (SECOND, NOWHERE)
    ]
    assert diff.transfers["households_moved"].iloc[0] == pytest.approx(1000)
    assert diff.summary.set_index("code").loc[SECOND, "lost_m2"] == pytest.approx(10_000, rel=REL)


def test_newly_covered_ground_is_gained_from_nowhere() -> None:
    after = zoo.areas([zoo.LEFT, zoo.RIGHT, box(200, 0, 300, 100)])
    diff = diff_areas(BEFORE, after)
    assert list(zip(diff.transfers["from_code"], diff.transfers["to_code"], strict=True)) == [
        (NOWHERE, THIRD)
    ]
    assert diff.summary.set_index("code").loc[THIRD, "gained_m2"] == pytest.approx(10_000, rel=REL)


def test_to_json_rounds_measures_and_turns_missing_values_into_none() -> None:
    data = diff_areas(BEFORE, zoo.areas(grown(150))).to_json()
    assert set(data) == {"summary", "transfers", "renumbered", "incidents"}
    transfers = cast(list[dict[str, Any]], data["transfers"])
    summary = cast(list[dict[str, Any]], data["summary"])
    (transfer,) = transfers
    assert transfer["area_m2"] == round(transfer["area_m2"], 2)
    assert transfer["area_m2"] == pytest.approx(5_000, rel=REL)
    first = next(row for row in summary if row["code"] == FIRST)
    assert first["households_out"] is None
    assert data["incidents"] == []


# --- incidents whose grid changes


def incidents(points: list[tuple[float, float]], grids: list[str | None]) -> pd.DataFrame:
    where = [zoo.lonlat(Point(x, y)) for x, y in points]
    return pd.DataFrame(
        {
            "id": list(range(1, len(points) + 1)),
            "lon": shapely.get_x(where).tolist(),
            "lat": shapely.get_y(where).tolist(),
            "grid_code": grids,
        }
    )


def test_incident_in_ground_that_changed_grid_is_listed_with_its_new_grid() -> None:
    moving = regridded(incidents([(120, 50)], [SECOND]), zoo.areas(grown(150)))
    assert moving[["id", "grid_code", "new_grid_code"]].values.tolist() == [[1, SECOND, FIRST]]


def test_incidents_that_keep_their_grid_are_not_listed() -> None:
    staying = incidents([(50, 50), (170, 50)], [FIRST, SECOND])
    assert regridded(staying, zoo.areas(grown(150))).empty


def test_only_the_moving_incidents_are_listed_renumbered_from_zero() -> None:
    mixed = incidents([(50, 50), (120, 50), (170, 50)], [FIRST, SECOND, SECOND])
    moving = regridded(mixed, zoo.areas(grown(150)))
    assert list(moving["id"]) == [2]
    assert list(moving.index) == [0]


def test_incident_without_a_grid_that_now_has_one_is_listed() -> None:
    moving = regridded(incidents([(50, 50)], [None]), zoo.areas(grown(150)))
    assert list(moving["new_grid_code"]) == [FIRST]


def test_incident_left_outside_every_grid_gets_an_empty_grid() -> None:
    moving = regridded(incidents([(170, 50)], [SECOND]), zoo.areas([zoo.LEFT]))
    assert list(moving["new_grid_code"]) == [""]


def test_no_incidents_give_an_empty_frame_with_the_new_column() -> None:
    none = incidents([], [])
    moving = regridded(none, zoo.areas([zoo.LEFT]))
    assert moving.empty
    assert "new_grid_code" in moving.columns


def test_item15_households_moved_are_whole_numbers() -> None:
    # 1,000 households × a third of the area = 333.33… → 333 moved, 667 stay
    diff = diff_areas(BEFORE, zoo.areas(grown(100 + 100 / 3)))
    assert diff.transfers["households_moved"].tolist() == [333]
    assert isinstance(diff.transfers["households_moved"].iloc[0], int)
    summary = diff.summary.set_index("code")
    assert summary.loc[SECOND, "households_after"] == 667


def test_item15_an_area_with_nothing_known_has_no_households_not_nan() -> None:
    from gis.diff import plan_households

    before = zoo.areas([zoo.LEFT], households=[None])
    found = plan_households(before, zoo.areas([zoo.LEFT, None]), None)
    assert found["households"].tolist() == [None, None]
    assert found["households_source"].tolist() == [None, None]


def test_item15_addresses_are_counted_where_they_stand_and_the_rest_shared() -> None:
    from gis.diff import plan_households

    home = zoo.lonlat(Point(50, 50))
    registry = pd.DataFrame({"lon": [home.x], "lat": [home.y], "households": [250]})
    found = plan_households(BEFORE, zoo.areas(grown(150)), registry)
    # FIRST: its 250 registry households + its 150 unexplained; SECOND's 1,000 shared 500/500
    assert found["households"].tolist() == [250 + 150 + 500, 500]
    assert found["households_source"].tolist() == ["registry + area share", "area share"]
