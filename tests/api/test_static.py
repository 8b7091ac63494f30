"""Issue 11, item 4: /static serves the assets the pages load, nothing else of node_modules."""

import pytest
from fastapi.testclient import TestClient

from maps.assets import LOCAL


@pytest.mark.parametrize("path", sorted(p for p in LOCAL.values() if p))
def test_every_asset_a_page_loads_is_served(client: TestClient, path: str) -> None:
    response = client.get(f"/static/{path}")
    assert response.status_code == 200 and response.content


@pytest.mark.parametrize(
    "path",
    [
        "vendor/.package-lock.json",
        "vendor/leaflet/package.json",
        "vendor/leaflet/src/Leaflet.js",
        "vendor/jquery/dist/jquery.js",
        "vendor/leaflet/dist/images/../../package.json",
        "vendor/leaflet/dist/images/a%00b.png",
    ],
)
def test_item4_the_rest_of_the_packages_is_not_served(client: TestClient, path: str) -> None:
    response = client.get(f"/static/{path}")
    expected = (400, "InvalidInput") if "%00" in path else (404, "NotFound")  # item 11
    assert (response.status_code, response.json()["code"]) == expected


def test_images_the_stylesheets_load_are_served(client: TestClient) -> None:
    for path in (
        "vendor/leaflet/dist/images/layers.png",
        "vendor/leaflet/dist/images/marker-icon.png",
    ):
        assert client.get(f"/static/{path}").status_code == 200
