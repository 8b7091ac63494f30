"""Issue 14: how fast a plan operation answers for a community of 30 grids (target ≤ 300 ms).

Loads a synthetic district 110109 → subdistrict 110109001 → community 110109001001 → 30 wavy
grids (5 × 6, ~100 m, ~100 vertices each) into the scratch database ``gridmap_bench``, makes a
planner scoped on the community and a draft, then times ``POST /plans/{id}/operations`` through
the app (TestClient, the planner's token): a split of a middle grid and the merge that undoes it,
a move of a strip to a neighbour and back, painting the middle grid's blocks along its east
neighbour into it (``assign_blocks`` by id) and back (by position), and reshaping the middle
grid over a strip of its neighbour and back, ``--repeat`` times each; and ``GET
/plans/{id}/blocks``. The blocks are cut along a 40 m street lattice over the community, which
the bench stores as the current walking network of ``gridmap_bench``. Printed beside them, the
peer measured in the same run: the checks alone on the same 30 grids (`check_areas`), which every
operation's answer includes.

    .venv/bin/python bench/plan_operations.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import shapely
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from auth_lookup import bench_settings

from api.app import create_app
from gis.areas import ORDER, Level
from gis.checks import check_areas
from gis.db import stations as station_sql
from gis.db.store import database_url, prepare
from gis.identity.records import Actor
from gis.io import read_boundaries
from gis.network.synthetic import street_grid
from gis.settings import StoreSettings
from gis.synthetic import synthetic_coverage
from gis.usecases import boundaries, identity
from gis.usecases.runtime import running

DISTRICT, SUBDISTRICT, COMMUNITY = "110109", "110109001", "110109001001"
ACTOR = Actor(principal="os:bench", source="bench")
LOGIN, PASSWORD = "bench-planner", "Wavy-Grids-30x"
TARGET_MS = 300.0
STREET_SPACING_M = 40.0


def hierarchy(folder: Path) -> dict[Level, Path]:
    """The synthetic district, subdistrict, community and 30 grids, as GeoJSON files."""
    grids = synthetic_coverage(5, 6, 24)
    grids["code"] = [f"{COMMUNITY}{i + 1:03d}" for i in range(len(grids))]
    grids["name"] = [f"第{i + 1:02d}网格" for i in range(len(grids))]
    whole = shapely.coverage_union_all(grids.geometry.to_numpy())
    files = {}
    for level, code in ((Level.DISTRICT, DISTRICT), (Level.SUBDISTRICT, SUBDISTRICT),
                        (Level.COMMUNITY, COMMUNITY)):  # fmt: skip
        frame = grids.iloc[:1].copy()
        frame["code"], frame["name"] = code, f"合成{level.value}"
        frame = frame.set_geometry([whole])
        files[level] = folder / f"{level.value}.geojson"
        frame.to_file(files[level], driver="GeoJSON")
    files[Level.GRID] = folder / "grid.geojson"
    grids.to_file(files[Level.GRID], driver="GeoJSON")
    return files


def load(url: str) -> tuple[str, Any]:
    """Load the hierarchy (a load leaves unchanged areas alone) and a planner; its token."""
    settings = StoreSettings(database_url=url)
    engine = create_engine(url)
    with engine.begin() as conn:  # the bench's own leftovers: users and plans
        conn.execute(text("DELETE FROM plans WHERE scope_code = :c"), {"c": COMMUNITY})
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp, running(settings) as rt:
        files = hierarchy(Path(tmp))
        for level in ORDER:
            boundary = read_boundaries(files[level], level=level)
            boundaries.load(rt, boundary, acting=_machine(), level=level)
        if all(user.login != LOGIN for user in identity.list_users(rt)):
            identity.add_user(
                rt, ACTOR, login=LOGIN, role="planner", scopes=[COMMUNITY], password=PASSWORD
            )
        token = identity.create_token(rt, ACTOR, login=LOGIN, expires="1h", name="bench").text
        grids = read_boundaries(files[Level.GRID], level=Level.GRID).areas
        west, south, _, _ = grids.total_bounds
        streets = street_grid(22, 18, STREET_SPACING_M, origin=(west - 0.0002, south - 0.0002))
        with rt.write() as conn:
            station_sql.save_network(conn, network=streets)
    return token, grids


def _machine() -> Any:
    from gis.identity.access import Acting

    return Acting.machine(ACTOR)


def timed(client: TestClient, path: str, body: dict[str, Any] | None = None) -> float:
    start = time.perf_counter()
    answer = client.post(path, json=body) if body is not None else client.get(path)
    took = time.perf_counter() - start
    assert answer.status_code == 200, answer.text
    return took * 1000


def bordering(client: TestClient, plan: int, code: str, neighbour: shapely.Geometry) -> list:
    """The blocks of grid ``code`` that share an edge with ``neighbour``: (id, [lon, lat])."""
    found = client.get(f"/plans/{plan}/blocks").json()["features"]
    return [
        (f["id"], f["properties"]["point"])
        for f in found
        if f["properties"]["grid"] == code
        and shapely.intersection(shapely.geometry.shape(f["geometry"]), neighbour).length > 0
    ]


def paint_and_back(
    client: TestClient, plan: int, middle: Any, right: Any, times: dict[str, list[float]]
) -> None:
    """Paint the middle grid's blocks along its east neighbour into it, and back by position."""
    path = f"/plans/{plan}/operations"
    times["blocks (GET)"].append(timed(client, f"/plans/{plan}/blocks"))
    edge = shapely.boundary(right.geometry)
    chosen = bordering(client, plan, middle.code, edge)
    body = {"op": "assign_blocks", "blocks": [i for i, _ in chosen], "to": right.code}
    times["assign_blocks ids"].append(timed(client, path, body))
    back = {"op": "assign_blocks", "blocks": [p for _, p in chosen], "to": middle.code}
    times["assign back points"].append(timed(client, path, back))


