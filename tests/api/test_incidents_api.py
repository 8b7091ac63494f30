"""Incident intake and the closed loop over HTTP, on the 学院路 sample."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from gis.db import addresses as address_sql
from gis.settings import IncidentSettings, StoreSettings
from gis.usecases.runtime import Runtime
from tests.principals import bearer, operator_headers, role_token
from tests.stores import address_row

# a point inside grid 110108010019001 of the sample (中国农业大学东校区)
INSIDE = {"lon": 116.3553, "lat": 40.0073}


@pytest.fixture
def client(sample_client: TestClient) -> TestClient:
    return sample_client


def report(client: TestClient, **fields: object) -> dict:
    response = client.post(
        "/incidents", json={"category": "hazard", "description": "电线裸露", **INSIDE, **fields}
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_report_is_located_into_a_grid(client: TestClient) -> None:
    body = report(client, reporter_phone="13812345678", reporter_name="张三")
    assert body["status"] == "reported" and body["grid_code"].startswith("110108010")
    assert body["location_method"] == "coordinates"
    assert body["reporter_phone"] == "138****5678" and body["reporter_name"] == "张*"
    assert body["events"][0]["to_status"] == "reported"
    listed = client.get("/incidents").json()
    assert listed[0]["reporter_phone"] == "138****5678"


def test_gcj02_report_is_shifted(client: TestClient) -> None:
    from gis.crs import wgs84_to_gcj02

    gx, gy = wgs84_to_gcj02(INSIDE["lon"], INSIDE["lat"])
    body = report(client, lon=float(gx), lat=float(gy), crs="gcj02")
    direct = report(client)
    assert body["grid_code"] == direct["grid_code"]
    assert body["lon"] == pytest.approx(INSIDE["lon"], abs=1e-7)
    assert body["input"]["crs"] == "gcj02"


def test_address_is_resolved_through_the_registry(client: TestClient) -> None:
    body = report(client, lon=None, lat=None, address="北京 学院路 18号 10号楼")
    assert body["status"] == "reported" and body["location_method"] == "address_normalised"
    assert body["lon"] == pytest.approx(116.3492126)


@pytest.mark.parametrize(
    ("address", "rule", "unit"),
    [
        ("石油大院社区住宅10号楼2单元301", "building", "2单元301"),
        ("北京市海淀区学院路街道石油大院社区居委会住宅10栋2单元301室", "building", "2单元301"),
        ("北京市海淀区学院路街道石油大院社区住宅10号楼", "normalised", None),
    ],
)
def test_a_flat_is_located_at_its_buildings_standard_address(
    client: TestClient, rt: Runtime, address: str, rule: str, unit: str | None
) -> None:
    with rt.write() as conn:
        row = address_row("石油大院社区住宅10号楼", 116.3561877, 40.0060557)
        address_sql.upsert_addresses(conn, rows=[row])
    body = report(client, lon=None, lat=None, address=address)
    assert body["status"] == "reported" and body["grid_code"].startswith("110108010018")
    assert body["location_method"] == f"address_{rule}"
    match = body["attributes"]["address_match"]
    assert (match["rule"], match["score"], match["unit"]) == (rule, 100.0, unit)
    assert match["address"]["text"] == "石油大院社区住宅10号楼"
    assert client.get(f"/incidents/{body['id']}").json()["attributes"] == body["attributes"]


def test_unknown_address_is_kept_in_the_queue(client: TestClient) -> None:
    body = report(client, lon=None, lat=None, address="月球背面1号")
    assert body["status"] == "needs_location" and body["grid_code"] is None
    queue = client.get("/incidents/queue").json()
    assert [q["id"] for q in queue] == [body["id"]]
    located = client.post(f"/incidents/{body['id']}/location", json=INSIDE).json()
    assert located["status"] == "reported" and located["grid_code"]
    assert client.get("/incidents/queue").json() == []


def test_idempotency_key_never_creates_a_second_incident(client: TestClient) -> None:
    payload = {"category": "dispute", "description": "邻里噪音", **INSIDE}
    first = client.post("/incidents", json=payload, headers={"Idempotency-Key": "abc-1"})
    again = client.post("/incidents", json=payload, headers={"Idempotency-Key": "abc-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get("/incidents").json()) == 1


def test_item3_the_same_key_with_another_report_is_422_and_writes_nothing(
    client: TestClient, engine: Engine
) -> None:
    payload = {"category": "dispute", "description": "邻里噪音", **INSIDE}
    first = client.post("/incidents", json=payload, headers={"Idempotency-Key": "abc-1"})
    changed = {**payload, "description": "楼道堆物"}
    again = client.post("/incidents", json=changed, headers={"Idempotency-Key": "abc-1"})
    assert again.status_code == 422
    assert again.json()["code"] == "IdempotencyKeyReused"
    assert again.json()["detail"].startswith("Idempotency-Key: already used for a different")
    assert [i["description"] for i in client.get("/incidents").json()] == ["邻里噪音"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incident_events")).scalar() == 1
    assert first.status_code == 201


def test_item3_keys_are_scoped_per_principal(
    client: TestClient, rt: Runtime, engine: Engine
) -> None:
    """Issue 12: a key is the caller's own; another principal's same key makes its own report.

    ``X-Client-Id`` no longer names the client: a header anyone can type would let one client
    replay (or block) another's keys.
    """
    payload = {"category": "dispute", **INSIDE}
    other = bearer(role_token(rt, "client", "1101"))
    sent = [
        client.post("/incidents", json=payload, headers={"Idempotency-Key": "k", **who})
        for who in ({"X-Client-Id": "app-1"}, {"X-Client-Id": "app-2"}, other)
    ]
    assert [answer.status_code for answer in sent] == [201, 200, 201]
    assert len({answer.json()["id"] for answer in sent}) == 2
    with engine.connect() as conn:
        clients = conn.execute(text("SELECT client FROM idempotency_keys ORDER BY 1")).scalars()
        assert list(clients) == ["client-1101", "operator"]


def test_item3_an_expired_key_makes_a_new_incident(client: TestClient, engine: Engine) -> None:
    payload = {"category": "dispute", **INSIDE}
    first = client.post("/incidents", json=payload, headers={"Idempotency-Key": "old"})
    with engine.begin() as conn:
        conn.execute(text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"))
    later = client.post("/incidents", json=payload, headers={"Idempotency-Key": "old"})
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


def test_item3_the_key_lifetime_is_a_setting(
    store_settings: StoreSettings, sample_client: TestClient, engine: Engine
) -> None:
    settings = IncidentSettings(idempotency_hours=0.5)
    payload = {"category": "dispute", **INSIDE}
    with TestClient(
        create_app(store_settings, settings), headers=operator_headers(store_settings)
    ) as short:
        first = short.post("/incidents", json=payload, headers={"Idempotency-Key": "k"})
        with engine.begin() as conn:
            conn.execute(text("UPDATE idempotency_keys SET created_at = now() - interval '31 min'"))
        later = short.post("/incidents", json=payload, headers={"Idempotency-Key": "k"})
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


def test_possible_duplicates_are_flagged_and_linked(client: TestClient) -> None:
    first = report(client)
    near = report(client, lon=INSIDE["lon"] + 0.0001)  # ~9 m away, same category and grid
    other = report(client, category="sanitation")
    assert near["possible_duplicate"] is True and near["links"][0]["id"] == first["id"]
    assert other["possible_duplicate"] is False
    assert client.get(f"/incidents/{first['id']}").json()["status"] == "reported"  # not merged


def test_closed_loop(client: TestClient) -> None:
    incident = report(client)
    path = f"/incidents/{incident['id']}/transitions"
    assert client.post(path, json={"status": "triaged"}).status_code == 200
    missing = client.post(path, json={"status": "dispatched"})
    assert missing.status_code == 400 and "assignee" in missing.json()["detail"]
    assert (
        client.post(path, json={"status": "dispatched", "assignee": "城管执法"}).status_code == 200
    )
    assert client.post(path, json={"status": "in_progress"}).status_code == 200
    assert client.post(path, json={"status": "resolved", "note": "已修复"}).status_code == 200
    no_feedback = client.post(path, json={"status": "closed"})
    assert no_feedback.status_code == 400 and "feedback" in no_feedback.json()["detail"]
    closed = client.post(path, json={"status": "closed", "score": 5}).json()
    assert closed["status"] == "closed" and closed["feedback_satisfied"] is True
    assert [e["to_status"] for e in closed["events"]] == [
        "reported",
        "triaged",
        "dispatched",
        "in_progress",
        "resolved",
        "closed",
    ]


def test_illegal_transition_lists_allowed(client: TestClient) -> None:
    incident = report(client)
    response = client.post(f"/incidents/{incident['id']}/transitions", json={"status": "closed"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "IllegalTransition"
    assert "from reported: triaged, rejected, duplicate, transferred" in body["detail"]


@pytest.mark.parametrize(
    ("payload", "status", "fragment"),
    [
        ({"category": "hazard"}, 400, "location: give lon and lat"),
        (
            {"category": "graffiti", **INSIDE},
            400,
            "unknown category 'graffiti'; valid: hazard (安全隐患)",
        ),
        (
            {"category": "hazard", "description": "长" * 4001, **INSIDE},
            400,
            "description: 4001 characters",
        ),
        ({"category": "hazard", "lon": 116.35, "lat": 200}, 400, "lon/lat"),
        ({"category": "hazard", "lon": 40.0, "lat": 116.35}, 400, "swapped"),
        ({"category": "hazard", "lon": "abc", "lat": 40}, 400, "lon: 'abc' is not a number"),
        ({"category": "hazard", "lon": 116.35}, 400, "lat: give both"),
        ({"category": "hazard", "crs": "mars2", **INSIDE}, 400, "mars2"),
    ],
)
def test_bad_reports(
    client: TestClient, engine: Engine, payload: dict, status: int, fragment: str
) -> None:
    response = client.post("/incidents", json=payload)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


def test_personal_data_shown_only_on_request_with_pii_read(client: TestClient) -> None:
    """Issue 12 item 5: listings stay masked; one incident's contact on ``?reveal=contact``."""
    found = report(client, reporter_phone="13812345678")
    assert client.get("/incidents").json()[0]["reporter_phone"] != "13812345678"
    shown = client.get(f"/incidents/{found['id']}?reveal=contact").json()
    assert shown["reporter_phone"] == "13812345678"
    refused = client.get(f"/incidents/{found['id']}?reveal=phone")
    assert refused.status_code == 422 and "reveal" in refused.text


