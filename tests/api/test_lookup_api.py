"""GET and POST /lookup against the real test store (the tiny 学院路 hierarchy of tests.geoms)."""

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyproj
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis import limits
from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from tests.principals import operator_headers
from tests.stores import MOVED, load_hierarchy, move_shared_edge

INSIDE_001 = (116.345, 40.0)
SHARED_EDGE = (116.35, 40.0)
WEST_OF_GRIDS = (116.3395, 40.0)  # 0.0005° (~43 m) west of grid 001, inside the subdistrict
CSV_HEADER = "id,lon,lat\n"


@pytest.fixture
def loaded(rt: Runtime, tmp_path: Path) -> Runtime:
    return load_hierarchy(rt, tmp_path)


@pytest.fixture
def client(store_settings: StoreSettings, loaded: Runtime) -> Iterator[TestClient]:
    with TestClient(
        create_app(store_settings), headers=operator_headers(store_settings)
    ) as test_client:
        yield test_client


def get(client: TestClient, lon: float | str, lat: float | str, **params: str) -> dict:
    response = client.get("/lookup", params={"lon": lon, "lat": lat, **params})
    assert response.status_code == 200, response.text
    return response.json()


def post_csv(client: TestClient, body: str, **params: str) -> list[dict[str, str]]:
    response = client.post(
        "/lookup", content=body, params=params, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_answers_every_level_with_names(client: TestClient) -> None:
    body = get(client, *INSIDE_001)
    assert body["grid"] == {"code": "110108010019001", "name": "第01网格"}
    assert body["community"] == {"code": "110108010019", "name": "中国农业大学东校区社区居委会"}
    assert body["subdistrict"] == {"code": "110108010", "name": "学院路街道"}
    assert body["district"] == {"code": "110108", "name": "海淀区"}
    assert body["on_boundary"] is False
    assert body["distance_m"] is None and body["nearest_grid"] is None
    assert body["input"] == {"lon": 116.345, "lat": 40.0, "crs": "wgs84"}
    assert body["wgs84"] == {"lon": 116.345, "lat": 40.0}


def test_shared_edge_is_on_boundary_with_the_lowest_code(client: TestClient) -> None:
    body = get(client, *SHARED_EDGE)
    assert body["on_boundary"] is True
    assert body["grid"]["code"] == "110108010019001"


def test_outside_point_gets_the_nearest_grid_and_distance(client: TestClient) -> None:
    body = get(client, *WEST_OF_GRIDS)
    assert body["grid"] is None and body["community"] is None
    assert body["subdistrict"]["code"] == "110108010"
    assert body["nearest_grid"] == {"code": "110108010019001", "name": "第01网格"}
    assert body["distance_m"] == pytest.approx(42.7, rel=0.02)


@pytest.mark.parametrize(("crs", "shift"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_shifted_input_is_converted_and_echoed(client: TestClient, crs: str, shift: object) -> None:
    lon, lat = (float(v) for v in shift(*INSIDE_001))  # type: ignore[operator]
    body = get(client, lon, lat, crs=crs)
    assert body["input"] == {"lon": lon, "lat": lat, "crs": crs}
    assert (lon, lat) != pytest.approx(INSIDE_001, abs=1e-4)  # the shift is hundreds of metres
    assert (body["wgs84"]["lon"], body["wgs84"]["lat"]) == pytest.approx(INSIDE_001, abs=1e-7)
    assert body["grid"]["code"] == "110108010019001"


def test_projected_input(client: TestClient) -> None:
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(*INSIDE_001)
    body = get(client, x, y, crs="EPSG:3857")
    assert body["input"]["crs"] == "EPSG:3857"
    assert body["grid"]["code"] == "110108010019001"


def test_as_of_answers_with_the_old_boundaries(
    client: TestClient, loaded: Runtime, tmp_path: Path
) -> None:
    before = datetime.now(UTC)
    time.sleep(0.01)
    assert get(client, *MOVED)["grid"]["code"] == "110108010019002"
    move_shared_edge(loaded, tmp_path)
    assert get(client, *MOVED)["grid"]["code"] == "110108010019001"
    old = get(client, *MOVED, as_of=before.isoformat())
    assert old["grid"]["code"] == "110108010019002"
    assert datetime.fromisoformat(old["as_of"]) == before
    assert old["as_of"].endswith("+08:00")  # item 21: shown in the configured zone


@pytest.mark.parametrize(
    ("params", "code", "fragments"),
    [
        ({"lat": "40"}, "InvalidInput", ["lon: missing"]),
        ({"lon": "116.3", "lat": ""}, "InvalidInput", ["lat: missing"]),
        ({"lon": "east", "lat": "40"}, "InvalidInput", ["lon: 'east' is not a number"]),
        ({"lon": "NaN", "lat": "40"}, "InvalidInput", ["lon: 'NaN' is not a finite number"]),
        ({"lon": "116.3", "lat": "inf"}, "InvalidInput", ["lat: 'inf' is not a finite number"]),
        ({"lon": "200", "lat": "40"}, "CRSError", ["out of range", "|lon| <= 180"]),
        ({"lon": "40", "lat": "116.3"}, "CRSError", ["lon and lat look swapped"]),
        ({"lon": "12958040", "lat": "4853597"}, "CRSError", ["look like projected metres"]),
        (
            {"lon": "116.3", "lat": "40", "crs": "gauss"},
            "CRSError",
            ["unknown CRS 'gauss'", "wgs84, cgcs2000, gcj02"],
        ),
        (
            {"lon": "116.3", "lat": "40", "as_of": "yesterday"},
            "InvalidInput",
            ["as_of: 'yesterday' is not an ISO 8601"],
        ),
        (
            {"lon": "116.3", "lat": "40", "as_of": "2000-01-01"},
            "InvalidInput",
            ["as_of: 2000-01-01", "before any boundary existed"],
        ),
    ],
)
def test_bad_single_input_is_a_clear_400(
    client: TestClient, params: dict[str, str], code: str, fragments: list[str]
) -> None:
    response = client.get("/lookup", params=params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == code
    for fragment in fragments:
        assert fragment in body["detail"]


def test_batch_csv_answers_good_rows_and_reports_bad_ones(client: TestClient) -> None:
    body = CSV_HEADER + "\n".join(
        [
            "a,116.345,40.0",
            "b,east,40.0",
            "c,40.0,116.345",
            "d,116.35,40.0",
            "e,116.345,",
            "f,116.3395,40.0",
            "g,116.345,40.0,extra",
            "h,nan,40",
        ]
    )
    rows = post_csv(client, body)
    assert [row["id"] for row in rows] == list("abcdefgh")
    by_id = {row["id"]: row for row in rows}
    assert by_id["a"]["grid_code"] == "110108010019001" and by_id["a"]["error"] == ""
    assert by_id["a"]["district_name"] == "海淀区" and by_id["a"]["on_boundary"] == "false"
    assert by_id["b"]["error"] == "lon: 'east' is not a number" and by_id["b"]["grid_code"] == ""
    assert "lon and lat look swapped" in by_id["c"]["error"]
    assert by_id["d"]["on_boundary"] == "true"
    assert by_id["e"]["error"] == "lat: missing"
    assert by_id["f"]["nearest_grid_code"] == "110108010019001"
    assert float(by_id["f"]["distance_m"]) == pytest.approx(42.7, rel=0.02)
    assert by_id["g"]["error"] == "fields: expected 3, got 4"
    assert by_id["h"]["error"] == "lon: 'nan' is not a finite number"


def test_batch_csv_converts_its_crs(client: TestClient) -> None:
    lon, lat = (float(v) for v in wgs84_to_gcj02(*INSIDE_001))
    [row] = post_csv(client, f"lon,lat\n{lon},{lat}\n", crs="gcj02")
    assert (float(row["wgs84_lon"]), float(row["wgs84_lat"])) == pytest.approx(INSIDE_001, abs=1e-6)
    assert row["grid_code"] == "110108010019001"


def test_batch_is_located_in_chunks_and_kept_in_order(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "LOOKUP_CHUNK_ROWS", 3)
    points = [INSIDE_001, MOVED] * 5
    body = CSV_HEADER + "".join(f"{i},{x},{y}\n" for i, (x, y) in enumerate(points))
    rows = post_csv(client, body)
    assert [row["id"] for row in rows] == [str(i) for i in range(10)]
    assert [row["grid_code"][-3:] for row in rows] == ["001", "002"] * 5


def feature(coordinates: object, ident: object = None, kind: str = "Point") -> dict:
    geometry = None if coordinates is None else {"type": kind, "coordinates": coordinates}
    return {"type": "Feature", "id": ident, "geometry": geometry, "properties": {}}


def test_batch_geojson_with_bad_features(client: TestClient) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature(list(INSIDE_001), "a"),
            feature(None, "b"),
            feature([[116.3, 40.0], [116.4, 40.0]], "c", kind="LineString"),
            feature(["116.345", "40.0"], "d"),
            feature([116.345], "e"),
            feature([400, 40], "f"),
        ],
    }
    response = client.post("/lookup", json=collection, params={"format": "ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    rows = [json.loads(line) for line in response.text.splitlines()]
    by_id = {row["id"]: row for row in rows}
    assert list(by_id) == list("abcdef")
    assert by_id["a"]["grid_code"] == "110108010019001" and by_id["a"]["error"] is None
    assert by_id["a"]["on_boundary"] is False and by_id["a"]["distance_m"] is None
    assert by_id["b"]["error"] == "geometry: missing" and by_id["b"]["grid_code"] is None
    assert by_id["c"]["error"] == "geometry: a Point is needed, got 'LineString'"
    assert by_id["d"]["grid_code"] == "110108010019001"
    assert by_id["e"]["error"] == "geometry.coordinates: expected [lon, lat]"
    assert "out of range for wgs84" in by_id["f"]["error"]


def test_ndjson_by_accept_header(client: TestClient) -> None:
    response = client.post(
        "/lookup",
        content=CSV_HEADER + "a,116.345,40.0\n",
        headers={"content-type": "text/csv", "accept": "application/x-ndjson"},
    )
    assert response.headers["content-type"] == "application/x-ndjson"
    [row] = [json.loads(line) for line in response.text.splitlines()]
    assert row["id"] == "a" and row["grid_name"] == "第01网格" and row["wgs84_lon"] == 116.345


def test_header_only_csv_gets_a_header(client: TestClient) -> None:
    response = client.post("/lookup", content=CSV_HEADER, headers={"content-type": "text/csv"})
    assert response.status_code == 200
    assert response.text.splitlines() == [
        "id,lon,lat,wgs84_lon,wgs84_lat,grid_code,grid_name,community_code,community_name,"
        "subdistrict_code,subdistrict_name,district_code,district_name,on_boundary,neighbours,"
        "nearest_grid_code,distance_m,error"
    ]


def test_too_many_rows_is_413(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "LOOKUP_ROWS", 5)
    body = CSV_HEADER + "a,116.345,40.0\n" * 6
    response = client.post("/lookup", content=body, headers={"content-type": "text/csv"})
    assert response.status_code == 413
    assert response.json() == {
        "detail": "body: 6 rows is over the limit of 5; split the batch",
        "code": "PayloadTooLarge",
    }
    collection = {"type": "FeatureCollection", "features": [feature(list(INSIDE_001))] * 6}
    assert client.post("/lookup", json=collection).status_code == 413


def test_too_many_bytes_is_413(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BODY_BYTES", 100)
    body = CSV_HEADER + "a,116.345,40.0\n" * 10
    response = client.post("/lookup", content=body, headers={"content-type": "text/csv"})
    assert response.status_code == 413
    assert response.json()["code"] == "PayloadTooLarge" and "MB" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "content_type", "fragment"),
    [
        ("", "text/csv", "body: empty"),
        ("x,y\n1,2\n", "text/csv", "csv: no 'lon' column in the header 'x,y'"),
        ("lon,y\n1,2\n", "text/csv", "csv: no 'lat' column"),
        ("{nope", "application/geo+json", "geojson: not valid JSON"),
        (
            '{"type": "Feature"}',
            "application/json",
            "expected a FeatureCollection of Points, got 'Feature'",
        ),
        (
            '{"type": "FeatureCollection", "features": 3}',
            "application/json",
            "'features' must be a list",
        ),
        ("<points/>", "application/xml", "content type 'application/xml' is not a batch of points"),
    ],
)
def test_malformed_batch_is_a_clear_400(
    client: TestClient, content: str, content_type: str, fragment: str
) -> None:
    response = client.post("/lookup", content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "UnreadableFile" and fragment in body["detail"]


def test_batch_bad_crs_and_as_of(client: TestClient) -> None:
    headers = {"content-type": "text/csv"}
    response = client.post("/lookup?crs=mars2", content=CSV_HEADER, headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "CRSError"
    response = client.post("/lookup?as_of=1999-12-31", content=CSV_HEADER, headers=headers)
    assert response.status_code == 400 and "as_of: 1999-12-31" in response.json()["detail"]


def test_lookup_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    names = [p["name"] for p in paths["/lookup"]["get"]["parameters"]]
    assert names == ["lon", "lat", "crs", "as_of"]
    assert "post" in paths["/lookup"]


# --- issue 11, item 8: one huge CSV field loses its row, not the batch


def test_item8_a_field_over_128_kib_is_one_error_row(client: TestClient) -> None:
    huge = "x" * (200 * 1024)
    body = CSV_HEADER + f"a,116.345,40.0\n{huge},116.345,40.0\nc,116.355,40.0\n"
    rows = post_csv(client, body)
    assert [row["id"] for row in rows] == ["a", "", "c"]
    assert rows[1]["error"] == "row: a field is longer than 131,072 characters"
    assert [row["grid_code"] for row in rows] == ["110108010019001", "", "110108010019002"]


# --- issue 11, item 5: a GeoJSON batch is read whole (compactly) before the answer starts


def test_item5_a_truncated_geojson_batch_is_a_400_not_a_cut_stream(client: TestClient) -> None:
    features = [feature(list(INSIDE_001), i) for i in range(5)]
    text = json.dumps({"type": "FeatureCollection", "features": features})[:-20]
    response = client.post("/lookup", content=text, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("geojson: not valid JSON")


def test_item5_a_geojson_batch_without_content_type_is_sniffed(client: TestClient) -> None:
    collection = {"type": "FeatureCollection", "features": [feature(list(INSIDE_001), 7)]}
    response = client.post("/lookup", content=json.dumps(collection))
    assert response.status_code == 200
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert row["id"] == "7" and row["grid_code"] == "110108010019001"


def test_item5_geojson_batches_in_chunks_keep_order(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "LOOKUP_CHUNK_ROWS", 3)
    points = [INSIDE_001, MOVED] * 4
    features = [feature(list(p), i) for i, p in enumerate(points)]
    response = client.post(
        "/lookup",
        json={"type": "FeatureCollection", "features": features},
        params={"format": "ndjson"},
    )
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [row["id"] for row in rows] == list(range(8))
    assert [row["grid_code"][-3:] for row in rows] == ["001", "002"] * 4


# --- issue 11, item 23: on a shared edge, which grids share it


def test_item23_single_answer_names_the_neighbours(client: TestClient) -> None:
    edge = get(client, *SHARED_EDGE)
    assert edge["on_boundary"] is True and edge["neighbours"] == ["110108010019002"]
    assert get(client, *INSIDE_001)["neighbours"] == []


def test_item23_batch_answers_name_the_neighbours(client: TestClient) -> None:
    body = CSV_HEADER + "a,116.35,40.0\nb,116.345,40.0\nc,east,40\n"
    rows = post_csv(client, body)
    assert [row["neighbours"] for row in rows] == ["110108010019002", "", ""]
    response = client.post(
        "/lookup", content=body, params={"format": "ndjson"}, headers={"content-type": "text/csv"}
    )
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["neighbours"] for line in lines] == [["110108010019002"], [], None]
