"""Issue 11, item 11: no input gives a plain-text 500; anything unexpected is a JSON 500 with an id."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis.settings import StoreSettings

INSIDE = {"lon": 116.3553, "lat": 40.0073}
TOO_BIG = "9223372036854775808"  # 2^63


def assert_refused(response, status: int = 400, names: str = "") -> dict:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert 400 <= response.status_code < 500
    if status:
        assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, dict) and set(body) >= {"detail", "code"}, body
    assert names in body["detail"]
    return body


@pytest.mark.parametrize(
    ("url", "names"),
    [
        (f"/incidents/{TOO_BIG}", "incident_id"),
        (f"/incidents?offset={TOO_BIG}", "offset"),
        ("/incidents?offset=99999999999999999999999", "offset"),
        (f"/plans/{TOO_BIG}", "plan_id"),
        (f"/plans/{TOO_BIG}/diff", "plan_id"),
        (f"/stations/{TOO_BIG}", "station_id"),
        (f"/maps/plans/{TOO_BIG}.html", "plan_id"),
    ],
)
def test_item11_ids_beyond_bigint_are_refused(client: TestClient, url: str, names: str) -> None:
    assert_refused(client.get(url), status=422, names=names)


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("/areas?scope=a%00", "'scope'"),
        ("/areas/a%00b", "path"),
        ("/static/vendor/a%00b", "path"),
        ("/incidents?category=%00", "'category'"),
        ("/lookup?lon=116.35&lat=40%00", "'lat'"),
        ("/open311/v2/requests.json?service_code=a%00", "'service_code'"),
    ],
)
def test_item11_nul_in_a_path_or_query_is_refused(client: TestClient, url: str, names: str) -> None:
    body = assert_refused(client.get(url), names=names)
    assert "NUL" in body["detail"]


def test_item11_a_non_ascii_digit_is_no_request_id(client: TestClient) -> None:
    response = client.get("/open311/v2/requests/%C2%B2.json")
    assert response.status_code == 404
    assert "service_request_id" in response.json()[0]["description"]


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ('"description": "a\\ud800b"', "description: contains a lone surrogate"),
        ('"description": "a\\u0000b"', "description: contains a NUL"),
        ('"address": "\\udfff"', "address: contains a lone surrogate"),
        ('"attributes": {"k": "\\ud800"}', "attributes: contains a lone surrogate"),
        ('"attributes": {"k": "a\\u0000"}', "attributes: contains a NUL"),
        ('"reported_at": "9999-12-31T23:00"', "reported_at"),
        ('"reported_at": "0001-01-01T00:00+14:00"', "reported_at"),
    ],
)
def test_item11_unstorable_text_and_times_are_refused(
    client: TestClient, raw: str, names: str
) -> None:
    body = '{"category": "hazard", "lon": 116.3553, "lat": 40.0073, ' + raw + "}"
    response = client.post("/incidents", content=body, headers={"content-type": "application/json"})
    assert_refused(response, names=names)
    assert client.get("/incidents").json() == []


def test_item11_attributes_must_be_an_object(client: TestClient) -> None:
    response = client.post("/incidents", json={"category": "hazard", **INSIDE, "attributes": "s"})
    assert_refused(response, status=422, names="attributes")


def test_item11_station_capacity_is_bounded(client: TestClient) -> None:
    station = {"type": "red_post", "name": "驿站", **INSIDE, "capacity": 10**12}
    assert_refused(client.post("/stations", json=station), names="capacity")
    assert client.get("/stations").json()["features"] == []


@pytest.mark.parametrize(
    "features",
    [
        ["a", [1]],
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [116.35, 40]},
                "properties": [1],
            }
        ],
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [116.35, 40]},
                "properties": {"type": "red_post", "name": "n", "attributes": "s"},
            }
        ],
        [{"type": "Feature", "geometry": "x", "properties": {"type": "red_post", "name": "n"}}],
    ],
)
def test_item11_bad_station_import_shapes_are_refused(client: TestClient, features: list) -> None:
    doc = json.dumps({"type": "FeatureCollection", "features": features})
    assert_refused(client.post("/stations/import", content=doc), status=0)
    assert client.get("/stations").json()["features"] == []


@pytest.fixture
def failing_client(store_settings: StoreSettings, client: TestClient) -> TestClient:
    app = create_app(store_settings)

    def explode() -> None:
        raise RuntimeError("reporter 13812345678 张三")

    app.add_api_route("/explode", explode)
    return TestClient(app)


def test_item11_anything_unexpected_is_a_json_500_with_a_request_id(
    failing_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with failing_client, caplog.at_level(logging.ERROR, logger="gridmap.api"):
        response = failing_client.get("/explode?phone=13812345678")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "InternalError"
    assert body["request_id"] == response.headers["x-request-id"] in body["detail"]
    logged = caplog.text
    assert "RuntimeError" in logged and body["request_id"] in logged and "explode" in logged
    assert "13812345678" not in logged and "张三" not in logged
    assert "13812345678" not in response.text


def test_item11_every_answer_carries_a_request_id(client: TestClient) -> None:
    fresh = client.get("/healthz").headers["x-request-id"]
    assert len(fresh) == 32
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["x-request-id"] != "<script>"