def test_unknown_incident(client: TestClient) -> None:
    assert client.get("/incidents/99999").json() == {
        "detail": "incident: no incident 99999",
        "code": "NotFound",
    }


def test_a_value_the_store_refuses_is_a_400_not_a_500(client: TestClient) -> None:
    response = client.post(
        "/incidents", json={"category": "hazard", "description": "bad\x00byte", **INSIDE}
    )
    assert response.status_code == 400 and response.json()["code"] == "InvalidInput"
    assert response.json()["detail"] == "description: contains a NUL character (U+0000)"


def test_registry_sees_addresses_updated_in_place(client: TestClient, engine: Engine) -> None:
    first = report(client, lon=None, lat=None, address="学院路18号10号楼")
    with engine.begin() as conn:
        row = address_row("北京市海淀区学院路18号10号楼", 116.3500, 39.9990, building="10号楼")
        address_sql.upsert_addresses(conn, rows=[row])
    moved = report(client, lon=None, lat=None, address="学院路18号10号楼")
    assert first["lon"] == pytest.approx(116.3492126) and moved["lon"] == pytest.approx(116.3500)


@pytest.mark.parametrize("field", ["lon", "lat"])
def test_item13_boolean_coordinates_are_refused(client: TestClient, field: str) -> None:
    """Issue 11, item 13: JSON ``"lat": true`` is not latitude 1."""
    response = client.post("/incidents", json={"category": "hazard", **INSIDE, field: True})
    assert response.status_code == 422 and f"body.{field}" in response.json()["detail"]
    assert client.get("/incidents").json() == []


def test_item13_unknown_status_filter_is_refused(client: TestClient) -> None:
    """Issue 11, item 13: ``?status=bogus`` names the field instead of answering []."""
    response = client.get("/incidents", params={"status": "reported,bogus"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("status: unknown bogus; known: needs_location")
