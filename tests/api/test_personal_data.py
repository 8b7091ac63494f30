"""Issue 11, item 2: personal data appears in no listing, log or error body."""

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from gis.db.engine import make_engine
from gis.settings import StoreSettings

SECRET_PHONE = "13912345678"
INSIDE = {"lon": 116.3553, "lat": 40.0073}


@pytest.fixture
def client(sample_client: TestClient) -> TestClient:
    return sample_client


def test_item2_open311_email_and_device_are_not_listed(client: TestClient) -> None:
    fields = {
        "service_code": "hazard",
        "lat": str(INSIDE["lat"]),
        "long": str(INSIDE["lon"]),
        "email": "zhang.san@example.org",
        "device_id": "imei-866123",
        "media_url": "http://example.org/p.jpg",
    }
    answer = client.post("/open311/v2/requests.json", data=fields)
    assert answer.status_code == 201
    request_id = answer.json()[0]["service_request_id"]
    for shown in (client.get("/incidents").text, client.get(f"/incidents/{request_id}").text):
        assert "zhang.san@example.org" not in shown and "imei-866123" not in shown
        assert "http://example.org/p.jpg" in shown  # the photo is no personal data


def test_item2_native_attributes_are_not_listed(client: TestClient) -> None:
    body = {"category": "hazard", **INSIDE, "attributes": {"phone_of_neighbour": SECRET_PHONE}}
    created = client.post("/incidents", json=body)
    assert created.status_code == 201 and SECRET_PHONE not in created.text
    assert SECRET_PHONE not in client.get("/incidents").text


def test_item2_sql_parameters_never_reach_an_error_text(engine: Engine) -> None:
    hidden = make_engine(str(engine.url.render_as_string(hide_password=False)))
    try:
        with hidden.connect() as conn, pytest.raises(DBAPIError) as caught:
            conn.execute(
                text("SELECT 1 / 0 WHERE CAST(:phone AS text) IS NOT NULL"), {"phone": SECRET_PHONE}
            )
    finally:
        hidden.dispose()
    assert "division by zero" in str(caught.value) and SECRET_PHONE not in str(caught.value)


def test_item2_store_failure_names_no_host_or_port(caplog: pytest.LogCaptureFixture) -> None:
    settings = StoreSettings(database_url="postgresql://nobody@127.0.0.1:1/none")
    with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as test_client:
        for path in ("/healthz", "/lookup?lon=116.35&lat=40.0", "/areas"):
            response = test_client.get(path)
            assert response.status_code == 503, path
            assert response.json()["code"] == "StoreUnavailable"
            assert "127.0.0.1" not in response.text and "port 1" not in response.text
    assert "127.0.0.1" in caplog.text  # the operator still learns where it failed
