"""Issue 11, item 21: times are read and shown in the configured zone (default Asia/Shanghai)."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from gis import clock
from gis.settings import StoreSettings
from tests.principals import operator_headers

INSIDE = {"lon": 116.3553, "lat": 40.0073}


def report(client: TestClient, **fields: object) -> dict:
    response = client.post("/incidents", json={"category": "hazard", **INSIDE, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_item21_naive_times_are_beijing_time_and_stored_aware(
    sample_client: TestClient, engine: Engine
) -> None:
    made = report(sample_client, reported_at="2026-11-01T09:30")
    assert made["reported_at"] == "2026-11-01T09:30:00+08:00"
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT reported_at FROM incidents WHERE id = :id"), {"id": made["id"]}
        ).scalar_one()
    assert stored.tzinfo is not None
    assert stored == datetime(2026, 11, 1, 1, 30, tzinfo=UTC)


def test_item21_a_day_filter_starts_at_local_midnight(sample_client: TestClient) -> None:
    early = report(sample_client, reported_at="2026-11-01T01:00+08:00")  # 10-31 17:00 UTC
    report(sample_client, reported_at="2026-10-31T23:00+08:00")
    found = sample_client.get("/incidents", params={"start": "2026-11-01", "end": "2026-11-02"})
    assert [i["id"] for i in found.json()] == [early["id"]]


def test_item21_every_time_leaves_with_the_zone_offset(sample_client: TestClient) -> None:
    made = report(sample_client)
    shown = sample_client.get(f"/incidents/{made['id']}").json()
    for key in ("reported_at", "updated_at", "due_at"):
        assert shown[key].endswith("+08:00"), (key, shown[key])
    assert all(e["at"].endswith("+08:00") for e in shown["events"])
    [request] = sample_client.get(f"/open311/v2/requests/{made['id']}.json").json()
    assert request["expected_datetime"].endswith("+08:00")
    areas = sample_client.get("/areas", params={"level": "grid"}).json()["features"]
    assert areas and all(f["properties"]["valid_from"].endswith("+08:00") for f in areas)


def test_item21_the_residents_notice_names_beijing_time(sample_client: TestClient) -> None:
    response = sample_client.post(
        "/open311/v2/requests.json",
        data={"service_code": "hazard", "lat": INSIDE["lat"], "long": INSIDE["lon"]},
    )
    assert response.status_code in (200, 201), response.text
    [answer] = response.json()
    [request] = sample_client.get(
        f"/open311/v2/requests/{answer['service_request_id']}.json"
    ).json()
    due = datetime.fromisoformat(request["expected_datetime"])
    notice = answer["service_notice"]
    assert "UTC" not in notice
    assert re.search(r"预计 (\S+ \S+) 前处理", notice)[1] == f"{due:%Y-%m-%d %H:%M}"


@pytest.fixture
def urumqi_client(
    store_settings: StoreSettings, sample_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("GRIDMAP_TIME_ZONE", "Asia/Urumqi")
    try:
        with TestClient(
            create_app(store_settings), headers=operator_headers(store_settings)
        ) as test_client:
            yield test_client
    finally:
        clock.use_zone(clock.DEFAULT_ZONE)


def test_item21_the_zone_is_configurable(urumqi_client: TestClient) -> None:
    made = report(urumqi_client, reported_at="2026-11-01T09:30")
    assert made["reported_at"] == "2026-11-01T09:30:00+06:00"


def test_item21_an_unknown_zone_is_one_clear_error() -> None:
    with pytest.raises(Exception, match="time_zone: 'Mars/Olympus' is not an IANA time zone"):
        clock.use_zone("Mars/Olympus")
    assert clock.zone().key == clock.DEFAULT_ZONE


@pytest.mark.parametrize("when", ["9999-12-31T23:00", "0001-01-01T00:00+14:00", "1899-12-31"])
def test_item21_times_outside_the_supported_years_are_refused(
    sample_client: TestClient, when: str
) -> None:
    response = sample_client.post(
        "/incidents", json={"category": "hazard", **INSIDE, "reported_at": when}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("reported_at:")
    assert sample_client.get("/incidents").json() == []


def test_item21_plans_and_statistics_show_the_zone_too(sample_client: TestClient) -> None:
    grids = sample_client.get("/areas", params={"level": "grid"}).json()["features"]
    plan = sample_client.post("/plans", params={"scope": grids[0]["properties"]["parent_code"]})
    assert plan.status_code == 201, plan.text
    assert plan.json()["created_at"].endswith("+08:00")
    stats = sample_client.get("/stats", params={"level": "grid", "from": "2026-11-01"}).json()
    assert stats["from"] == "2026-11-01T00:00:00+08:00"
