"""Issue 11, item 23: the smaller things an official and an integrator ran into."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

INSIDE = {"lon": 116.3553, "lat": 40.0073}


def test_item23_reported_at_in_the_future_is_refused(sample_client: TestClient) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = sample_client.post(
        "/incidents", json={"category": "hazard", **INSIDE, "reported_at": later}
    )
    assert response.status_code == 400 and "reported_at" in response.json()["detail"]
    assert "in the future" in response.json()["detail"]
    assert sample_client.get("/incidents").json() == []


def test_item23_degrees_given_as_web_mercator_metres_are_refused(client: TestClient) -> None:
    response = client.get("/lookup", params={"lon": 116.345, "lat": 40.0, "crs": "EPSG:3857"})
    assert response.status_code == 400 and response.json()["code"] == "CRSError"
    assert "look like degrees, not metres" in response.json()["detail"]


def test_item23_put_keeps_the_fields_it_leaves_out(sample_client: TestClient) -> None:
    created = sample_client.post(
        "/stations",
        json={"type": "red_post", "name": "甲", **INSIDE, "opening_hours": "8:00-18:00"},
    ).json()
    replaced = sample_client.put(
        f"/stations/{created['id']}", json={"type": "red_post", "name": "乙", **INSIDE}
    )
    assert replaced.status_code == 200
    properties = replaced.json()["properties"]
    assert (properties["name"], properties["opening_hours"]) == ("乙", "8:00-18:00")


def test_item23_head_answers_like_get(client: TestClient) -> None:
    for path in ("/healthz", "/areas", "/maps", "/static/vendor/leaflet/dist/leaflet.js"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]


def test_item23_locating_an_incident_that_is_not_queued_says_so(sample_client: TestClient) -> None:
    incident = sample_client.post("/incidents", json={"category": "hazard", **INSIDE}).json()
    response = sample_client.post(f"/incidents/{incident['id']}/location", json=INSIDE)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"location: incident {incident['id']} is reported; only incidents waiting for a place "
        "(needs_location) are located"
    )
