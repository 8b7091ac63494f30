"""The planner's workflow against PostGIS: drafts, edits, checks, diff, publish, conflicts, revert."""

import threading
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely import LineString, box
from sqlalchemy import text

from gis.areas import Level
from gis.db import areas as area_sql
from gis.db import plans as plan_sql
from gis.errors import Conflict, InvalidInput, NotFound
from gis.usecases import incidents, plan_edits, planning
from gis.usecases.runtime import Runtime
from tests import geoms
from tests.principals import OWNER
from tests.stores import load_hierarchy

COMMUNITY = "110108010019"
WEST, EAST = "110108010019001", "110108010019002"


@pytest.fixture
def store(rt: Runtime, tmp_path: Path) -> Runtime:
    return load_hierarchy(rt, tmp_path)


def plan_frame(rows: list[tuple[str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    frame = geoms.frame(rows)
    frame["households"] = None
    return frame


def areas_of(store: Runtime, plan_id: int) -> gpd.GeoDataFrame:
    with store.read() as conn:
        return plan_sql.plan_areas(conn, plan_id=plan_id)


def test_plan_copies_current_areas(store: Runtime) -> None:
    plan_id = planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY, note="test").id
    assert list(areas_of(store, plan_id)["code"]) == [WEST, EAST]
    with store.read() as conn:
        plan = plan_sql.get_plan(conn, plan_id=plan_id)
    assert (plan.status, plan.level, plan.note) == ("draft", "grid", "test")


def test_split_merge_and_renumber(store: Runtime) -> None:
    plan_id = planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY).id
    new = plan_edits.split(
        store,
        acting=OWNER,
        plan_id=plan_id,
        code=WEST,
        line=LineString([(116.33, 40.0), (116.351, 40.0)]),
    )
    assert new == "110108010019003"
    assert len(areas_of(store, plan_id)) == 3
    assert not [
        f for f in planning.check_plan(store, plan_id, acting=OWNER) if f.severity == "error"
    ]
    assert (
        planning.renumber(store, acting=OWNER, plan_id=plan_id).changed == []
    )  # existing grids keep codes
    mapping = dict(planning.renumber(store, acting=OWNER, plan_id=plan_id, everything=True).codes)
    assert sorted(mapping.values()) == ["110108010019001", "110108010019002", "110108010019003"]
    assert mapping[EAST] == "110108010019002"  # north-west first, then east, then south-west
    plan_edits.merge(
        store, acting=OWNER, plan_id=plan_id, codes=["110108010019001", "110108010019003"]
    )
    merged = areas_of(store, plan_id).set_index("code").geometry["110108010019001"]
    assert merged.normalize().equals(shapely.multipolygons([geoms.GRIDS[0]]).normalize())


def test_move_piece(store: Runtime) -> None:
    plan_id = planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY).id
    plan_edits.move(
        store,
        acting=OWNER,
        plan_id=plan_id,
        source=WEST,
        target=EAST,
        piece=box(116.345, 39.98, 116.36, 40.02),
    )
    areas = areas_of(store, plan_id).set_index("code").geometry
    assert areas[WEST].bounds == pytest.approx((116.34, 39.99, 116.345, 40.01))
    assert areas[EAST].bounds == pytest.approx((116.345, 39.99, 116.36, 40.01))


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (
            lambda e, p: plan_edits.split(
                e,
                acting=OWNER,
                plan_id=p,
                code=WEST,
                line=LineString([(116.0, 39.0), (116.1, 39.1)]),
            ),
            "does not cross",
        ),
        (lambda e, p: plan_edits.merge(e, acting=OWNER, plan_id=p, codes=[WEST]), "at least two"),
        (
            lambda e, p: plan_edits.move(
                e,
                acting=OWNER,
                plan_id=p,
                source=WEST,
                target=EAST,
                piece=box(116.341, 39.995, 116.342, 39.996),
            ),
            "does not touch",
        ),
        (
            lambda e, p: plan_edits.split(
                e,
                acting=OWNER,
                plan_id=p,
                code="110108010019099",
                line=LineString([(116.0, 39.0), (116.1, 39.1)]),
            ),
            "no area",
        ),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(store: Runtime, operation, message: str) -> None:
    plan_id = planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY).id
    before = areas_of(store, plan_id)
    with pytest.raises((InvalidInput, NotFound), match=message):
        operation(store, plan_id)
    after = areas_of(store, plan_id)
    assert list(after["code"]) == list(before["code"])
    assert all(a.equals(b) for a, b in zip(after.geometry, before.geometry, strict=True))


