"""Issue 11, item 7: every free field has a documented length limit (400), nothing is stored."""

import pytest
from fastapi.testclient import TestClient

INSIDE = {"lon": 116.3553, "lat": 40.0073}
MEGABYTE = "长" * (1024 * 1024 // 3)


@pytest.fixture
def client(sample_client: TestClient) -> TestClient:
    return sample_client


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note": MEGABYTE}, "note: 349525 characters; at most 2000"),
        ({"assignee": "x" * 201}, "assignee: 201 characters; at most 200"),
    ],
)
def test_item7_long_transition_fields_are_refused(
    client: TestClient, fields: dict, message: str
) -> None:
    incident = client.post("/incidents", json={"category": "hazard", **INSIDE}).json()
    path = f"/incidents/{incident['id']}/transitions"
    response = client.post(path, json={"status": "triaged", **fields})
    assert response.status_code == 400 and response.json()["detail"] == message
    assert client.get(f"/incidents/{incident['id']}").json()["status"] == "reported"


def test_item7_large_attributes_are_refused(client: TestClient) -> None:
    body = {"category": "hazard", **INSIDE, "attributes": {"blob": "x" * 20_000}}
    response = client.post("/incidents", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == "attributes: 20,012 bytes as JSON; at most 16,384"
    assert client.get("/incidents").json() == []


@pytest.mark.parametrize("attributes", ["a string", ["a", "list"], 3])
def test_item7_attributes_must_be_an_object(client: TestClient, attributes: object) -> None:
    body = {"category": "hazard", **INSIDE, "attributes": attributes}
    response = client.post("/incidents", json=body)
    assert response.status_code in (400, 422) and "attributes" in response.json()["detail"]
    assert client.get("/incidents").json() == []


def test_item7_a_long_station_name_is_refused_not_cut(client: TestClient) -> None:
    body = {"type": "red_post", "name": "站" * 201, **INSIDE}
    response = client.post("/stations", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == "name: 201 characters; at most 200"
