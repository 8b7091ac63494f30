"""The demo's sample incidents, loaded through the use cases (issue 15).

One load for the module (a year of the closed loop is ~1,200 use-case calls): the tests read
what it left. Removing them is tested in ``test_sample_incidents_remove.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text

from gis import clock
from gis.areas import Level
from gis.db import addresses as address_sql
from gis.db import areas as area_sql
from gis.incidents.lifecycle import LABELS_ZH, OPEN
from gis.incidents.records import Incident, IncidentQuery
from gis.sample.incidents import anchor_of
from gis.settings import SAMPLE_ADDRESSES, StoreSettings
from gis.usecases import boundaries, incidents, roster
from gis.usecases.dispatch import SUPERVISOR
from gis.usecases.runtime import Runtime, running
from gis.usecases.sample import SAMPLE_LOADER, SampleIncidents, load_sample, load_sample_incidents
from tests.conftest import truncate
from tests.principals import OWNER

NOW = datetime(2026, 11, 30, 3, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def loaded(
    store_settings: StoreSettings, engine: Engine
) -> Iterator[tuple[Runtime, SampleIncidents]]:
    truncate(engine)
    with running(store_settings, pool_size=2) as rt:
        load_sample(rt)
        boundaries.import_addresses(rt, SAMPLE_ADDRESSES, acting=OWNER)
        roster.load_sample_roster(rt)
        yield rt, load_sample_incidents(rt, now=NOW)


@pytest.fixture(scope="module")
def stored(loaded: tuple[Runtime, SampleIncidents]) -> list[Incident]:
    rt, _ = loaded
    return incidents.list_incidents(rt, IncidentQuery(limit=10_000), acting=OWNER)


@pytest.fixture(scope="module")
def rt(loaded: tuple[Runtime, SampleIncidents]) -> Runtime:
    return loaded[0]


def anchor() -> datetime:
    return anchor_of(NOW, clock.zone())


def test_at_least_200_of_every_category_and_status(
    loaded: tuple[Runtime, SampleIncidents], stored: list[Incident]
) -> None:
    _, result = loaded
    assert result.reported == len(stored) >= 200
    assert {i.category for i in stored} == {c.code for c in loaded[0].catalogue}
    assert {i.status for i in stored} == set(LABELS_ZH)
    assert all(i.attributes["sample"] is True for i in stored)


def test_loading_again_adds_none(rt: Runtime, stored: list[Incident]) -> None:
    again = load_sample_incidents(rt, now=NOW)
    assert (again.reported, again.present) == (0, len(stored))
    assert "already loaded" in again.summary()


def test_placed_in_grids_some_by_their_registry_address(
    rt: Runtime, stored: list[Incident]
) -> None:
    methods = {i.location_method for i in stored}
    assert methods == {"coordinates", "address_exact", "none"}
    by_address = [i for i in stored if i.location_method == "address_exact"]
    assert len(by_address) >= 5
    with rt.read() as conn:
        points = address_sql.points_of(conn, ids=[i.address_id for i in by_address])
    assert all(points[i.address_id] == (i.lon, i.lat) for i in by_address)
    unplaced = [i for i in stored if i.status == "needs_location"]
    assert unplaced and all(i.grid_code is None for i in unplaced)
    assert all(i.grid_code for i in stored if i.status != "needs_location")
    assert {i.grid_code[:12] for i in stored if i.grid_code} >= {
        "110108010018", "110108010019", "110108010021", "110108010024"
    }  # fmt: skip


def test_the_log_follows_the_loop_in_past_time(rt: Runtime, stored: list[Incident]) -> None:
    closed = [i for i in stored if i.status == "closed"]
    for found in closed[:40] + [i for i in stored if i.status == "reopened"]:
        log = incidents.details(rt, found.id, acting=OWNER).events
        assert log[0].at == found.reported_at and log[0].from_status is None
        times = [e.at for e in log]
        assert times == sorted(times) and times[-1] <= anchor()
        assert found.updated_at == times[-1]
    dispatched = {
        e.actor for i in closed[:40] for e in incidents.details(rt, i.id, acting=OWNER).events
    }
    assert SAMPLE_LOADER.login in dispatched
    assert any(actor.startswith("rule:") for actor in dispatched)  # the real dispatch rules


def test_closed_ones_carry_feedback_and_some_were_reopened(
    rt: Runtime, stored: list[Incident]
) -> None:
    closed = [i for i in stored if i.status == "closed"]
    assert len(closed) >= 150
    assert all(i.feedback_score is not None and i.closed_at is not None for i in closed)
    assert {i.feedback_satisfied for i in closed} == {True, False}
    with rt.read() as conn:
        reopened = conn.execute(
            text(
                "SELECT count(DISTINCT incident_id) FROM incident_events WHERE to_status = 'reopened'"
            )
        ).scalar_one()
    assert reopened >= 10


def test_some_overdue_ones_were_escalated_by_supervision(
    rt: Runtime, loaded: tuple[Runtime, SampleIncidents], stored: list[Incident]
) -> None:
    overdue = [i for i in stored if i.status in OPEN and i.due_at < anchor()]
    escalated = [i for i in stored if i.escalation_level > 0]
    assert len(overdue) >= 10 and loaded[1].escalated >= len(escalated) >= 10
    assert {i.id for i in escalated} <= {i.id for i in overdue}
    log = incidents.details(rt, escalated[0].id, acting=OWNER).events
    assert log[-1].actor == SUPERVISOR and log[-1].at == anchor()


def test_duplicates_were_linked_by_intake(rt: Runtime, stored: list[Incident]) -> None:
    duplicates = [i for i in stored if i.status == "duplicate"]
    assert duplicates and all(i.possible_duplicate for i in duplicates)
    links = incidents.details(rt, duplicates[0].id, acting=OWNER).links
    assert links and links[0].distance_m is not None and links[0].distance_m < 50


def test_statistics_have_rates(rt: Runtime, stored: list[Incident]) -> None:
    rows = incidents.area_stats(rt, acting=OWNER, level=Level.COMMUNITY, now=anchor())
    placed = [r for r in rows if r.code]
    assert sum(r.total for r in rows) == len(stored)
    assert all(r.closure_rate is not None and 0 < r.closure_rate < 1 for r in placed if r.total > 5)
    assert all(r.satisfaction_rate is not None for r in placed if r.total > 5)
    assert sum(r.overdue for r in rows) >= 10 and sum(r.escalated for r in rows) >= 10
    grids = incidents.area_stats(rt, acting=OWNER, level=Level.GRID, now=anchor())
    assert sum(1 for r in grids if r.code and r.total > 0) >= 20


def test_the_areas_and_the_loaded_registry_agree(rt: Runtime) -> None:
    # issue 15: 5,553 in the areas against 4,963 in the registry once loaded
    with rt.read() as conn:
        grids = area_sql.find_areas(conn, level=Level.GRID)
        district = area_sql.find_areas(conn, level=Level.DISTRICT)
        homes = address_sql.households_in(conn, bounds=tuple(grids.total_bounds))
    points = gpd.points_from_xy(homes["lon"], homes["lat"])
    for area, households in zip(grids.geometry, grids["households"], strict=True):
        inside = shapely.covered_by(points, area)
        assert households == int(homes.loc[inside, "households"].fillna(0).sum())
    assert int(homes["households"].fillna(0).sum()) == int(district["households"].iloc[0]) == 5_553


def test_waiting_ones_are_recent_and_not_yet_due(stored: list[Incident]) -> None:
    waiting = [i for i in stored if i.status in {"reported", "triaged", "dispatched"}]
    assert len(waiting) >= 10
    assert all(
        anchor() - timedelta(days=5) < i.reported_at and i.due_at > anchor() for i in waiting
    )
