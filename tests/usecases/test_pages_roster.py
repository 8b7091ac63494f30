"""Issue 13 item 7: the grid map page's roster (网格长, 专职网格员), unstaffed grids, overdue rate."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gis.errors import InvalidInput
from gis.roster.duties import GridGap
from gis.usecases import pages, roster
from gis.usecases.runtime import Runtime
from tests.principals import OWNER
from tests.stores import load_hierarchy
from tests.usecases.test_dispatch import person, report

GRID, OTHER_GRID = "110108010019001", "110108010019002"


@pytest.fixture
def staffed(rt: Runtime, tmp_path: Path) -> Iterator[Runtime]:
    """Grid 001 has a leader and a full-time worker; grid 002 only the same leader."""
    load_hierarchy(rt, tmp_path)
    person(rt, 1, "王专职", "wang.ft", ("full_time", GRID))
    person(rt, 2, "李网格长", "li.leader", ("grid_leader", GRID), ("grid_leader", OTHER_GRID))
    person(rt, 3, "钱兼职", None, ("part_time", OTHER_GRID))
    yield rt


def names(page: pages.GridsPage) -> dict[str, list[tuple[str, str]]]:
    return {code: [(p.duty, p.name) for p in people] for code, people in page.staff.items()}


def test_the_page_carries_each_grids_leader_and_full_time_workers(staffed: Runtime) -> None:
    page = pages.grids_page(staffed, acting=OWNER)
    assert names(page) == {
        GRID: [("grid_leader", "李网格长"), ("full_time", "王专职")],
        OTHER_GRID: [("grid_leader", "李网格长")],  # a part-time worker is not shown
    }


def test_the_unstaffed_grids_are_those_roster_check_reports(staffed: Runtime) -> None:
    page = pages.grids_page(staffed, acting=OWNER)
    assert page.unstaffed == [GridGap(OTHER_GRID, "第02网格", ("full_time",))]
    assert page.unstaffed == roster.check_roster(staffed, acting=OWNER)


def test_a_grid_with_nobody_lacks_both_duties(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    page = pages.grids_page(rt, acting=OWNER)
    assert names(page) == {GRID: [], OTHER_GRID: []}
    assert [(g.code, g.missing) for g in page.unstaffed] == [
        (GRID, ("grid_leader", "full_time")),
        (OTHER_GRID, ("grid_leader", "full_time")),
    ]


def test_a_retired_duty_leaves_the_popup_and_the_grid_is_unstaffed(staffed: Runtime) -> None:
    with staffed.write() as conn:
        conn.execute(text("UPDATE duties SET valid_to = now() WHERE person_key = 1"))
    page = pages.grids_page(staffed, acting=OWNER)
    assert names(page)[GRID] == [("grid_leader", "李网格长")]
    assert [g.code for g in page.unstaffed] == [GRID, OTHER_GRID]


def test_a_scope_limits_the_staff_and_the_unstaffed_grids(staffed: Runtime) -> None:
    page = pages.grids_page(staffed, acting=OWNER, scope=GRID)
    assert list(page.staff) == [GRID] and page.unstaffed == []


def test_overdue_rate_is_open_overdue_over_open_per_grid(staffed: Runtime) -> None:
    report(staffed, "hazard", hours_ago=30)  # SLA 24 h: overdue
    report(staffed, "hazard")  # due tomorrow
    page = pages.grids_page(staffed, acting=OWNER, measure="overdue_rate")
    assert page.values is not None
    assert page.values[GRID] == pytest.approx(0.5)
    assert math.isnan(page.values[OTHER_GRID])  # nothing open: no rate


def test_overdue_rate_is_a_measure_named_in_both_languages() -> None:
    zh, en = pages.MEASURES["overdue_rate"]
    assert "超期" in zh and "Overdue rate" in en


def test_an_unknown_measure_lists_overdue_rate(staffed: Runtime) -> None:
    with pytest.raises(InvalidInput, match="overdue_rate"):
        pages.grids_page(staffed, acting=OWNER, measure="late")