def reshape_and_back(
    client: TestClient, plan: int, middle: Any, strip: shapely.Geometry, times: dict
) -> None:
    """Reshape the middle grid over a strip of its neighbour, then back to its own outline."""
    path = f"/plans/{plan}/operations"
    grown = shapely.geometry.mapping(shapely.union(middle.geometry, strip))
    body = {"op": "reshape", "grid": middle.code, "geometry": grown}
    times["reshape"].append(timed(client, path, body))
    own = {
        "op": "reshape",
        "grid": middle.code,
        "geometry": shapely.geometry.mapping(middle.geometry),
    }
    times["reshape back"].append(timed(client, path, own))


def shown(name: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    verdict = "met" if statistics.median(times) <= TARGET_MS else "NOT met"
    return (
        f"  {name:<20} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms"
        f"   (target ≤ {TARGET_MS:.0f} ms: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    settings = bench_settings()
    prepare(settings, echo=lambda *_: None)
    url = database_url(settings)
    token, grids = load(url)
    middle = grids.iloc[14]
    west, south, east, north = middle.geometry.bounds
    mid_lon = (west + east) / 2
    cut = {
        "type": "LineString",
        "coordinates": [[mid_lon, south - 0.001], [mid_lon, north + 0.001]],
    }
    right = grids.iloc[15]
    strip = shapely.box(east - (east - west) / 4, south - 0.001, east + 0.0001, north + 0.001)
    piece = shapely.geometry.mapping(strip)
    names = ["split", "merge", "move", "move back", "blocks (GET)", "assign_blocks ids",
             "assign back points", "reshape", "reshape back"]  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in names}
    # a strip of the east neighbour along the middle grid: its west quarter
    r_west, _, r_east, _ = right.geometry.bounds
    band = shapely.box(r_west - 0.001, south - 0.001, r_west + (r_east - r_west) / 4, north + 0.001)
    taken = shapely.intersection(right.geometry, band)
    app = create_app(StoreSettings(database_url=url))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        made = client.post(f"/plans?scope={COMMUNITY}")
        assert made.status_code == 201, made.text
        plan = int(made.json()["id"])
        path = f"/plans/{plan}/operations"
        for _ in range(args.repeat):
            start = time.perf_counter()
            split = client.post(path, json={"op": "split", "grid": middle.code, "line": cut})
            times["split"].append((time.perf_counter() - start) * 1000)
            assert split.status_code == 200, split.text
            new = split.json()["new_grid"]
            times["merge"].append(timed(client, path, {"op": "merge", "grids": [middle.code, new]}))
            times["move"].append(
                timed(
                    client,
                    path,
                    {"op": "move", "piece": piece, "source": middle.code, "to": right.code},
                )
            )
            times["move back"].append(
                timed(
                    client,
                    path,
                    {"op": "move", "piece": piece, "source": right.code, "to": middle.code},
                )
            )
            paint_and_back(client, plan, middle, right, times)
            reshape_and_back(client, plan, middle, taken, times)
    geoms = grids.geometry.to_numpy()
    parent = shapely.coverage_union_all(geoms)
    checks = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        check_areas(grids, level=Level.GRID, parent=parent)
        checks.append((time.perf_counter() - start) * 1000)
    vertices = shapely.get_num_coordinates(geoms).mean()
    print(f"a community of {len(grids)} grids, {vertices:.0f} vertices each; {args.repeat} rounds")
    print("POST /plans/{id}/operations (in-process app, a planner's token):")
    for name, values in times.items():
        print(shown(name, values))
    print(f"peer: check_areas alone on the 30 grids  median {statistics.median(checks):7.1f} ms")


if __name__ == "__main__":
    main()
