"""Incident statistics per area and period (``GET /stats``), on the 学院路 sample."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from gis.settings import StoreSettings
from gis.usecases import plan_edits, planning
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.principals import OWNER, operator_headers

GRID_A = "110108010018001"  # 石油大院社区第01网格
GRID_B = "110108010018002"  # its neighbour, sharing an edge
GRID_C = "110108010019001"  # in another community
POINTS = {
    GRID_A: (116.355125, 40.005627),
    GRID_B: (116.357766, 40.005888),
    GRID_C: (116.348389, 40.007885),
}


@pytest.fixture
def client(store_settings: StoreSettings, rt: Runtime) -> Iterator[TestClient]:
    load_sample(rt)
    with TestClient(
        create_app(store_settings), headers=operator_headers(store_settings)
    ) as test_client:
        yield test_client


def report(client: TestClient, grid: str, hours_ago: float = 1, **fields: object) -> int:
    lon, lat = POINTS[grid]
    reported_at = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()
    body = {"category": "hazard", "lon": lon, "lat": lat, "reported_at": reported_at, **fields}
    response = client.post("/incidents", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["grid_code"] == grid
    return int(response.json()["id"])


def move(client: TestClient, incident_id: int, *steps: dict) -> None:
    for step in steps:
        response = client.post(f"/incidents/{incident_id}/transitions", json=step)
        assert response.status_code == 200, response.text


def close(client: TestClient, incident_id: int, *, satisfied: bool) -> None:
    move(
        client,
        incident_id,
        {"status": "triaged"},
        {"status": "dispatched", "assignee": "城管执法"},
        {"status": "in_progress"},
        {"status": "resolved"},
        {"status": "closed", "satisfied": satisfied},
    )


def stats(client: TestClient, **params: str) -> dict[str | None, dict]:
    response = client.get("/stats", params=params)
    assert response.status_code == 200, response.text
    return {row["code"]: row for row in response.json()["areas"]}


def test_counts_by_category_and_status(client: TestClient) -> None:
    report(client, GRID_A)
    report(client, GRID_A, category="dispute")
    report(client, GRID_B)
    rows = stats(client, level="grid")
    assert rows[GRID_A]["total"] == 2
    assert rows[GRID_A]["by_category"] == {"dispute": 1, "hazard": 1}
    assert rows[GRID_A]["by_status"] == {"reported": 2}
    assert rows[GRID_C]["total"] == 0 and rows[GRID_C]["closure_rate"] is None


def test_closure_rate_leaves_out_rejected_duplicate_transferred(client: TestClient) -> None:
    close(client, report(client, GRID_A), satisfied=True)
    report(client, GRID_A)
    move(client, report(client, GRID_A), {"status": "rejected"})
    move(client, report(client, GRID_A), {"status": "transferred"})
    row = stats(client, level="grid")[GRID_A]
    assert row["resolved_or_closed"] == 1
    assert row["closure_rate"] == pytest.approx(1 / 2)


def test_median_hours_to_close(client: TestClient) -> None:
    for hours in (10, 20, 60):
        close(client, report(client, GRID_A, hours_ago=hours), satisfied=True)
    report(client, GRID_A, hours_ago=100)  # still open: not in the median
    assert stats(client, level="grid")[GRID_A]["median_hours_to_close"] == pytest.approx(
        20, abs=0.1
    )


def test_overdue_counts_open_incidents_past_due(client: TestClient) -> None:
    report(client, GRID_A, hours_ago=30)  # hazard: 24 h
    report(client, GRID_A, hours_ago=1)
    close(client, report(client, GRID_A, hours_ago=30), satisfied=True)
    assert stats(client, level="grid")[GRID_A]["overdue"] == 1


def test_satisfaction_rate(client: TestClient) -> None:
    close(client, report(client, GRID_A), satisfied=True)
    close(client, report(client, GRID_A), satisfied=False)
    close(client, report(client, GRID_A), satisfied=True)
    report(client, GRID_A)
    row = stats(client, level="grid")[GRID_A]
    assert row["with_feedback"] == 3
    assert row["satisfaction_rate"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("level", "code", "total"),
    [
        ("community", "110108010018", 2),
        ("community", "110108010019", 1),
        ("subdistrict", "110108010", 3),
        ("district", "110108", 3),
    ],
)
def test_upper_levels_group_by_code_prefix(
    client: TestClient, level: str, code: str, total: int
) -> None:
    for grid in (GRID_A, GRID_B, GRID_C):
        report(client, grid)
    assert stats(client, level=level)[code]["total"] == total


def test_period_on_reported_at(client: TestClient) -> None:
    report(client, GRID_A, hours_ago=24 * 10)
    report(client, GRID_A, hours_ago=1)
    since = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    assert stats(client, level="grid", **{"from": since})[GRID_A]["total"] == 1
    assert stats(client, level="grid", to=since)[GRID_A]["total"] == 1


@pytest.mark.parametrize("by", ["recorded", "current"])
def test_issue16_a_scope_keeps_the_areas_under_it(client: TestClient, by: str) -> None:
    for grid in (GRID_A, GRID_B, GRID_C):
        report(client, grid)
    client.post("/incidents", json={"category": "hazard", "address": "月球背面1号"})
    scoped = stats(client, level="grid", scope="110108010018", by=by)
    assert set(scoped) == {code for code in stats(client, level="grid") if code and
                           code.startswith("110108010018")}  # fmt: skip
    assert scoped[GRID_A]["total"] == scoped[GRID_B]["total"] == 1
    assert GRID_C not in scoped and None not in scoped  # the unplaced one is in no scope
    whole = stats(client, level="grid", by=by)
    assert whole[GRID_A] == scoped[GRID_A] and whole[None]["total"] == 1
    one = stats(client, level="community", scope="110108010019", by=by)
    assert set(one) == {"110108010019"} and one["110108010019"]["total"] == 1
    sheet = client.get("/stats.csv", params={"level": "grid", "scope": "110108010018"})
    assert GRID_C not in sheet.text and GRID_A in sheet.text


def test_unlocated_incidents_have_a_row_of_their_own(client: TestClient) -> None:
    response = client.post("/incidents", json={"category": "hazard", "address": "月球背面1号"})
    assert response.status_code == 201
    assert stats(client, level="grid")[None]["total"] == 1


def merge_b_into_a(rt: Runtime) -> None:
    plan_id = planning.create_plan(rt, acting=OWNER, scope_code="110108010018", note="merge").id
    plan_edits.merge(rt, acting=OWNER, plan_id=plan_id, codes=[GRID_A, GRID_B])
    planning.publish(rt, acting=OWNER, plan_id=plan_id, force=True, reason="test redraw")


def test_redraw_moves_current_counts_but_not_recorded(
    client: TestClient, engine: Engine, rt: Runtime
) -> None:
    in_b = report(client, GRID_B)
    report(client, GRID_A)
    merge_b_into_a(rt)
    recorded = stats(client, level="grid", by="recorded")
    current = stats(client, level="grid", by="current")
    assert (recorded[GRID_A]["total"], recorded[GRID_B]["total"]) == (1, 1)
    assert current[GRID_A]["total"] == 2 and GRID_B not in current
    with engine.connect() as conn:  # open: it moves to its new grid, its intake grid stays
        grids = conn.execute(
            text("SELECT grid_code, intake_grid_code FROM incidents WHERE id = :i"), {"i": in_b}
        )
        assert tuple(grids.one()) == (GRID_A, GRID_B)


def test_redraw_keeps_community_counts(client: TestClient, rt: Runtime) -> None:
    report(client, GRID_B)
    merge_b_into_a(rt)
    assert stats(client, level="community", by="current")["110108010018"]["total"] == 1


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"level": "street"}, "street"),
        ({"level": "grid", "by": "later"}, "by: 'later' is not recorded or current"),
        ({"level": "grid", "from": "yesterday"}, "from: 'yesterday' is not an ISO 8601"),
        (
            {"level": "grid", "from": "2026-02-01", "to": "2026-01-01"},
            "to: 2026-01-01 is not after from 2026-02-01",
        ),
    ],
)
def test_bad_parameters(client: TestClient, params: dict, fragment: str) -> None:
    response = client.get("/stats", params=params)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]
