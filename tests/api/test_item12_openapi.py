"""Issue 11, item 12: the OpenAPI document matches what the server sends."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import _test_settings

DOC = create_app(_test_settings()).openapi()
OPERATIONS = [
    (path, method, operation)
    for path, item in DOC["paths"].items()
    for method, operation in item.items()
]


def test_item12_errors_are_documented_as_sent() -> None:
    schemas = DOC["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorBody"]["required"] == ["detail", "code"]
    for path, method, operation in OPERATIONS:
        responses = operation["responses"]
        assert {"400", "422", "500", "503"} <= set(responses), (method, path)
        body = responses["422"]["content"]["application/json"]["schema"]
        expected = {"$ref": "#/components/schemas/ErrorBody"}
        assert body == expected or expected in body["anyOf"], (method, path)


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/areas/{code}", "get", "404"),
        ("/plans/{plan_id}/publish", "post", "409"),
        ("/plans/{plan_id}/submit", "post", "409"),
        ("/plans/{plan_id}/return", "post", "403"),
        ("/plans/{plan_id}/notes", "get", "404"),
        ("/lookup", "post", "413"),
        ("/stations/import", "post", "413"),
        ("/incidents/{incident_id}", "get", "404"),
    ],
)
def test_item12_real_statuses_are_listed(path: str, method: str, status: str) -> None:
    assert status in DOC["paths"][path][method]["responses"]


@pytest.mark.parametrize(
    ("path", "method", "media"),
    [
        ("/lookup", "get", "application/json"),
        ("/coverage", "get", "application/geo+json"),
        ("/stations", "get", "application/geo+json"),
        ("/incidents", "get", "application/json"),
        ("/plans/{plan_id}", "get", "application/json"),
        ("/plans/{plan_id}/notes", "get", "application/json"),
        ("/plans/{plan_id}/notes", "post", "application/json"),
        ("/plans/{plan_id}/submit", "post", "application/json"),
    ],
)
def test_item12_answers_have_schemas(path: str, method: str, media: str) -> None:
    ok = next(v for k, v in DOC["paths"][path][method]["responses"].items() if k.startswith("2"))
    schema = ok["content"][media]["schema"]
    assert schema.get("$ref") or schema.get("items") or schema.get("properties"), schema


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/lookup", "text/csv"),
        ("/lookup", "application/geo+json"),
        ("/plans", "multipart/form-data"),
        ("/checks", "application/geo+json"),
        ("/stations/import", "text/csv"),
    ],
)
def test_item12_upload_bodies_are_documented(path: str, media: str) -> None:
    assert media in DOC["paths"][path]["post"]["requestBody"]["content"]


def test_item12_a_wrong_method_names_every_allowed_one(client: TestClient) -> None:
    response = client.request("OPTIONS", "/stations/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD, PUT"
    assert response.json()["code"] == "HTTP405"
    shadowed = client.put("/stations/types", json={})
    assert shadowed.status_code == 405 and shadowed.headers["allow"] == "GET, HEAD"
