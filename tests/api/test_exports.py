"""Issue 15 item 5: exports people open — areas as GIS files and CSV in any CRS, and the monthly
report's incidents and statistics as CSV and XLSX with personal data masked."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from gis.crs import wgs84_to_gcj02
from gis.identity.roles import Grant
from gis.usecases.runtime import Runtime
from tests.principals import bearer, user_token

COMMUNITY = "110108010021"


def _saved(content: bytes, folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def test_issue15_areas_download_in_every_format(sample_client: TestClient, tmp_path: Path) -> None:
    stored = sample_client.get(f"/areas?level=grid&scope={COMMUNITY}").json()["features"]
    codes = sorted(f["properties"]["code"] for f in stored)
    for file_format, suffix in (("gpkg", ".gpkg"), ("geojson", ".geojson"), ("kml", ".kml")):
        answer = sample_client.get(f"/areas.{file_format}?level=grid&scope={COMMUNITY}")
        assert answer.status_code == 200, answer.text
        name = f"areas-grid-{COMMUNITY}.{file_format}"
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
        found = pyogrio.read_dataframe(_saved(answer.content, tmp_path, f"a{suffix}"))
        assert sorted(found["code"]) == codes
    shp = sample_client.get(f"/areas.shp.zip?level=grid&scope={COMMUNITY}&encoding=gbk")
    members = zipfile.ZipFile(io.BytesIO(shp.content)).namelist()
    assert {Path(m).suffix for m in members} >= {".shp", ".dbf", ".prj", ".cpg"}
    found = pyogrio.read_dataframe(_saved(shp.content, tmp_path, "a.shp.zip"), encoding="GBK")
    assert all("石科院社区" in n for n in found["name"])


def test_issue15_areas_in_cgcs2000_gcj02_and_a_projected_crs(
    sample_client: TestClient, tmp_path: Path
) -> None:
    query = f"level=grid&scope={COMMUNITY}"
    wgs = pyogrio.read_dataframe(
        _saved(sample_client.get(f"/areas.gpkg?{query}").content, tmp_path, "w.gpkg")
    )
    cgcs = pyogrio.read_dataframe(
        _saved(sample_client.get(f"/areas.gpkg?{query}&crs=cgcs2000").content, tmp_path, "c.gpkg")
    )
    assert cgcs.crs.to_epsg() == 4490 and wgs.crs.to_epsg() == 4326
    assert shapely.equals_exact(cgcs.geometry.to_numpy(), wgs.geometry.to_numpy(), 0).all()
    gcj = pyogrio.read_dataframe(
        _saved(sample_client.get(f"/areas.gpkg?{query}&crs=gcj02").content, tmp_path, "g.gpkg")
    )
    xy = shapely.get_coordinates(wgs.geometry.to_numpy())
    expected = np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    assert np.abs(shapely.get_coordinates(gcj.geometry.to_numpy()) - expected).max() < 1e-9
    gk = pyogrio.read_dataframe(
        _saved(sample_client.get(f"/areas.gpkg?{query}&crs=EPSG:4547").content, tmp_path, "k.gpkg")
    )
    assert gk.crs.to_epsg() == 4547
    back = shapely.area(gk.to_crs(4326).geometry.to_numpy()).sum()
    assert back == pytest.approx(shapely.area(wgs.geometry.to_numpy()).sum(), rel=1e-6)
    refused = sample_client.get(f"/areas.kml?{query}&crs=EPSG:4547")
    assert refused.status_code == 400 and refused.json()["detail"].startswith("crs:")


def test_issue15_areas_as_a_csv_excel_opens(sample_client: TestClient) -> None:
    answer = sample_client.get(f"/areas.csv?level=grid&scope={COMMUNITY}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    table = pd.read_csv(io.BytesIO(answer.content), encoding="utf-8-sig")
    assert {"code", "name", "households", "area_m2", "lon", "lat", "wkt"} <= set(table.columns)
    for row in table.itertuples():
        assert shapely.from_wkt(row.wkt).contains(shapely.Point(row.lon, row.lat))
    gbk = sample_client.get(f"/areas.csv?level=grid&scope={COMMUNITY}&encoding=gbk")
    assert gbk.headers["content-type"].endswith("charset=gbk")
    assert "石科院社区" in gbk.content.decode("gbk")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/areas.xlsx", "format:"),
        ("/areas.gpkg?crs=moon", "crs"),
        ("/areas.gpkg?encoding=gbk", "encoding:"),
        ("/areas.gpkg?level=street", "level"),
        ("/areas.gpkg?scope=999999", "scope:"),
        ("/areas.gpkg?as_of=yesterday", "as_of"),
    ],
)
def test_issue15_bad_export_requests_name_the_field(
    sample_client: TestClient, path: str, field: str
) -> None:
    answer = sample_client.get(path)
    assert answer.status_code in (400, 404), answer.text
    assert field in answer.json()["detail"]


def _report(sample_client: TestClient) -> None:
    for i, (lon, lat) in enumerate([(116.3553, 40.0073), (116.3505, 39.9985)]):
        made = sample_client.post(
            "/incidents",
            json={
                "category": "hazard",
                "lon": lon,
                "lat": lat,
                "description": f"井盖松动{i}",
                "reporter_name": "张三丰",
                "reporter_phone": "13812345678",
            },
        )
        assert made.status_code in (200, 201), made.text


def test_issue15_incidents_as_csv_and_xlsx_with_personal_data_masked(
    sample_client: TestClient,
) -> None:
    _report(sample_client)
    csv_answer = sample_client.get("/incidents.csv")
    assert csv_answer.status_code == 200, csv_answer.text
    text = csv_answer.content.decode("utf-8-sig")
    assert "13812345678" not in text and "张三丰" not in text
    table = pd.read_csv(io.StringIO(text), dtype=str)
    assert len(table) == 2 and set(table["联系电话"]) == {"138****5678"}
    assert set(table["类别"]) == {"安全隐患"} and set(table["上报人"]) == {"张**"}
    xlsx = sample_client.get("/incidents.xlsx?lang=en")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("id", "category", "status") and len(rows) == 3
    assert all("13812345678" not in str(cell) for row in rows for cell in row)


def test_issue15_stats_as_a_sheet_with_rates(sample_client: TestClient, rt: Runtime) -> None:
    _report(sample_client)
    answer = sample_client.get("/stats.xlsx?level=community")
    assert answer.status_code == 200, answer.text
    rows = list(openpyxl.load_workbook(io.BytesIO(answer.content)).active.values)
    header = rows[0]
    assert header[:4] == ("区域编码", "区域名称", "受理总数", "在办") and "办结率" in header
    assert "类别:安全隐患" in header
    total = header.index("受理总数")
    assert sum(row[total] for row in rows[1:]) == 2
    csv_answer = sample_client.get("/stats.csv?level=grid&encoding=gbk&lang=en")
    assert csv_answer.content.decode("gbk").startswith("code,name,total")
    viewer = user_token(rt, "viewer-stats", (Grant("viewer", COMMUNITY),))
    mine = sample_client.get("/stats.csv?level=grid", headers=bearer(viewer))
    codes = pd.read_csv(io.BytesIO(mine.content), encoding="utf-8-sig", dtype=str)["区域编码"]
    assert len(codes) and all(c.startswith(COMMUNITY) for c in codes)
    anonymous = sample_client.get("/stats.csv", headers={"Authorization": ""})
    assert anonymous.status_code == 401
