"""Issue 11, items 6 and 7: what one upload may hold, how long its work may run, body limits.

A boundary upload over the feature count or the unzipped size is refused before any geometry
is read; a check stops when its time is up or its client left; every route has a body limit,
served as a 413 before the body is read into memory.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from tests.principals import operator_headers
from tests.stores import load_hierarchy

COMMUNITY = "110108010019"


def squares(count: int) -> gpd.GeoDataFrame:
    """``count`` grid squares of 100 m in rows, coded under the test community."""
    side = int(np.ceil(np.sqrt(count)))
    i = np.arange(count)
    x, y = 116.0 + (i % side) * 0.001, 39.5 + (i // side) * 0.001
    codes = [f"{COMMUNITY}{k % 1000:03d}" for k in range(count)]
    return gpd.GeoDataFrame(
        {"code": codes}, geometry=shapely.box(x, y, x + 0.001, y + 0.001), crs=4326
    )


def zipped_shapefile(frame: gpd.GeoDataFrame, folder: Path, extra: bytes = b"") -> Path:
    """The frame as a zipped shapefile (with an ``extra.bin`` member when given)."""
    frame.to_file(folder / "grids.shp")
    path = folder / "grids.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.glob("grids.*")):
            if part != path:
                archive.write(part, part.name)
        if extra:
            archive.writestr("extra.bin", extra)
    return path


@pytest.fixture
def app(store_settings: StoreSettings, rt: Runtime, tmp_path: Path) -> FastAPI:
    load_hierarchy(rt, tmp_path)
    return create_app(store_settings)


@pytest.fixture
def client(app: FastAPI, store_settings: StoreSettings) -> Iterator[TestClient]:
    with TestClient(app, headers=operator_headers(store_settings)) as test_client:
        yield test_client


def upload(client: TestClient, path: str, zipped: Path) -> Any:
    with zipped.open("rb") as file:
        return client.post(path, files={"file": ("grids.zip", file, "application/zip")})


def plan_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM plan_areas")).scalar_one())


@pytest.mark.parametrize("path", ["/checks", f"/plans?scope={COMMUNITY}"])
def test_item6_a_file_of_too_many_areas_is_refused_before_it_is_read(
    client: TestClient, engine: Engine, tmp_path: Path, path: str
) -> None:
    zipped = zipped_shapefile(squares(20_001), tmp_path)
    response = upload(client, path, zipped)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "file: upload.zip has 20,001 features; at most 20,000 areas per upload "
        "(split it)",
        "code": "PayloadTooLarge",
    }
    assert plan_rows(engine) == 0


def test_item6_the_feature_limit_is_configurable(
    store_settings: StoreSettings,
    rt: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIDMAP_MAX_AREAS", "10")
    zipped = zipped_shapefile(squares(11), tmp_path)
    with TestClient(create_app(store_settings), headers=operator_headers(store_settings)) as client:
        response = upload(client, "/checks", zipped)
    assert response.status_code == 413
    assert "at most 10 areas per upload" in response.json()["detail"]


def test_item6_a_zip_that_unzips_to_too_much_is_refused_before_extracting(
    store_settings: StoreSettings,
    rt: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIDMAP_MAX_UNZIPPED_BYTES", str(2**20))
    zipped = zipped_shapefile(squares(4), tmp_path, extra=bytes(2 * 2**20))
    assert zipped.stat().st_size < 2**16  # a small zip of a larger whole: the bomb's shape
    with TestClient(create_app(store_settings), headers=operator_headers(store_settings)) as client:
        response = upload(client, "/checks", zipped)
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert detail.startswith("file: upload.zip unzips to 2,") and detail.endswith(
        "at most 1,048,576"
    )


@pytest.mark.parametrize(
    ("path", "what"), [("/checks", "check"), (f"/plans?scope={COMMUNITY}", "plan")]
)
def test_item6_the_work_on_an_upload_stops_when_its_time_is_up(
    app: FastAPI,
    engine: Engine,
    store_settings: StoreSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    what: str,
) -> None:
    monkeypatch.setenv("GRIDMAP_WORK_SECONDS", "0.001")
    zipped = zipped_shapefile(squares(200), tmp_path)
    with TestClient(app, headers=operator_headers(store_settings)) as client:
        response = upload(client, path, zipped)
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"{what}: took longer than its limit of 0.001 s; split the file",
        "code": "TimeLimitExceeded",
    }
    assert plan_rows(engine) == 0


def asgi(
    client: TestClient, method: str, path: str, headers: dict[str, str], chunks: list[bytes]
) -> tuple[int, dict[str, Any], int]:
    """Call the app as a server would: the body in ``chunks``, then the client leaves.

    Returns the status, the JSON body and how many body chunks the app asked for.
    """
    pending = list(chunks)
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not pending:
            return {"type": "http.disconnect"}
        asked += 1
        return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "root_path": "",
    }
    client.portal.call(client.app, scope, receive, send)  # type: ignore[arg-type, union-attr]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(payload), asked


def test_item6_a_check_stops_when_the_client_disconnects(client: TestClient) -> None:
    body = squares(20_000).to_json().encode()
    headers = {
        "content-type": "application/geo+json",
        "content-length": str(len(body)),
        "authorization": client.headers["authorization"],
    }
    status, answer, _ = asgi(client, "POST", "/checks", headers, [body])
    # nobody reads this answer; that it is one says the work stopped before it was done
    assert (status, answer) == (
        413,
        {"detail": "check: stopped: the client disconnected", "code": "TimeLimitExceeded"},
    )


LIMITS = [
    ("/stations/import", 16),
    ("/checks", 64),
    (f"/plans?scope={COMMUNITY}", 64),
    ("/incidents", 2),
    ("/open311/v2/requests.json", 2),
    ("/lookup", 200),
]


@pytest.mark.parametrize(("path", "megabytes"), LIMITS)
def test_item7_every_upload_route_refuses_a_declared_body_over_its_limit_unread(
    client: TestClient, path: str, megabytes: int
) -> None:
    size = megabytes * 2**20 + 1
    headers = {"content-type": "application/json", "content-length": str(size)}
    status, answer, asked = asgi(client, "POST", path, headers, [b"{}"])
    assert status == 413 and asked == 0  # refused before a byte of the body was read
    assert answer == {
        "detail": f"body: {megabytes} MB is over the limit of {megabytes} MB; split it",
        "code": "PayloadTooLarge",
    }


def test_item7_a_streamed_station_file_is_cut_off_at_its_limit(
    client: TestClient, engine: Engine
) -> None:
    before = stations(engine)
    piece = b" " * 2**20

    def chunks() -> Iterator[bytes]:
        yield b'{"type": "FeatureCollection", "features": ['
        for _ in range(40):  # 40 MB, sent without a Content-Length
            yield piece

    response = client.post(
        "/stations/import", content=chunks(), headers={"content-type": "application/geo+json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "body: more is over the limit of 16 MB; split it",
        "code": "PayloadTooLarge",
    }
    assert stations(engine) == before


def stations(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM stations")).scalar_one())