def test_merge_of_non_adjacent_grids_refused(store: Runtime) -> None:
    far = [
        (WEST, "w", box(116.34, 39.99, 116.345, 40.01)),
        (EAST, "e", box(116.355, 39.99, 116.36, 40.01)),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(far)
    ).id
    with pytest.raises(InvalidInput, match="share no edge"):
        plan_edits.merge(store, acting=OWNER, plan_id=plan_id, codes=[WEST, EAST])


def test_plan_with_grid_outside_its_scope_refused(store: Runtime) -> None:
    with pytest.raises(InvalidInput, match="not in scope 110108010019"):
        planning.create_plan(
            store,
            acting=OWNER,
            scope_code=COMMUNITY,
            areas=plan_frame([("110108010020001", "x", geoms.GRIDS[0])]),
        )
    with pytest.raises(InvalidInput, match="entirely outside scope"):
        planning.create_plan(
            store,
            acting=OWNER,
            scope_code=COMMUNITY,
            areas=plan_frame([(WEST, "x", box(117, 41, 117.1, 41.1))]),
        )
    with store.read() as conn:
        assert plan_sql.find_plans(conn) == []


def test_diff_reports_transfers(store: Runtime) -> None:
    moved = [
        (WEST, "w", box(116.34, 39.99, 116.352, 40.01)),
        (EAST, "e", box(116.352, 39.99, 116.36, 40.01)),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(moved)
    ).id
    diff = planning.diff_plan(store, plan_id, acting=OWNER)
    transfers = diff.transfers.set_index(["from_code", "to_code"])
    strip_m2 = float(geoms_area(box(116.35, 39.99, 116.352, 40.01)))
    assert transfers.loc[(EAST, WEST), "area_m2"] == pytest.approx(strip_m2, rel=1e-6)
    summary = diff.summary.set_index("code")
    assert summary.loc[WEST, "gained_m2"] == pytest.approx(strip_m2, rel=1e-6)
    assert summary.loc[EAST, "lost_m2"] == pytest.approx(strip_m2, rel=1e-6)
    assert len(diff.pieces) == 1


def geoms_area(geometry: shapely.Geometry) -> float:
    from gis.geometry import area_m2

    return float(area_m2([geometry])[0])


def test_publish_makes_a_new_version_and_keeps_the_old(store: Runtime) -> None:
    before = datetime.now(UTC)
    moved = [
        (WEST, "w", box(116.34, 39.99, 116.352, 40.01)),
        (EAST, "e", box(116.352, 39.99, 116.36, 40.01)),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(moved)
    ).id
    summary = planning.publish(store, acting=OWNER, plan_id=plan_id).check_summary
    assert summary is not None and summary["errors"] == 0
    with store.read() as conn:
        now = area_sql.find_areas(conn, level=Level.GRID)
        then = area_sql.find_areas(conn, level=Level.GRID, as_of=before)
        plan = plan_sql.get_plan(conn, plan_id=plan_id)
    assert now.geometry.iloc[0].bounds[2] == pytest.approx(116.352)
    assert then.geometry.iloc[0].bounds[2] == pytest.approx(116.35)
    assert plan.status == "published" and plan.published_at is not None
    with pytest.raises(Conflict, match="is published"):
        planning.publish(store, acting=OWNER, plan_id=plan_id)


def test_publish_refused_while_errors_remain(store: Runtime) -> None:
    gap = [
        (WEST, "w", box(116.34, 39.99, 116.349, 40.01)),
        (EAST, "e", box(116.35, 39.99, 116.36, 40.01)),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(gap)
    ).id
    with pytest.raises(Conflict, match=r"has 1 errors \(gap\)"):
        planning.publish(store, acting=OWNER, plan_id=plan_id)
    with pytest.raises(InvalidInput, match="needs a reason"):
        planning.publish(store, acting=OWNER, plan_id=plan_id, force=True)
    planning.publish(
        store, acting=OWNER, plan_id=plan_id, force=True, reason="lake drained, survey pending"
    )
    with store.read() as conn:
        plan = plan_sql.get_plan(conn, plan_id=plan_id)
    assert (
        plan.override_reason == "lake drained, survey pending" and plan.check_summary["errors"] == 1
    )


