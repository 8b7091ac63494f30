"""Stations, isochrones and coverage over HTTP, on the 学院路 sample and a real PostGIS."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from gis.crs import wgs84_to_gcj02
from gis.db import addresses as address_sql
from gis.settings import StoreSettings
from gis.usecases import stations
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.principals import OWNER, operator_headers
from tests.stores import address_row

ROOT = Path(__file__).resolve().parents[2]
OSM = ROOT.parent / "shared" / "data" / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
SAMPLE = ROOT / "data" / "stations" / "xueyuanlu_stations.geojson"
INSIDE = {"lon": 116.3553, "lat": 40.0073}


def clear_stations(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE stations, station_isochrones, walk_networks, walk_edges RESTART IDENTITY CASCADE"
            )
        )


@pytest.fixture
def client(store_settings: StoreSettings, empty_store: Engine, rt: Runtime) -> Iterator[TestClient]:
    clear_stations(empty_store)
    load_sample(rt)
    stations.load_network(rt, OSM, acting=OWNER)
    with TestClient(
        create_app(store_settings), headers=operator_headers(store_settings)
    ) as test_client:
        yield test_client


def import_sample(client: TestClient) -> dict:
    response = client.post(
        "/stations/import",
        content=SAMPLE.read_bytes(),
        headers={"content-type": "application/geo+json"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def count(client: TestClient) -> int:
    return len(client.get("/stations").json()["features"])


def test_sample_import_is_idempotent(client: TestClient) -> None:
    first, second = import_sample(client), import_sample(client)
    assert first["created"] == count(client) == 22 and second == {
        **second,
        "created": 0,
        "updated": 22,
    }
    demo = client.get("/stations", params={"type": "红色驿站"}).json()["features"]
    assert {f["properties"]["name"][:4] for f in demo} == {"【示例】"}


def test_crud_and_outside_grid_is_flagged(client: TestClient) -> None:
    body = {"type": "调解室", "name": "远处调解室", "lon": 116.40, "lat": 40.05, "capacity": 8}
    created = client.post("/stations", json=body)
    assert created.status_code == 201
    station = created.json()
    assert (
        station["properties"]["outside_grid"] is True and station["properties"]["grid_code"] is None
    )
    moved = client.put(f"/stations/{station['id']}", json={**body, **INSIDE})
    assert moved.json()["properties"]["grid_code"].startswith("110108010")
    assert moved.json()["properties"]["outside_grid"] is False
    assert client.delete(f"/stations/{station['id']}").status_code == 204
    gone = client.get(f"/stations/{station['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "NotFound"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"minutes": 0}, "InvalidInput"),
        ({"minutes": 121}, "InvalidInput"),
        ({"speed": 0}, "InvalidInput"),
        ({"lon": 116.50, "lat": 40.10}, "Unsnappable"),
        ({"crs": "mars2"}, "CRSError"),
    ],
)
def test_isochrone_bad_input(client: TestClient, params: dict, code: str) -> None:
    response = client.get("/isochrone", params={**INSIDE, **params})
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["detail"]


def test_isochrone_in_gcj02(client: TestClient) -> None:
    gx, gy = wgs84_to_gcj02(INSIDE["lon"], INSIDE["lat"])
    response = client.get(
        "/isochrone", params={"lon": float(gx), "lat": float(gy), "crs": "gcj02", "minutes": 10}
    )
    assert (
        response.status_code == 200 and response.headers["content-type"] == "application/geo+json"
    )
    polygon = shapely.geometry.shape(response.json()["geometry"])
    assert polygon.contains(shapely.Point(INSIDE["lon"], INSIDE["lat"]))
    assert response.json()["properties"]["lon"] == pytest.approx(INSIDE["lon"], abs=1e-7)


def test_bad_import_writes_nothing(client: TestClient) -> None:
    csv = "type,name,lon,lat\n红色驿站,好的,116.35,40.0\n网吧,坏的,116.35,40.0\n"
    response = client.post(
        "/stations/import", content=csv.encode(), headers={"content-type": "text/csv"}
    )
    assert response.status_code == 400 and response.json()["code"] == "UnknownStationType"
    assert (
        "row 3" in response.json()["detail"] and "red_post (红色驿站)" in response.json()["detail"]
    )
    assert count(client) == 0


def test_circles_and_cached_isochrones(client: TestClient) -> None:
    import_sample(client)
    circles = client.get("/stations/1/circles").json()["features"]
    assert [c["properties"]["radius_m"] for c in circles] == [300.0, 500.0, 1000.0]
    first = client.get("/stations/1/isochrones").json()["features"]
    again = client.get("/stations/1/isochrones").json()["features"]
    assert [f["properties"]["minutes"] for f in first] == [5.0, 10.0, 15.0]
    fresh, cached = (shapely.geometry.shape(f[2]["geometry"]) for f in (first, again))
    assert fresh.geom_type == cached.geom_type == "MultiPolygon"
    assert fresh.equals_exact(cached, tolerance=1e-8)


def test_coverage_without_addresses_weighs_area(client: TestClient) -> None:
    import_sample(client)
    report = client.get("/coverage", params={"type": "红色驿站", "mode": "circle"}).json()
    assert report["weights"] == "area" and "equal weight per unit area" in report["note"]
    grids = [f["properties"] for f in report["features"] if f["properties"]["level"] == "grid"]
    assert all(g["household_share"] in (None, g["area_share"]) for g in grids)


def test_coverage_by_circle_and_network(client: TestClient, empty_store: Engine) -> None:
    import_sample(client)
    homes = [(116.3450, 40.0050, 40), (116.3560, 40.0060, 60), (116.3480, 39.9985, 100)]
    with empty_store.begin() as conn:
        rows = [address_row(f"测试{i}", x, y, h) for i, (x, y, h) in enumerate(homes)]
        address_sql.upsert_addresses(conn, rows=rows)
    circle = client.get("/coverage", params={"type": "红色驿站", "mode": "circle"}).json()
    network = client.get("/coverage", params={"type": "red_post", "mode": "network"}).json()
    assert circle["weights"] == "households" and circle["stations"] == 2
    assert circle["summary"]["households"] == 200.0
    assert network["summary"]["household_share"] <= circle["summary"]["household_share"]
    assert network["summary"]["area_share"] < circle["summary"]["area_share"]
    levels = {f["properties"]["level"] for f in network["features"]}
    assert levels == {"grid", "community"}
    bad = client.get("/coverage", params={"type": "red_post", "mode": "bus"})
    assert bad.status_code == 400


def test_suggest_sites_report_gains(client: TestClient) -> None:
    import_sample(client)
    answer = client.get("/stations/suggest/调解室", params={"k": 2}).json()
    gains = [p["gain"] for p in answer["picks"]]
    assert len(gains) == 2 and gains == sorted(gains, reverse=True) and gains[0] > 0
    assert answer["picks"][-1]["covered"] == pytest.approx(
        answer["covered_before"] + sum(gains), abs=0.2
    )


def test_item13_repeated_source_id_in_one_file_is_refused(client: TestClient) -> None:
    """Issue 11, item 13: a second row with the same source_id no longer overwrites the first."""
    rows = "source_id,type,name,lon,lat\na,红色驿站,甲,116.3553,40.0073\na,红色驿站,乙,116.3560,40.0070\n"
    response = client.post(
        "/stations/import", content=rows.encode(), headers={"content-type": "text/csv"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "row 3: source_id: 'a' repeats row 2"
    assert client.get("/stations").json()["features"] == []


@pytest.mark.parametrize("field", ["lon", "lat"])
def test_item13_boolean_coordinates_are_refused(client: TestClient, field: str) -> None:
    """Issue 11, item 13: JSON true is not the number 1."""
    body = {"type": "red_post", "name": "x", **INSIDE, field: True}
    response = client.post("/stations", json=body)
    assert response.status_code == 422 and f"body.{field}" in response.json()["detail"]
    assert client.get("/stations").json()["features"] == []


def test_issue15_import_a_gbk_csv_and_an_xlsx_with_chinese_columns(client: TestClient) -> None:
    import io

    from openpyxl import Workbook

    table = f"类型,名称,东,北\n红色驿站,学院路驿站,{INSIDE['lon']},{INSIDE['lat']}\n"
    csv_type = {"content-type": "text/csv"}
    refused = client.post("/stations/import", content=table.encode("gbk"), headers=csv_type)
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("lon_field: no longitude column in the header 类型")
    named = client.post(
        "/stations/import",
        content=table.encode("gbk"),
        params={"lon_field": "东", "lat_field": "北"},
        headers=csv_type,
    )
    assert named.status_code == 200, named.text
    book = Workbook()
    book.active.append(["type", "name", "经度", "纬度"])
    book.active.append(["调解室", "东区调解室", INSIDE["lon"], INSIDE["lat"]])
    out = io.BytesIO()
    book.save(out)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    answer = client.post("/stations/import", content=out.getvalue(), headers={"content-type": xlsx})
    assert answer.status_code == 200, answer.text
    names = [f["properties"]["name"] for f in client.get("/stations").json()["features"]]
    assert sorted(names) == ["东区调解室", "学院路驿站"]
