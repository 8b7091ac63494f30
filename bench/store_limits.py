"""Issue 11, items 6 and 9: what a frozen store, an oversized upload and a client that left cost.

Prints, in one run:

- with a PostgreSQL frozen by SIGSTOP (a throwaway cluster of its own, continued afterwards):
  how long ``GET /healthz`` takes to answer (three calls, sharing one probe), and a request
  that needs a new connection (``GET /areas``);
Everything runs against a throwaway cluster (never the shared one); nothing is written.

- a zip of 400,000 polygons sent to ``POST /checks`` and ``POST /plans``: size, status, time;
- a 20,000-area check: how long it takes when the client waits, and how long the work goes on
  after the client has left (answered 413 to no one).

    .venv/bin/python bench/store_limits.py [--polygons 400000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from fastapi.testclient import TestClient

from api.app import create_app
from gis.settings import StoreSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the throwaway cluster of the tests
from tests.clusters import frozen, throwaway_cluster


def squares(count: int) -> gpd.GeoDataFrame:
    """``count`` squares of 100 m in rows, with grid codes."""
    side = int(np.ceil(np.sqrt(count)))
    i = np.arange(count)
    x, y = 116.0 + (i % side) * 0.001, 39.5 + (i // side) * 0.001
    codes = [f"110108010019{k % 1000:03d}" for k in range(count)]
    return gpd.GeoDataFrame(
        {"code": codes}, geometry=shapely.box(x, y, x + 0.001, y + 0.001), crs=4326
    )


def zipped(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    frame.to_file(folder / "grids.shp")
    path = folder / "grids.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.glob("grids.*")):
            if part != path:
                archive.write(part, part.name)
    return path


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def frozen_store(local: Any, url: str) -> None:
    with TestClient(create_app(StoreSettings(database_url=url))) as client:
        client.get("/healthz")
        with frozen(local):
            for n in range(3):
                response, seconds = timed(lambda: client.get("/healthz"))
                print(
                    f"frozen store: GET /healthz #{n + 1}: {response.status_code} "
                    f"{response.json()['code']} in {seconds:.2f} s"
                )
    with TestClient(create_app(StoreSettings(database_url=url))) as client, frozen(local):
        response, seconds = timed(lambda: client.get("/areas", params={"level": "grid"}))
        print(
            f"frozen store: GET /areas (a new connection): {response.status_code} "
            f"{response.json()['code']} in {seconds:.2f} s"
        )


def oversized(client: TestClient, polygons: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="gridmap-bench-"))
    path, seconds = timed(lambda: zipped(squares(polygons), folder))
    print(
        f"zip of {polygons:,} polygons: {path.stat().st_size / 2**20:.1f} MB "
        f"(built in {seconds:.1f} s)"
    )
    for route in ("/checks", "/plans?scope=110108010019"):
        with path.open("rb") as file:
            files = {"file": ("grids.zip", file, "application/zip")}
            response, seconds = timed(lambda: client.post(route, files=files))  # noqa: B023
        print(f"POST {route}: {response.status_code} in {seconds:.2f} s: {response.json()}")


def client_leaves(client: TestClient) -> None:
    body = squares(20_000).to_json().encode()
    headers = {"content-type": "application/geo+json"}
    response, seconds = timed(lambda: client.post("/checks", content=body, headers=headers))
    print(f"POST /checks, 20,000 areas, client waits: {response.status_code} in {seconds:.2f} s")
    status, seconds = timed(lambda: leave_at_once(client, body))
    print(
        f"POST /checks, 20,000 areas, client left after sending: work stopped "
        f"({status}) in {seconds:.2f} s"
    )


def leave_at_once(client: TestClient, body: bytes) -> int:
    """Send the body, then disconnect at once; the status the app answered to no one."""
    pending = [body]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/checks",
        "raw_path": b"/checks",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/geo+json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "root_path": "",
    }
    client.portal.call(client.app, scope, receive, send)  # type: ignore[arg-type, union-attr]
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polygons", type=int, default=400_000)
    args = parser.parse_args()
    with throwaway_cluster() as (local, url):
        frozen_store(local, url)
        with TestClient(create_app(StoreSettings(database_url=url))) as client:
            oversized(client, args.polygons)
            client_leaves(client)


if __name__ == "__main__":
    main()
