"""Issue 16 item 5: gridmap at the scale of a province — 200,000 grids, CLI and HTTP.

Builds a synthetic province (10 districts → 250 subdistricts → 5,000 communities → 200,000 wavy
~100 m grids of ~53 vertices, `gis.synthetic.synthetic_coverage` on a 200 × 1,000 lattice, every
parent the exact union of its children) and, in a scratch database ``gridmap_bench_province``
of the local cluster, times in one run:

- CLI: ``gridmap load`` of each level (``--commit``), ``gridmap check`` of the 200,000 grids,
  ``gridmap incidents import`` of ``--incidents`` reports, ``gridmap plan create`` and
  ``gridmap plan publish`` of one community's redraw;
- HTTP (``gridmap serve``): ``GET /lookup`` (median of 50), ``GET /stats`` per community,
  ``GET /areas.geojson`` of one district's grids, a vector tile at zoom 8 and 12, the grid map
  page of the whole province (tiles), and the same page opened in Chromium: time until its grids
  are drawn, tiles requested, requests to other origins (none allowed).

Printed beside each: the peer measured in the same run where one exists (the page of one
community, which embeds its GeoJSON). Run it on a quiet machine; it takes several minutes.

    .venv/bin/python bench/province.py [--incidents 50000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import create_engine, text

from gis.crs import STORAGE_CRS
from gis.lookup import GridIndex
from gis.synthetic import synthetic_coverage

ROWS, COLS, PER_EDGE = 200, 1000, 12  # 200,000 grids of 4 × 12 + 5 = 53 vertices
COMMUNITY = (5, 8)  # grids per community: 5 rows × 8 columns = 40
SUBDISTRICT = (4, 5)  # communities per subdistrict: 20
DISTRICT = (5, 5)  # subdistricts per district: 25 → 10 districts
DATABASE = "gridmap_bench_province"
GRIDMAP = str(Path(sys.executable).parent / "gridmap")
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def province() -> dict[str, gpd.GeoDataFrame]:
    """The four levels of the synthetic province, codes nested as GB/T 2260 + 9 digits."""
    grids = synthetic_coverage(ROWS, COLS, PER_EDGE, seed=16)
    r, c = np.divmod(np.arange(ROWS * COLS), COLS)
    r1, c1 = r // COMMUNITY[0], c // COMMUNITY[1]  # community lattice 40 × 125
    r2, c2 = r1 // SUBDISTRICT[0], c1 // SUBDISTRICT[1]  # subdistrict lattice 10 × 25
    district = (r2 // DISTRICT[0]) * (COLS // 200) + c2 // DISTRICT[1]  # 0 … 9
    district_code = np.char.add("6201", np.char.zfill((district + 1).astype(str), 2))
    sub_seq = (r2 % DISTRICT[0]) * DISTRICT[1] + c2 % DISTRICT[1] + 1
    sub_code = np.char.add(district_code, np.char.zfill(sub_seq.astype(str), 3))
    com_seq = (r1 % SUBDISTRICT[0]) * SUBDISTRICT[1] + c1 % SUBDISTRICT[1] + 1
    com_code = np.char.add(sub_code, np.char.zfill(com_seq.astype(str), 3))
    grid_seq = (r % COMMUNITY[0]) * COMMUNITY[1] + c % COMMUNITY[1] + 1
    grid_code = np.char.add(com_code, np.char.zfill(grid_seq.astype(str), 3))
    grids = grids.assign(code=grid_code, name=np.char.add(grid_code, "网格"))
    levels = {"grid": grids}
    for level, codes in (
        ("community", com_code),
        ("subdistrict", sub_code),
        ("district", district_code),
    ):
        child = levels[next(reversed(levels))]
        keys = codes if level == "community" else None
        levels[level] = _parents(child, keys, level)
    return levels


def _parents(child: gpd.GeoDataFrame, codes: Any, level: str) -> gpd.GeoDataFrame:
    """The union of each group of ``child`` areas (by ``codes``, or by the code's prefix)."""
    digits = {"community": 12, "subdistrict": 9, "district": 6}[level]
    keys = np.asarray(codes) if codes is not None else child["code"].str[:digits].to_numpy()
    order = np.argsort(keys, kind="stable")
    keys, geoms = keys[order], child.geometry.to_numpy()[order]
    unique, starts = np.unique(keys, return_index=True)
    bounds = [*starts[1:], len(keys)]
    shapes = [
        shapely.coverage_union_all(geoms[start:end])
        for start, end in zip(starts, bounds, strict=True)
    ]
    households = (
        child["households"].to_numpy()[order] if "households" in child else np.zeros(len(keys))
    )
    sums = np.add.reduceat(households, starts)
    return gpd.GeoDataFrame(
        {"code": unique, "name": np.char.add(unique.astype(str), level), "households": sums},
        geometry=shapes,
        crs=STORAGE_CRS,
    )


def timed(label: str, args: list[str], env: dict[str, str], *, ok: tuple[int, ...] = (0,)) -> float:
    """Run ``gridmap args`` and print its wall time."""
    started = time.perf_counter()
    done = subprocess.run([GRIDMAP, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{label} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    print(f"  {label:<44} {seconds:8.1f} s", flush=True)
    return seconds


def _bench_token(env: dict[str, str], levels: dict[str, gpd.GeoDataFrame]) -> str:
    return token(env, [str(code) for code in levels["district"]["code"]])


def scratch_url(*, keep: bool = False) -> str:
    """A fresh scratch database on the local cluster (or DATABASE_URL's server); ``keep``: as is."""
    base = (
        os.environ.get("DATABASE_URL")
        or subprocess.run(
            [GRIDMAP, "db", "url"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    server = base.rsplit("/", 1)[0]
    if keep:
        return f"{server}/{DATABASE}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return f"{server}/{DATABASE}"


def incidents_csv(path: Path, grids: gpd.GeoDataFrame, count: int) -> None:
    """``count`` hazard reports at random points inside the province's grids."""
    rng = np.random.default_rng(7)
    west, south, east, north = grids.total_bounds
    x, y = rng.uniform(west, east, count), rng.uniform(south, north, count)
    inside = GridIndex(grids).locate(x, y).position >= 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "category", "description", "lon", "lat", "reported_at"])
        for i, (lon, lat) in enumerate(zip(x[inside], y[inside], strict=True)):
            day = 1 + i % 28
            writer.writerow(
                [f"p{i}", "hazard", "井盖松动", f"{lon:.7f}", f"{lat:.7f}", f"2026-10-{day:02d}"]
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None) -> tuple[float, bytes, int]:
    """Wall time, body and status of a GET (an error status is an answer too: a limit met)."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            body = response.read()
            return time.perf_counter() - started, body, response.status
    except urllib.error.HTTPError as error:
        return time.perf_counter() - started, error.read(), error.code


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [GRIDMAP, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            get(f"{base}/healthz")
            return process, base
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("gridmap serve did not start in 300 s")


def token(env: dict[str, str], districts: list[str]) -> str:
    """A planner's token on every district (maps, statistics, plans)."""
    scopes = [arg for code in districts for arg in ("--scope", code)]
    subprocess.run(  # on a kept database the user is there already: that is fine
        [
            GRIDMAP,
            "users",
            "add",
            "bench-planner",
            "--role",
            "planner",
            *scopes,
            "--password-stdin",
        ],
        env=env,
        input="Province-bench-2026!\n",
        capture_output=True,
        text=True,
        check=False,
    )
    made = subprocess.run(
        [GRIDMAP, "tokens", "create", "bench-planner", "--name", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().split()[-1]


def http_part(env: dict[str, str], levels: dict[str, gpd.GeoDataFrame], auth: str) -> None:
    process, base = serve(env)
    headers = {"Authorization": f"Bearer {auth}"}
    try:
        grids = levels["grid"]
        inside = shapely.point_on_surface(grids.geometry.to_numpy()[::4000])
        times = [get(f"{base}/lookup?lon={p.x:.7f}&lat={p.y:.7f}")[0] for p in inside]
        print(
            f"  {'GET /lookup (median of ' + str(len(times)) + ')':<44} "
            f"{statistics.median(times) * 1000:8.1f} ms"
        )
        for label, path in (
            ("GET /stats?level=community (5,000 rows)", "/stats?level=community"),
            ("GET /stats?level=grid (200,000 rows)", "/stats?level=grid"),
            (
                "GET /areas.geojson of one district's grids",
                "/areas.geojson?level=grid&scope=620101",
            ),
            (
                "OGC items: 100 grids at offset 100,000",
                "/ogc/collections/grids/items?limit=100&offset=100000",
            ),
            ("GET /stats?level=grid of one street", "/stats?level=grid&scope=620101001"),
        ):
            seconds, body, status = get(base + path, headers)
            said = (
                "" if status == 200 else f"  HTTP {status}: {body[:160].decode(errors='replace')}"
            )
            print(f"  {label:<44} {seconds:8.2f} s  {len(body) / 1e6:6.1f} MB{said}")
        for z, x, y in _tiles(grids):
            seconds, body, _ = get(
                f"{base}/ogc/collections/grids/tiles/WebMercatorQuad/{z}/{y}/{x}"
            )
            label = f"grid tile z={z}"
            print(f"  {label:<44} {seconds * 1000:8.1f} ms  {len(body) / 1e3:6.1f} kB")
            seconds, body, _ = get(
                f"{base}/maps/grids/facts/{z}/{y}/{x}.json?measure=closure_rate", headers
            )
            label = f"its grids' facts (closure rate) z={z}"
            print(f"  {label:<44} {seconds * 1000:8.1f} ms  {len(body) / 1e3:6.1f} kB")
        community = levels["community"]["code"].iloc[0]
        seconds, body, _ = get(f"{base}/maps/grids.html?scope={community}", headers)
        print(
            f"  {'grid map page, one community (GeoJSON)':<44} {seconds:8.2f} s  "
            f"{len(body) / 1e3:6.1f} kB   (peer)"
        )
        seconds, body, _ = get(f"{base}/maps/grids.html", headers)
        print(
            f"  {'grid map page, the province (tiles)':<44} {seconds:8.2f} s  "
            f"{len(body) / 1e3:6.1f} kB"
        )
        centre = shapely.point_on_surface(grids.geometry.iloc[len(grids) // 2])
        chromium(base, auth, (centre.x, centre.y), "incidents_per_100_households")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _tiles(grids: gpd.GeoDataFrame) -> list[tuple[int, int, int]]:
    """The tiles holding the province's centre at zoom 12 and 14 (WebMercatorQuad)."""
    west, south, east, north = grids.total_bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    tiles = []
    for z in (12, 14):
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
        tiles.append((z, x, y))
    return tiles


def chromium(base: str, auth: str, centre: tuple[float, float], measure: str) -> None:
    """Open the province's grid map in Chromium; time until drawn, then zoomed to grids."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 800},
            extra_http_headers={"Authorization": f"Bearer {auth}"},
        )
        page = context.new_page()
        asked: list[str] = []
        foreign: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: (asked if r.url.startswith(base) else foreign).append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        started = time.perf_counter()
        url = f"{base}/maps/grids.html?measure={measure}"
        response = page.goto(url, wait_until="networkidle", timeout=600_000)
        seconds = time.perf_counter() - started
        size = len(response.body()) if response is not None else 0
        drawn = page.locator(".leaflet-tile path").count()
        print(
            f"  {'Chromium: province map (' + measure + ')':<44} {seconds:8.2f} s  "
            f"{size / 1e3:.0f} kB page, {_count(asked, '/tiles/')} tiles, {drawn} paths"
        )
        asked.clear()
        started = time.perf_counter()
        name = page.evaluate(
            "Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)"
        )
        page.evaluate(f"window[{name!r}].setView([{centre[1]}, {centre[0]}], 15)")
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "[...document.querySelectorAll('.leaflet-tile path.leaflet-interactive')]"
            ".some(p => p.getAttribute('fill') !== '#9ecae1')",
            timeout=120_000,
        )
        seconds = time.perf_counter() - started
        grids = page.locator(".leaflet-tile path.leaflet-interactive").count()
        print(
            f"  {'Chromium: zoomed to z15, grids styled':<44} {seconds:8.2f} s  "
            f"{_count(asked, '/tiles/')} tiles, {_count(asked, '/facts/')} facts, {grids} grids"
            f"; {len(foreign)} other origins, {len(errors)} errors"
        )
        browser.close()


def _count(urls: list[str], part: str) -> int:
    return sum(1 for url in urls if part in url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--http-only", action="store_true", help="only the HTTP part, on a kept database"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    levels = province()
    counts = {level: f"{len(frame):,}" for level, frame in levels.items()}
    print(
        f"synthetic province: {counts['district']} districts, {counts['subdistrict']} "
        f"subdistricts, {counts['community']} communities, {counts['grid']} grids "
        f"({time.perf_counter() - started:.0f} s to build)"
    )
    url = scratch_url(keep=args.http_only)
    env = {**os.environ, "GRIDMAP_DATABASE_URL": url, "GRIDMAP_MAP_TILES_ABOVE": "5000"}
    if args.http_only:
        print("HTTP (gridmap serve):")
        http_part(env, levels, _bench_token(env, levels))
        return
    with tempfile.TemporaryDirectory(prefix="gridmap-province-") as folder:
        files = {}
        for level, frame in levels.items():
            files[level] = Path(folder) / f"{level}.gpkg"
            frame.to_file(files[level], driver="GPKG")
        print("CLI:")
        timed("gridmap db migrate", ["db", "migrate"], env)
        for level in ("district", "subdistrict", "community", "grid"):
            count = len(levels[level])
            timed(
                f"gridmap load {level} ({count:,})",
                ["load", str(files[level]), "--level", level, "--commit"],
                env,
            )
        timed(
            "gridmap check 200,000 grids",
            ["check", str(files["grid"]), "--level", "grid", "--format", "json"],
            env,
            ok=(0, 1),
        )
        reports = Path(folder) / "incidents.csv"
        incidents_csv(reports, levels["grid"], args.incidents)
        timed(
            f"gridmap incidents import (~{args.incidents:,})",
            ["incidents", "import", str(reports)],
            env,
        )
        community = str(levels["community"]["code"].iloc[2500])
        timed("gridmap plan create (one community)", ["plan", "create", "--scope", community], env)
        plan_id = _latest_plan(url)
        timed("gridmap plan publish (one community)", ["plan", "publish", str(plan_id)], env)
        print("HTTP (gridmap serve):")
        http_part(env, levels, _bench_token(env, levels))
    if not args.keep:
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    print(f"total {time.perf_counter() - started:.0f} s")


def _latest_plan(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT max(id) FROM plans")).scalar_one()
    engine.dispose()
    return int(found)


if __name__ == "__main__":
    main()
