"""GET and POST /lookup against the real test store (the tiny 学院路 hierarchy of tests.geoms)."""

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyproj
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from api.app import create_app
from gis import limits
from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.settings import StoreSettings
from gis.tables import BOM
from gis.usecases.runtime import Runtime
from tests.principals import operator_headers
from tests.stores import MOVED, load_hierarchy, move_shared_edge

INSIDE_001 = (116.345, 40.0)
SHARED_EDGE = (116.35, 40.0)
WEST_OF_GRIDS = (116.3395, 40.0)  # 0.0005° (~43 m) west of grid 001, inside the subdistrict
CSV_HEADER = "id,lon,lat\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
        ("lon,lat\n\xff\xfe\n", "text/csv", "body: not utf-8 or gb18030 (gbk, gb2312) text"),
        ("PK\x03\x04", XLSX, "body: not a readable .xlsx workbook"),
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
    raw = content.encode("latin-1") if "\xff" in content else content.encode()
    response = client.post("/lookup", content=raw, headers={"content-type": content_type})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "UnreadableFile" and fragment in body["detail"]


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (
            "x,lat\n1,2\n",
            "lon_field: no longitude column in the header x, lat; "
            "tried lon, lng, long, longitude, 经度, 东经, x; name it with lon_field",
        ),
        (
            "lon,y\n1,2\n",
            "lat_field: no latitude column in the header lon, y; "
            "tried lat, latitude, 纬度, 北纬, y; name it with lat_field",
        ),
    ],
)
def test_issue15_coordinate_columns_not_found_say_what_was_tried(
    client: TestClient, content: str, detail: str
) -> None:
    response = client.post("/lookup", content=content, headers={"content-type": "text/csv"})
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "InvalidInput"}


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


# --- issue 15: tables as people have them (GBK CSVs, .xlsx, Chinese column names)

GBK_TABLE = (
    "编号,经度,纬度,备注\nA1,116.345,40.0,东门 北侧\nA2,116.355,40.0,西门（旧）\nA3,东经,40.0,\n"
)


def xlsx_bytes(*rows: list[object], title: str = "点位") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def answer_rows(response: Any, encoding: str) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode(encoding))))


def test_issue15_a_gbk_csv_is_answered_in_gbk_with_its_chinese_columns(
    client: TestClient,
) -> None:
    response = client.post(
        "/lookup", content=GBK_TABLE.encode("gbk"), headers={"content-type": "text/csv"}
    )
    assert response.headers["content-type"] == "text/csv; charset=gb18030"
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    rows = answer_rows(response, "gbk")  # GB18030 is GBK's bytes for GBK's characters
    assert list(rows[0])[:5] == ["编号", "经度", "纬度", "备注", "wgs84_lon"]
    assert [(r["编号"], r["备注"], r["grid_code"]) for r in rows] == [
        ("A1", "东门 北侧", "110108010019001"),
        ("A2", "西门（旧）", "110108010019002"),
        ("A3", "", ""),
    ]
    assert rows[0]["grid_name"] == "第01网格"
    assert rows[2]["error"] == "经度: '东经' is not a number"


def test_issue15_out_encoding_and_a_named_encoding(client: TestClient) -> None:
    response = client.post(
        "/lookup",
        content=GBK_TABLE.encode("gbk"),
        params={"encoding": "GBK", "out_encoding": "utf-8-sig"},
        headers={"content-type": "text/csv"},
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM) and response.content.count(BOM) == 1
    assert answer_rows(response, "utf-8-sig")[1]["备注"] == "西门（旧）"
    utf8 = client.post("/lookup", content=GBK_TABLE.encode(), headers={"content-type": "text/csv"})
    assert utf8.headers["content-type"] == "text/csv; charset=utf-8"
    assert not utf8.content.startswith(BOM)
    assert answer_rows(utf8, "utf-8")[0]["备注"] == "东门 北侧"


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"encoding": "utf-8"}, "body: not utf-8 text (unreadable at byte 0)"),
        ({"encoding": "big5"}, "encoding: unknown encoding 'big5'; use one of utf-8, utf-8-sig,"),
        ({"out_encoding": "gb2312"}, "out_encoding: unknown encoding 'gb2312'; use one of utf-8,"),
        ({"lon_field": "x"}, "lon_field: no column 'x' in the header 编号, 经度, 纬度, 备注"),
        ({"sheet": "点位"}, None),  # a CSV has no sheets: the name is not looked at
    ],
)
def test_issue15_bad_table_options_are_400s_naming_the_field(
    client: TestClient, params: dict[str, str], detail: str | None
) -> None:
    response = client.post(
        "/lookup",
        content=GBK_TABLE.encode("gbk"),
        params=params,
        headers={"content-type": "text/csv"},
    )
    if detail is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


