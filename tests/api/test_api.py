"""The HTTP API against the real test store."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis.settings import StoreSettings


def test_healthz_reports_database_and_postgis(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"].startswith("3.")


def test_healthz_503_when_database_is_down(tmp_path: Path) -> None:
    settings = StoreSettings(database_url="postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as test_client:
        response = test_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["code"] == "StoreUnavailable"


def test_areas_is_geojson(client: TestClient) -> None:
    response = client.get("/areas", params={"level": "grid"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == ["110108010019001", "110108010019002"]
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert body["features"][0]["properties"]["parent_code"] == "110108010019"
    assert body["bbox"] == pytest.approx([116.34, 39.99, 116.36, 40.01])


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"parent": "110108010"}, ["110108010019"]),
        ({"scope": "110108010019", "level": "grid"}, ["110108010019001", "110108010019002"]),
        ({"level": "grid", "bbox": "116.355,39.995,116.358,39.998"}, ["110108010019002"]),
        ({"level": "网格", "bbox": "100,10,101,11"}, []),
        ({"as_of": "2000-01-01"}, []),
        ({"level": "district"}, ["110108"]),
    ],
)
def test_areas_filters(client: TestClient, params: dict[str, str], codes: list[str]) -> None:
    assert [f["id"] for f in client.get("/areas", params=params).json()["features"]] == codes


def test_area_by_code(client: TestClient) -> None:
    response = client.get("/areas/110108010019")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    feature = response.json()
    assert (
        feature["type"] == "Feature"
        and feature["properties"]["name"] == "中国农业大学东校区社区居委会"
    )
    assert feature["properties"]["valid_to"] is None


def test_area_history(client: TestClient) -> None:
    body = client.get("/areas/110108/history").json()
    assert len(body["features"]) == 1


@pytest.mark.parametrize(
    ("path", "status", "code", "fragment"),
    [
        ("/areas/999999", 404, "NotFound", "no area '999999'"),
        ("/areas/999999/history", 404, "NotFound", "no area"),
        ("/areas?level=street", 400, "InvalidInput", "level: unknown level 'street'"),
        ("/areas?bbox=1,2,3", 400, "InvalidInput", "bbox: '1,2,3' is not four numbers"),
        ("/areas?bbox=117,39,116,40", 400, "InvalidInput", "west 117.0 is east of east 116.0"),
        ("/areas?as_of=yesterday", 400, "InvalidInput", "as_of: 'yesterday' is not an ISO 8601"),
        ("/areas?limit=0", 422, "InvalidInput", "query.limit"),
        ("/nowhere", 404, "NotFound", "Not Found"),
    ],
)
def test_errors_have_detail_and_code(
    client: TestClient, path: str, status: int, code: str, fragment: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == code and fragment in body["detail"]


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/areas", "/areas/{code}"} <= set(paths)