def test_outdated_plan_is_refused(store: Runtime) -> None:
    moved = [
        (WEST, "w", box(116.34, 39.99, 116.352, 40.01)),
        (EAST, "e", box(116.352, 39.99, 116.36, 40.01)),
    ]
    first = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(moved)
    ).id
    second = planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY).id
    planning.publish(store, acting=OWNER, plan_id=first)
    with pytest.raises(Conflict, match="changed since plan"):
        planning.publish(store, acting=OWNER, plan_id=second)
    with store.read() as conn:
        assert plan_sql.get_plan(conn, plan_id=second).status == "draft"


def test_two_concurrent_publishes_one_wins(store: Runtime) -> None:
    moved = [
        (WEST, "w", box(116.34, 39.99, 116.352, 40.01)),
        (EAST, "e", box(116.352, 39.99, 116.36, 40.01)),
    ]
    plans = [
        planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(moved)).id
        for _ in range(2)
    ]
    outcomes: dict[int, str] = {}
    barrier = threading.Barrier(2)

    def publish(plan_id: int) -> None:
        barrier.wait()
        try:
            planning.publish(store, acting=OWNER, plan_id=plan_id)
            outcomes[plan_id] = "published"
        except Conflict:
            outcomes[plan_id] = "conflict"

    threads = [threading.Thread(target=publish, args=(p,)) for p in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["conflict", "published"]
    with store.read() as conn:
        current = conn.execute(
            text("SELECT count(*) FROM areas WHERE level = 'grid' AND valid_to IS NULL")
        ).scalar()
        retired = conn.execute(
            text("SELECT count(*) FROM areas WHERE level = 'grid' AND valid_to IS NOT NULL")
        ).scalar()
    assert (current, retired) == (2, 2)


def test_revert_publishes_the_previous_version_again(store: Runtime) -> None:
    moved = [
        (WEST, "w", box(116.34, 39.99, 116.352, 40.01)),
        (EAST, "e", box(116.352, 39.99, 116.36, 40.01)),
    ]
    planning.publish(
        store,
        acting=OWNER,
        plan_id=planning.create_plan(
            store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(moved)
        ).id,
    )
    planning.revert(store, acting=OWNER, scope_code=COMMUNITY)
    with store.read() as conn:
        now = area_sql.find_areas(conn, level=Level.GRID)
        versions = area_sql.history(conn, code=WEST)
    assert now.geometry.iloc[0].bounds[2] == pytest.approx(116.35)
    assert len(versions) == 3


def test_unknown_plan(store: Runtime) -> None:
    with pytest.raises(NotFound, match="no plan 999"):
        planning.publish(store, acting=OWNER, plan_id=999)


def test_diff_lists_open_incidents_whose_grid_would_change(store: Runtime) -> None:
    from gis.incidents.report import IncidentReport

    for lon in (116.351, 116.358):  # in the strip that moves from EAST to WEST, and far east
        incidents.report(store, IncidentReport(category="hazard", lon=lon, lat=40.0), acting=OWNER)
    moved = [
        (WEST, "w", box(116.34, 39.99, 116.352, 40.01)),
        (EAST, "e", box(116.352, 39.99, 116.36, 40.01)),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(moved)
    ).id
    moved_incidents = planning.diff_plan(store, plan_id, acting=OWNER).incidents
    assert moved_incidents[["grid_code", "new_grid_code"]].values.tolist() == [[EAST, WEST]]


def test_item17_an_area_the_plan_leaves_alone_keeps_its_row(store: Runtime) -> None:
    """Issue 11, item 17: only the areas a plan changes get new versions on publish."""
    with store.read() as conn:
        [west_id] = area_sql.find_areas(conn, codes=[WEST])["id"]
    grown_east = [
        (WEST, "第01网格", geoms.GRIDS[0]),
        (EAST, "第02网格", box(116.35, 39.99, 116.361, 40.01)),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=plan_frame(grown_east)
    ).id
    assert planning.diff_plan(store, plan_id, acting=OWNER).summary.set_index("code").loc[
        WEST, "status"
    ] == ("unchanged")
    planning.publish(
        store, acting=OWNER, plan_id=plan_id, force=True, reason="east grows past the community"
    )
    with store.read() as conn:
        assert list(area_sql.history(conn, code=WEST)["id"]) == [west_id]
        assert len(area_sql.history(conn, code=EAST)) == 2
