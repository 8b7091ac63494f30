"""The sample incidents' generator (issue 15): deterministic, a year of every category and status.

Pure: the sample's files in, reports and steps out (the loader is tested in tests/usecases).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.dispatch.departments import Departments
from gis.dispatch.rules import Rules
from gis.incidents.catalogue import Catalogue
from gis.incidents.lifecycle import LABELS_ZH, TRANSITIONS
from gis.sample.incident_places import Places, places_of
from gis.sample.incidents import COUNT, SAMPLE_MARK, SampleIncident, anchor_of, generate
from gis.sample.osm import read_roads
from gis.settings import SAMPLE_ADDRESSES, SAMPLE_DIR
from gis.usecases.sample import waiting_categories

ZONE = ZoneInfo("Asia/Shanghai")
METRIC = "EPSG:32650"
NOW = datetime(2026, 11, 30, 3, 15, tzinfo=UTC)  # 11:15 in Beijing
ROADS = Path(__file__).parents[2].parent / "shared" / "data" / "osm"
ROADS_FILE = ROADS / "osm_roads_beijing_haidian_cau.geojson"
CATALOGUE = Catalogue.load()
DEPARTMENTS = Departments.load()
WAITING = waiting_categories(Rules.load(), CATALOGUE)


@pytest.fixture(scope="module")
def grids() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE_DIR / "xueyuanlu_grids.geojson")


@pytest.fixture(scope="module")
def registry() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE_ADDRESSES)


@pytest.fixture(scope="module")
def places(grids: gpd.GeoDataFrame, registry: gpd.GeoDataFrame) -> Places:
    return places_of(grids, registry, None)  # the grids' edges stand for the streets


def draw(places: Places, now: datetime = NOW, count: int = COUNT) -> list[SampleIncident]:
    return generate(
        places, CATALOGUE, DEPARTMENTS, waiting=WAITING, now=now, zone=ZONE, count=count
    )


@pytest.fixture(scope="module")
def sample(places: Places) -> list[SampleIncident]:
    return draw(places)


def final_status(made: SampleIncident) -> str:
    """Where an incident ends, as the loader takes it (a rule dispatches some at once)."""
    if made.report.lon is None and made.report.address and not made.steps:
        return "needs_location" if made.fate == "needs_location" else "reported"
    return made.steps[-1].change.status if made.steps else "reported"


def test_the_same_day_draws_the_same_incidents(places: Places, sample: list) -> None:
    later_that_day = NOW + timedelta(hours=10)  # 21:15 in Beijing, the same day
    assert draw(places, later_that_day) == sample
    assert draw(places, NOW + timedelta(days=1)) != sample


def test_a_year_of_at_least_200_before_the_day(sample: list[SampleIncident]) -> None:
    anchor = anchor_of(NOW, ZONE)
    assert len(sample) == COUNT >= 200
    reported = [m.report.reported_at for m in sample]
    assert all(anchor - timedelta(days=366) < t < anchor for t in reported)
    assert reported == sorted(reported)
    months = Counter((t.astimezone(ZONE).year, t.astimezone(ZONE).month) for t in reported)
    assert len(months) >= 12
    assert [m.number for m in sample] == list(range(1, COUNT + 1))


def test_every_category_and_every_status(sample: list[SampleIncident]) -> None:
    assert {m.report.category for m in sample} == {c.code for c in CATALOGUE}
    assert {final_status(m) for m in sample} == set(LABELS_ZH)


def test_every_step_is_a_legal_move_in_time_order(sample: list[SampleIncident]) -> None:
    anchor = anchor_of(NOW, ZONE)
    for made in sample:
        # the steps start from reported (or from dispatched, when a rule dispatched it)
        status, when = "reported", made.report.reported_at
        for step in made.steps:
            ruled = status == "reported" and step.change.status == "dispatched"
            assert ruled or step.change.status in TRANSITIONS[status], made.number
            assert when is not None and when <= step.at < anchor
            status, when = step.change.status, step.at


def test_every_report_is_marked_sample(sample: list[SampleIncident]) -> None:
    assert all(m.report.attributes.items() >= SAMPLE_MARK.items() for m in sample)
    ids = [m.report.attributes["sample_id"] for m in sample]
    assert len(set(ids)) == len(ids) and ids[0] == "S0001"


def test_some_are_reported_by_a_registry_address_only(
    sample: list[SampleIncident], registry: gpd.GeoDataFrame
) -> None:
    by_address = [m for m in sample if m.report.lon is None and m.fate != "needs_location"]
    assert len(by_address) >= 5
    assert {m.report.address for m in by_address} <= set(registry["address"])
    assert all(m.report.source == "hotline" for m in by_address)
    unknown = [m for m in sample if m.fate == "needs_location"]
    assert unknown and not {m.report.address for m in unknown} & set(registry["address"])


def test_closures_carry_feedback_and_some_were_reopened(sample: list[SampleIncident]) -> None:
    closures = [s.change for m in sample for s in m.steps if s.change.status == "closed"]
    assert len(closures) >= 150
    assert all(c.score in (1, 2, 3, 4, 5) for c in closures)
    assert {c.score for c in closures} >= {2, 4, 5}
    reopened = [m for m in sample if any(s.change.status == "reopened" for s in m.steps)]
    assert len(reopened) >= 10
    assert sum(final_status(m) == "closed" for m in reopened) >= 5


def test_some_are_open_long_past_due(sample: list[SampleIncident]) -> None:
    anchor = anchor_of(NOW, ZONE)
    open_ = {"reported", "triaged", "dispatched", "in_progress", "reopened"}
    overdue = [
        m
        for m in sample
        if final_status(m) in open_
        and m.report.reported_at + timedelta(hours=CATALOGUE[m.report.category].sla_hours)
        < anchor - timedelta(days=1)
    ]
    assert len(overdue) >= 10


def test_some_closed_late(sample: list[SampleIncident]) -> None:
    late = [
        m
        for m in sample
        for s in m.steps
        if s.change.status == "resolved"
        and s.at > m.report.reported_at + timedelta(hours=CATALOGUE[m.report.category].sla_hours)
    ]
    assert 5 <= len(late) <= len(sample) // 2


def test_duplicates_repeat_an_open_incident_nearby(sample: list[SampleIncident]) -> None:
    duplicates = [m for m in sample if m.fate == "duplicate"]
    assert duplicates
    for dup in duplicates:
        rule = CATALOGUE[dup.report.category]
        originals = [
            m
            for m in sample
            if m.number < dup.number
            and m.report.category == dup.report.category
            and m.report.lon is not None
            and _metres(m, dup) <= rule.duplicate_radius_m
            and dup.report.reported_at - m.report.reported_at
            <= timedelta(hours=rule.duplicate_window_hours)
            and next(s.at for s in m.steps if s.change.status == "resolved")
            > dup.report.reported_at
        ]
        assert originals, dup.number


def test_points_lie_in_the_grids_on_streets_or_at_homes(
    sample: list[SampleIncident], places: Places, grids: gpd.GeoDataFrame
) -> None:
    placed = [m for m in sample if m.report.lon is not None]
    points = gpd.GeoSeries(shapely.points([(m.report.lon, m.report.lat) for m in placed]), crs=4326)
    assert shapely.contains(
        shapely.coverage_union_all(grids.geometry.to_numpy()), points.to_numpy()
    ).all()
    metric = points.to_crs(METRIC).to_numpy()
    streets = shapely.union_all(places.streets.to_crs(METRIC).geometry.to_numpy())
    homes = shapely.union_all(places.homes.to_crs(METRIC).geometry.to_numpy())
    to_street, to_home = shapely.distance(streets, metric), shapely.distance(homes, metric)
    # 3 m off a street, 8 m (each way) off a home, and a duplicate 4 m more off its original
    assert (np.fmin(to_street, to_home) < 8 * 2**0.5 + 4 * 2**0.5).all()
    on_streets = (to_street < 3 * 2**0.5).sum()
    assert 40 < on_streets < len(placed) - 40  # both kinds


def test_descriptions_are_chinese_and_name_the_place(sample: list[SampleIncident]) -> None:
    for made in sample:
        text = made.report.description
        assert text and "{" not in text and any("\u4e00" <= c <= "\u9fff" for c in text)
    named = [m for m in sample if m.report.address and m.report.address in m.report.description]
    assert named


@pytest.mark.skipif(not ROADS_FILE.exists(), reason="../shared/data is not available")
def test_with_the_osm_roads_descriptions_name_the_streets(
    grids: gpd.GeoDataFrame, registry: gpd.GeoDataFrame
) -> None:
    places = places_of(grids, registry, read_roads(ROADS_FILE))
    assert {"学院路", "清华东路", "志新西路"} <= set(places.streets["name"])
    assert "京藏高速" not in set(places.streets["name"])
    made = draw(places)
    streets = set(places.streets["name"])
    assert sum(any(s in m.report.description for s in streets) for m in made) >= 50


def _metres(one: SampleIncident, other: SampleIncident) -> float:
    points = gpd.GeoSeries(
        [shapely.Point(m.report.lon, m.report.lat) for m in (one, other)], crs=4326
    ).to_crs(METRIC)
    return float(points.iloc[0].distance(points.iloc[1]))