def test_issue15_columns_named_by_lon_field_and_lat_field(client: TestClient) -> None:
    body = "名称,lon,lat,gcj_x,gcj_y\n东门,0,0,{},{}\n".format(*wgs84_to_gcj02(*INSIDE_001))
    [row] = post_csv(client, body, lon_field="GCJ_X", lat_field="gcj_y", crs="gcj02")
    assert row["grid_code"] == "110108010019001" and row["名称"] == "东门"
    [wrong] = post_csv(client, body)  # lon/lat found first: 0,0 is far from every grid
    assert wrong["grid_code"] == ""


def test_issue15_an_xlsx_body_is_answered_as_csv_with_a_bom(client: TestClient) -> None:
    content = xlsx_bytes(
        ["编号", "经度", "纬度", "备注"], ["A1", 116.345, 40, "东门"], [], ["A2", 116.355, 40]
    )
    response = client.post("/lookup", content=content, headers={"content-type": XLSX})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    rows = answer_rows(response, "utf-8-sig")
    assert [(r["编号"], r["经度"], r["备注"], r["grid_code"]) for r in rows] == [
        ("A1", "116.345", "东门", "110108010019001"),
        ("A2", "116.355", "", "110108010019002"),
    ]


def test_issue15_an_xlsx_upload_by_its_name_and_sheet(client: TestClient) -> None:
    book = Workbook()
    book.active.append(["说明"])
    points = book.create_sheet("点位")
    points.append(["lng", "lat", "名称"])
    points.append([116.345, 40.0, "东门"])
    out = io.BytesIO()
    book.save(out)
    files = {"file": ("点位.xlsx", out.getvalue(), "application/octet-stream")}
    response = client.post("/lookup", files=files, params={"sheet": "点位", "out_encoding": "gbk"})
    assert response.headers["content-type"] == "text/csv; charset=gbk"
    [row] = answer_rows(response, "gbk")
    assert (row["名称"], row["grid_code"]) == ("东门", "110108010019001")
    first = client.post("/lookup", files=files)
    assert first.status_code == 400
    assert first.json()["detail"].startswith("lon_field: no longitude column in the header 说明;")
    missing = client.post("/lookup", files=files, params={"sheet": "Sheet9"})
    assert (
        missing.json()["detail"] == "sheet: no sheet 'Sheet9' in the workbook; it has Sheet, 点位"
    )


def test_issue15_a_csv_upload_in_gbk(client: TestClient) -> None:
    files = {"file": ("台账.csv", GBK_TABLE.encode("gbk"), "text/csv")}
    response = client.post("/lookup", files=files)
    assert response.headers["content-type"] == "text/csv; charset=gb18030"
    assert [r["备注"] for r in answer_rows(response, "gb18030")] == ["东门 北侧", "西门（旧）", ""]


@pytest.mark.parametrize(
    ("files", "detail"),
    [
        ({"other": ("a.csv", b"lon,lat\n", "text/csv")}, "file: the multipart upload has no file"),
        (
            {"file": ("台账.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel")},
            "save it as .xlsx",
        ),
        ({"file": ("a.xlsx", b"lon,lat\n", XLSX)}, "body: not a readable .xlsx workbook"),
    ],
)
def test_issue15_bad_uploads_are_400s(client: TestClient, files: dict, detail: str) -> None:
    response = client.post("/lookup", files=files)
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_issue15_an_empty_workbook_is_a_400(client: TestClient) -> None:
    from tests.gis.test_tables import without_sheets

    content = without_sheets(xlsx_bytes(["lon", "lat"]))
    response = client.post("/lookup", content=content, headers={"content-type": XLSX})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "body: the workbook has no sheet",
        "code": "UnreadableFile",
    }


def test_issue15_row_limits_hold_for_gbk_tables_and_workbooks(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "LOOKUP_ROWS", 2)
    body = "编号,经度,纬度\n" + "甲,116.345,40.0\n" * 3
    response = client.post(
        "/lookup", content=body.encode("gbk"), headers={"content-type": "text/csv"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "body: 3 rows is over the limit of 2; split the batch"
    content = xlsx_bytes(["经度", "纬度"], *[[116.345, 40.0]] * 3)
    for request in (
        {"content": content, "headers": {"content-type": XLSX}},
        {"files": {"file": ("a.xlsx", content, XLSX)}},
    ):
        response = client.post("/lookup", **request)
        assert response.status_code == 413, response.text
        assert response.json()["detail"] == "body: 3 rows is over the limit of 2; split the batch"


def test_issue15_an_xlsx_over_the_body_limit_is_a_413(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "BODY_BYTES", 1000)
    content = xlsx_bytes(["经度", "纬度"], *[[116.345, 40.0]] * 300)
    assert len(content) > 1000
    response = client.post("/lookup", content=content, headers={"content-type": XLSX})
    assert response.status_code == 413 and response.json()["code"] == "PayloadTooLarge"
