"""Issue 16: a grid map of more areas than a page holds is tiled, and each tile's grids told.

Over ``tiles_above`` areas the page reads no grid geometry (only the scope's top areas) and the
map asks `pages.grid_facts` for the grids of each tile it draws: their measure, staff, open
incidents and staffing, which must be what the whole page says of the same grids.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import morecantile
import pandas as pd
import pytest

from gis.db import stats as stats_sql
from gis.identity.access import Acting, Actor
from gis.identity.roles import Grant
from gis.tiles import Tile
from gis.usecases import pages
from gis.usecases.runtime import Runtime
from tests.principals import OWNER
from tests.usecases.test_dispatch import IN_GRID, NOW, report
from tests.usecases.test_pages_roster import GRID, OTHER_GRID, staffed  # noqa: F401

LEVELS = ("district", "subdistrict", "community", "grid")


def tile_at(lon: float, lat: float, zoom: int = 13) -> Tile:
    """The WebMercatorQuad tile holding the point (at zoom 13, both test grids)."""
    found = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, zoom)
    return Tile(found.z, found.x, found.y)


@pytest.fixture
def reported(staffed: Runtime) -> Iterator[Runtime]:  # noqa: F811
    """Two hazards in grid 001, one of them overdue."""
    report(staffed, "hazard", hours_ago=30)
    report(staffed, "hazard")
    yield staffed


def same_values(left: pd.Series | None, right: pd.Series | None) -> bool:
    assert left is not None and right is not None
    return bool(left.sort_index().equals(right.sort_index()))


def test_issue16_over_the_limit_the_page_reads_only_its_top_areas(reported: Runtime) -> None:
    whole = pages.grids_page(reported, acting=OWNER, measure="overdue_rate")
    tiled = pages.grids_page(reported, acting=OWNER, measure="overdue_rate", tiles_above=4)
    assert not whole.tiled and tiled.tiled
    assert list(tiled.areas["code"]) == ["110108"]  # the root: bounds and scope of the tiles
    assert tiled.levels == LEVELS
    assert tiled.unstaffed == whole.unstaffed  # the legend's count
    assert same_values(tiled.values, whole.values)  # the legend's classes
    assert tiled.staff == {} and tiled.open_incidents == {}  # asked tile by tile


def test_issue16_at_or_under_the_limit_the_page_is_whole(reported: Runtime) -> None:
    page = pages.grids_page(reported, acting=OWNER, tiles_above=5)  # 5 areas: not over
    assert not page.tiled and len(page.areas) == 5
    assert page.open_incidents == {GRID: 2, OTHER_GRID: 0}


def test_issue16_a_tiles_facts_are_what_the_page_says_of_its_grids(reported: Runtime) -> None:
    whole = pages.grids_page(reported, acting=OWNER, measure="overdue_rate")
    facts = pages.grid_facts(reported, acting=OWNER, tile=tile_at(*IN_GRID), measure="overdue_rate")
    assert GRID in facts.codes
    assert facts.values[GRID] == pytest.approx(0.5)
    for code in facts.codes:
        expected = whole.values[code] if whole.values is not None else None
        assert (facts.values[code] is None) == (expected is None or math.isnan(expected))
    assert facts.open_incidents.get(GRID) == whole.open_incidents[GRID] == 2
    assert facts.staff == {code: whole.staff[code] for code in facts.codes}
    assert facts.unstaffed == [g.code for g in whole.unstaffed if g.code in facts.codes]
    assert OTHER_GRID in facts.codes and facts.unstaffed == [OTHER_GRID]


def test_issue16_a_tile_answers_only_the_grids_in_the_callers_scope(reported: Runtime) -> None:
    scoped = Acting(Actor("li", "test"), "maps:read", (Grant("grid_worker", GRID),))
    facts = pages.grid_facts(reported, acting=scoped, tile=tile_at(*IN_GRID))
    assert facts.codes == [GRID] and facts.values == {}
    assert facts.open_incidents == {GRID: 2}


def test_issue16_a_tile_away_from_every_grid_has_no_facts(reported: Runtime) -> None:
    for measure in (None, *pages.INCIDENT_MEASURES):
        facts = pages.grid_facts(
            reported, acting=OWNER, tile=tile_at(121.47, 31.23), measure=measure
        )
        assert facts.codes == [] and facts.unstaffed == [] and facts.open_incidents == {}
        assert facts.values == {}


def test_issue16_a_tiles_measure_is_checked_like_the_pages(reported: Runtime) -> None:
    with pytest.raises(Exception, match="measure"):
        pages.grid_facts(reported, acting=OWNER, tile=tile_at(*IN_GRID), measure="nonsense")


def test_issue16_stats_of_some_codes_are_those_rows_of_the_whole(reported: Runtime) -> None:
    with reported.read() as conn:
        whole = stats_sql.incident_stats(conn, level=pages.Level.GRID, by="current", now=NOW)
        some = stats_sql.incident_stats(
            conn, level=pages.Level.GRID, by="current", now=NOW, codes=[OTHER_GRID, GRID]
        )
        none = stats_sql.incident_stats(
            conn, level=pages.Level.GRID, by="recorded", now=NOW, codes=[]
        )
    assert some == [row for row in whole if row.code in (GRID, OTHER_GRID)]
    assert [row.code for row in some] == [GRID, OTHER_GRID] and none == []


def test_issue16_the_hazard_and_station_pages_tile_their_grids_over_the_limit(
    reported: Runtime,
) -> None:
    whole = pages.hazards_page(reported, acting=OWNER)
    tiled = pages.hazards_page(reported, acting=OWNER, tiles_above=1)
    assert not whole.tiled and sorted(whole.grids["code"]) == [GRID, OTHER_GRID]
    assert tiled.tiled and list(tiled.grids["code"]) == ["110108"]  # the top area only
    assert [i.id for i in tiled.incidents] == [i.id for i in whole.incidents]
    assert not pages.hazards_page(reported, acting=OWNER, tiles_above=2).tiled  # 2 grids
    stations = pages.stations_page(reported, acting=OWNER, tiles_above=1)
    assert stations.tiled and list(stations.grids["code"]) == ["110108"]
    assert not pages.stations_page(reported, acting=OWNER).tiled
