"""Issue 14 (files in and out): ``GET /plans/{id}.gpkg|.geojson|.shp.zip|.kml`` and re-upload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from api.access import api_routes
from api.files import MEDIA_TYPES
from gis.db import addresses as address_sql
from gis.io import EXPORT_FORMATS
from gis.usecases.runtime import Runtime
from tests import geoms
from tests.principals import bearer, role_token
from tests.stores import address_row

COMMUNITY, WEST, EAST = "110108010019", "110108010019001", "110108010019002"
EDGE = 116.3523456789  # a shared edge off the round numbers: precision shows
GRIDS = [
    (WEST, "西片网格", shapely.box(116.34, 39.99, EDGE, 40.01)),
    (EAST, "东片网格", shapely.box(EDGE, 39.99, 116.36, 40.01)),
]
UPLOAD_NAME = {"gpkg": "p.gpkg", "geojson": "p.geojson", "shp.zip": "p.shp.zip", "kml": "p.kml"}


@pytest.fixture
def plan(client: TestClient, rt: Runtime) -> int:
    """A draft of the two grids; the registry has 60 households in the west one."""
    with rt.write() as conn:
        home = address_row("北京市海淀区学院路1号", 116.345, 40.0, households=60)
        address_sql.upsert_addresses(conn, rows=[home])
    body = json.loads(geoms.frame(GRIDS).to_json())
    made = client.post("/plans", params={"scope": COMMUNITY}, json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def areas_of(client: TestClient, plan_id: int) -> gpd.GeoDataFrame:
    answer = client.get(f"/plans/{plan_id}")
    assert answer.status_code == 200, answer.text
    return gpd.GeoDataFrame.from_features(answer.json()["areas"]["features"], crs=4326)


def saved(content: bytes, folder: Path, file_format: str) -> str:
    path = folder / UPLOAD_NAME[file_format]
    path.write_bytes(content)
    return f"/vsizip/{path}" if file_format == "shp.zip" else str(path)


def same_shapes(found: Any, expected: Any) -> bool:
    pairs = zip(found, expected, strict=True)
    return all(
        shapely.equals_exact(shapely.normalize(_multi(a)), shapely.normalize(_multi(b)), 1e-7)
        for a, b in pairs
    )


def _multi(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.multipolygons([geometry]) if geometry.geom_type == "Polygon" else geometry


def test_issue14_the_file_route_comes_before_the_plan_route(client: TestClient) -> None:
    paths = [route.path for _, route in api_routes(client.app)]
    assert paths.index("/plans/{plan_id:int}.{file_format}") < paths.index("/plans/{plan_id}")


def test_issue14_media_types_cover_every_export_format() -> None:
    assert set(EXPORT_FORMATS) <= set(MEDIA_TYPES)


@pytest.mark.parametrize("file_format", list(EXPORT_FORMATS))
def test_issue14_a_plan_downloads_as_a_file(
    client: TestClient, plan: int, tmp_path: Path, file_format: str
) -> None:
    answer = client.get(f"/plans/{plan}.{file_format}")
    assert answer.status_code == 200, answer.text  # not 422: /plans/{plan_id} did not take it
    assert answer.headers["content-type"].split(";")[0] == MEDIA_TYPES[file_format]
    name = f"plan-{plan}-{COMMUNITY}.{file_format}"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    found = pyogrio.read_dataframe(saved(answer.content, tmp_path, file_format))
    expected = areas_of(client, plan)
    assert found["code"].tolist() == expected["code"].tolist() == [WEST, EAST]
    names = found["Name" if file_format == "kml" else "name"]
    assert names.tolist() == ["西片网格", "东片网格"]
    assert same_shapes(found.geometry, expected.geometry)
    if file_format in ("gpkg", "geojson"):  # every attribute under its own name
        assert found["level"].tolist() == ["grid"] * 2
        assert found["parent_code"].tolist() == [COMMUNITY] * 2
        assert found["households"].iloc[0] == expected["households"].iloc[0] == 60
        assert found["households_source"].iloc[0] == expected["households_source"].iloc[0]
        assert found["households_source"].iloc[0] == "registry"
        assert (found["area_m2"] > 1e5).all()


def test_issue14_a_shapefile_in_gbk_keeps_its_chinese_names(
    client: TestClient, plan: int, tmp_path: Path
) -> None:
    answer = client.get(f"/plans/{plan}.shp.zip", params={"encoding": "gbk"})
    assert answer.status_code == 200, answer.text
    source = saved(answer.content, tmp_path, "shp.zip")
    assert pyogrio.read_dataframe(source, encoding="GBK")["name"].tolist() == [
        "西片网格",
        "东片网格",
    ]
    with (tmp_path / "p.shp.zip").open("rb") as handle:
        made = client.post(
            "/plans",
            params={"scope": COMMUNITY},
            files={"file": ("p.shp.zip", handle, "application/zip")},
        )
    assert made.status_code == 201, made.text
    again = areas_of(client, made.json()["id"])
    assert again["name"].tolist() == ["西片网格", "东片网格"]  # the upload follows the .cpg


@pytest.mark.parametrize("file_format", list(EXPORT_FORMATS))
def test_issue14_an_exported_plan_uploads_as_the_same_areas(
    client: TestClient, plan: int, file_format: str
) -> None:
    exported = client.get(f"/plans/{plan}.{file_format}")
    assert exported.status_code == 200, exported.text
    made = client.post(
        "/plans",
        params={"scope": COMMUNITY, "note": f"from {file_format}"},
        files={"file": (UPLOAD_NAME[file_format], exported.content, "application/octet-stream")},
    )
    assert made.status_code == 201, made.text
    before, after = areas_of(client, plan), areas_of(client, made.json()["id"])
    assert after["code"].tolist() == before["code"].tolist()
    assert after["name"].tolist() == before["name"].tolist()
    assert same_shapes(after.geometry, before.geometry)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("{plan}.gpkg?encoding=gbk", "encoding: only shp.zip and csv have a choice"),
        ("{plan}.shp.zip?encoding=big5", "encoding: 'big5' is not one of utf-8, gbk"),
        ("{plan}.xlsx", "format: 'xlsx' is not one of .gpkg, .geojson, .shp.zip, .kml, .csv"),
        ("{plan}.shp", "format: 'shp' is not one of"),
    ],
)
def test_issue14_an_unknown_format_or_encoding_is_a_400(
    client: TestClient, plan: int, path: str, field: str
) -> None:
    answer = client.get("/plans/" + path.format(plan=plan))
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidInput" and field in answer.json()["detail"]


def test_issue14_another_communitys_plan_is_not_there(
    client: TestClient, plan: int, rt: Runtime
) -> None:
    elsewhere = bearer(role_token(rt, "planner", "110108010021"))
    hidden = client.get(f"/plans/{plan}.gpkg", headers=elsewhere)
    missing = client.get("/plans/999999.gpkg")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"] == "NotFound"
    mine = client.get(f"/plans/{plan}.gpkg", headers=bearer(role_token(rt, "planner", COMMUNITY)))
    assert mine.status_code == 200
