"""OGC API – Features under /ogc (issue 16): documents, paging, versions, CRS, errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis.incidents.report import parse_report
from gis.settings import StoreSettings
from gis.usecases import incidents
from gis.usecases.runtime import Runtime
from tests.principals import OWNER, bearer, operator_token, role_token
from tests.stores import load_hierarchy, move_shared_edge

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
AREAS = ("districts", "subdistricts", "communities", "grids")
TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"


def _anonymous(client: TestClient) -> TestClient:
    """A client of the same running app that sends no token."""
    return TestClient(client.app)


def _rel(doc: dict, rel: str) -> list[str]:
    return [x["href"] for x in doc["links"] if x["rel"] == rel]


def test_issue16_landing_page_links_the_description_conformance_and_data(
    sample_client: TestClient,
) -> None:
    doc = sample_client.get("/ogc").json()
    assert _rel(doc, "service-desc") == ["http://testserver/openapi.json"]
    assert _rel(doc, "conformance") == ["http://testserver/ogc/conformance"]
    assert _rel(doc, "data") == ["http://testserver/ogc/collections"]
    classes = sample_client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_issue16_collections_one_per_level_with_extent_crs_and_tiles(
    sample_client: TestClient,
) -> None:
    answer = _anonymous(sample_client).get("/ogc/collections")
    docs = {c["id"]: c for c in answer.json()["collections"]}
    assert list(docs) == [*AREAS, "stations"]  # anonymous: no incidents
    grids = docs["grids"]
    assert grids["crs"] == [CRS84, EPSG_4326, EPSG_4490] and grids["storageCrs"] == CRS84
    assert grids["itemType"] == "feature"
    west, south, east, north = grids["extent"]["spatial"]["bbox"][0]
    assert 116.3 < west < east < 116.4 and 39.9 < south < north < 40.1
    start, end = grids["extent"]["temporal"]["interval"][0]
    assert start is not None and end is None  # current versions: open
    for collection in [*AREAS, "stations"]:
        assert _rel(docs[collection], TILESETS) == [
            f"http://testserver/ogc/collections/{collection}/tiles"
        ]
    signed_in = sample_client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in signed_in][-1] == "incidents"
    one = sample_client.get("/ogc/collections/communities").json()
    assert one["id"] == "communities" and one["extent"]["temporal"]


def test_issue16_next_links_cover_every_grid_exactly_once(sample_client: TestClient) -> None:
    everything = sample_client.get("/ogc/collections/grids/items", params={"limit": 10000})
    expected = [f["id"] for f in everything.json()["features"]]
    assert everything.headers["content-type"] == "application/geo+json"
    assert everything.headers["content-crs"] == f"<{CRS84}>"
    seen: list[str] = []
    url: str | None = "/ogc/collections/grids/items?limit=3"
    pages = 0
    while url:
        doc = sample_client.get(url).json()
        assert doc["numberMatched"] == len(expected) and doc["numberReturned"] <= 3
        assert doc["timeStamp"]
        seen += [f["id"] for f in doc["features"]]
        url = next(iter(_rel(doc, "next")), None)
        pages += 1
        if pages > 1:
            assert _rel(doc, "prev")
    assert seen == expected and len(set(seen)) == len(seen) > 3
    assert pages == -(-len(expected) // 3)


def test_issue16_property_filters_and_bbox(sample_client: TestClient) -> None:
    grids = sample_client.get("/ogc/collections/grids/items", params={"limit": 10000}).json()
    first = grids["features"][0]
    parent = first["properties"]["parent_code"]
    children = sample_client.get(
        "/ogc/collections/grids/items", params={"parent_code": parent}
    ).json()["features"]
    assert children and all(f["properties"]["parent_code"] == parent for f in children)
    named_doc = sample_client.get(
        "/ogc/collections/grids/items", params={"name": first["properties"]["name"], "limit": 1}
    ).json()
    named = named_doc["features"]
    assert first["id"] in [f["id"] for f in named]
    same_name = [
        f for f in grids["features"] if f["properties"]["name"] == first["properties"]["name"]
    ]
    assert named_doc["numberMatched"] == len(same_name)  # counted in the store, not the page
    by_code = sample_client.get("/ogc/collections/grids/items", params={"code": first["id"]})
    assert [f["id"] for f in by_code.json()["features"]] == [first["id"]]
    lonlat = "116.345,39.995,116.35,40.0"
    latlon = "39.995,116.345,40.0,116.35"
    in_crs84 = sample_client.get("/ogc/collections/grids/items", params={"bbox": lonlat})
    in_4326 = sample_client.get(
        "/ogc/collections/grids/items", params={"bbox": latlon, "bbox-crs": EPSG_4326}
    )
    ids = [f["id"] for f in in_crs84.json()["features"]]
    assert ids and ids == [f["id"] for f in in_4326.json()["features"]]
    assert len(ids) < len(grids["features"])


def test_issue16_crs_4490_answers_latitude_first(sample_client: TestClient) -> None:
    params = {"limit": 1}
    plain = sample_client.get("/ogc/collections/grids/items", params=params).json()
    swapped = sample_client.get("/ogc/collections/grids/items", params={**params, "crs": EPSG_4490})
    assert swapped.headers["content-crs"] == f"<{EPSG_4490}>"
    lon, lat = plain["features"][0]["geometry"]["coordinates"][0][0][0]
    first = swapped.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert first == [lat, lon] and 39 < lat < 41 < 116 < lon


def test_issue16_one_area_and_one_station(sample_client: TestClient) -> None:
    code = "110108010019001"
    one = sample_client.get(f"/ogc/collections/grids/items/{code}")
    assert one.status_code == 200 and one.json()["id"] == code
    assert one.headers["content-type"] == "application/geo+json"
    wrong_level = sample_client.get(f"/ogc/collections/communities/items/{code}")
    assert wrong_level.status_code == 404 and wrong_level.json()["code"] == "NotFound"
    stations = sample_client.get("/ogc/collections/stations/items").json()["features"]
    if not stations:  # the sample's stations are loaded with its extras
        return
    station = sample_client.get(f"/ogc/collections/stations/items/{stations[0]['id']}").json()
    assert station["geometry"]["type"] == "Point"


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/ogc/collections/roads", {}, 404, "NotFound"),
        ("/ogc/collections/roads/items", {}, 404, "NotFound"),
        ("/ogc/collections/grids/items/999", {}, 404, "NotFound"),
        ("/ogc/collections/stations/items/x1", {}, 404, "NotFound"),
        ("/ogc/collections/grids/items", {"bbox": "1,2,3"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"bbox": "5,0,1,1"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"bbox-crs": "EPSG:3857"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"datetime": "soon"}, 400, "InvalidParameterValue"),
        (
            "/ogc/collections/grids/items",
            {"datetime": "2026-01-01/.."},
            400,
            "InvalidParameterValue",
        ),
        ("/ogc/collections/grids/items", {"limit": "10001"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"limit": "0"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"offset": "-1"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"crs": "EPSG:3857"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"f": "xml"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/grids/items", {"colour": "red"}, 400, "InvalidParameterValue"),
        ("/ogc/collections/stations/items", {"name": "x"}, 400, "InvalidParameterValue"),
        (
            "/ogc/collections/stations/items",
            {"datetime": "2026-01-01"},
            400,
            "InvalidParameterValue",
        ),
    ],
)
def test_issue16_bad_input_is_an_ogc_style_json_error(
    sample_client: TestClient, path: str, params: dict, status: int, code: str
) -> None:
    answer = sample_client.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code and answer.json()["detail"]


def test_issue16_html_is_escaped_under_a_strict_policy(sample_client: TestClient) -> None:
    page = sample_client.get("/ogc/collections/grids/items", params={"f": "html", "limit": 2})
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    first = sample_client.get("/ogc/collections/grids/items", params={"limit": 1}).json()
    assert f"<td>{first['features'][0]['id']}</td>" in page.text and "<script" not in page.text
    landing = sample_client.get("/ogc", params={"f": "html"})
    assert 'href="http://testserver/ogc/collections"' in landing.text


def test_issue16_datetime_before_a_redraw_returns_the_old_grids(
    store_settings: StoreSettings, rt: Runtime, tmp_path: Path
) -> None:
    load_hierarchy(rt, tmp_path)
    time.sleep(0.05)
    before = datetime.now(UTC)
    time.sleep(0.05)
    move_shared_edge(rt, tmp_path)
    with TestClient(create_app(store_settings)) as client:
        url = "/ogc/collections/grids/items/110108010019001"
        old = client.get(url, params={"datetime": before.isoformat()}).json()
        new = client.get(url).json()
        listed = client.get(
            "/ogc/collections/grids/items", params={"datetime": before.isoformat()}
        ).json()["features"]
        meta = client.get("/ogc/collections/grids").json()
    east = max(x for x, _ in old["geometry"]["coordinates"][0][0])
    assert east == pytest.approx(116.35)
    assert max(x for x, _ in new["geometry"]["coordinates"][0][0]) == pytest.approx(116.355)
    first = next(f for f in listed if f["id"] == "110108010019001")
    assert max(x for x, _ in first["geometry"]["coordinates"][0][0]) == pytest.approx(116.35)
    assert first["properties"]["valid_to"] is not None
    start, end = meta["extent"]["temporal"]["interval"][0]
    assert datetime.fromisoformat(start) < before and end is None


def _report(rt: Runtime, lon: float, lat: float) -> int:
    data = {"category": "hazard", "description": "井盖缺失", "lon": lon, "lat": lat,
            "reporter_name": "张三", "reporter_phone": "13912345678"}  # fmt: skip
    found, _ = incidents.report(rt, parse_report(data, rt.catalogue), acting=OWNER)
    return found.incident.id


def test_issue16_incidents_need_the_permission_are_scoped_and_masked(
    sample_client: TestClient, rt: Runtime
) -> None:
    mine = _report(rt, 116.34838931209362, 40.00788455)  # in community 110108010019
    other = _report(rt, 116.34822298920474, 39.99867375)  # in 110108010021
    url = "/ogc/collections/incidents/items"
    assert _anonymous(sample_client).get(url).status_code == 401
    listed = sample_client.get(url).json()
    assert {f["id"] for f in listed["features"]} == {mine, other}
    props = listed["features"][0]["properties"]
    assert props["reporter_phone"] == "139****5678" and "13912345678" not in str(listed)
    viewer = bearer(role_token(rt, "viewer", "110108010019"))
    assert sample_client.get(url, headers=viewer).status_code == 403
    viewer = bearer(role_token(rt, "dispatcher", "110108010019"))
    scoped = sample_client.get(url, headers=viewer).json()["features"]
    assert [f["id"] for f in scoped] == [mine]
    assert sample_client.get(f"{url}/{other}", headers=viewer).status_code == 404
    one = sample_client.get(f"{url}/{mine}", headers=viewer, params={"crs": EPSG_4490}).json()
    assert one["geometry"]["coordinates"][0] == pytest.approx(40.00788455)
    paged = sample_client.get(url, params={"limit": 1}).json()
    assert _rel(paged, "next") and paged["numberReturned"] == 1
    filtered = sample_client.get(url, params={"status": "closed"}).json()["features"]
    assert filtered == []
    period = sample_client.get(url, params={"datetime": "2000-01-01/2000-12-31"}).json()
    assert period["features"] == []
    instant = sample_client.get(url, params={"datetime": "2026-01-01"})
    assert instant.status_code == 400
    assert operator_token  # the sample client's own token holds every role
