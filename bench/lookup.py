"""Point-in-grid lookup speed: `GridIndex` against geopandas.sjoin and a PostGIS GiST join.

For four synthetic coverages — 198 and 10,000 wavy ~100 m grids (~100 vertices each), 10,000
dense Voronoi cells ~70 m across (~7 vertices) and 200,000 wavy grids (~50 vertices) — and
1,000,000 random points (~5% outside), prints in one run: the index build time and peak memory
(in a child process that builds the coverage and the index), the median throughput of
`GridIndex.locate`, of ``geopandas.sjoin(predicate="intersects")`` in the same run (on 200,000
grids measured on 200,000 of the points and scaled, said so in the output), their ratio, whether
the answers agree, the median of a single in-process lookup, and a PostGIS ``ST_Intersects``
join (GiST index, points already loaded; not on 200,000 grids).

    .venv/bin/python bench/lookup.py [--points 1000000] [--repeat 5] [--no-postgis]

The PostGIS peer uses the local cluster (``gridmap db up``) or DATABASE_URL, in a scratch
database ``gridmap_bench``.
"""

from __future__ import annotations

import argparse
import io
import resource
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from timing import median_seconds

from gis.lookup import GridIndex
from gis.synthetic import synthetic_coverage, voronoi_coverage

# name -> (coverage, target ratio, points sjoin is timed on, PostGIS peer)
COVERAGES: dict[str, tuple[Callable[[], gpd.GeoDataFrame], float, int | None, bool]] = {
    "198 grids": (lambda: synthetic_coverage(11, 18, per_edge=24), 20, None, True),
    "10,000 grids": (lambda: synthetic_coverage(100, 100, per_edge=24), 20, None, True),
    "10,000 dense ~70 m cells": (lambda: voronoi_coverage(10_000, spacing_m=70), 20, None, True),
    "200,000 grids": (lambda: synthetic_coverage(400, 500, per_edge=11), 10, 200_000, False),
}


def random_points(grids: gpd.GeoDataFrame, count: int, outside: float, seed: int = 1):
    """Uniform points in the coverage's bounds plus a share in a frame around it."""
    rng = np.random.default_rng(seed)
    west, south, east, north = grids.total_bounds
    n_out = int(count * outside)
    x = rng.uniform(west, east, count - n_out)
    y = rng.uniform(south, north, count - n_out)
    width, height = east - west, north - south
    side = rng.integers(0, 4, n_out)
    ox = np.where(
        side < 2,
        rng.uniform(west - 0.1 * width, east + 0.1 * width, n_out),
        np.where(
            side == 2,
            west - rng.uniform(0, 0.1, n_out) * width - 1e-9,
            east + rng.uniform(0, 0.1, n_out) * width + 1e-9,
        ),
    )
    oy = np.where(
        side == 0,
        south - rng.uniform(0, 0.1, n_out) * height - 1e-9,
        np.where(
            side == 1,
            north + rng.uniform(0, 0.1, n_out) * height + 1e-9,
            rng.uniform(south, north, n_out),
        ),
    )
    return np.concatenate([x, ox]), np.concatenate([y, oy])


def measure_build(name: str) -> tuple[float, float, float]:
    """In a fresh process: build seconds, peak RSS (MB) and that peak less the RSS before.

    The difference bounds the memory the build itself needs over the coverage's.
    """
    grids = COVERAGES[name][0]()
    status = Path("/proc/self/status").read_text()
    before = int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1])
    start = time.perf_counter()
    GridIndex(grids)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return seconds, peak / 1024, (peak - before) / 1024


def build_in_child(name: str) -> tuple[float, float, float]:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure_build, name).result()


def sjoin_first(points: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> np.ndarray:
    joined = gpd.sjoin(points, grids[["code", "geometry"]], predicate="intersects")
    first = joined.sort_values("code").groupby(level=0)["code"].first()
    answer = np.full(len(points), "", dtype=object)
    answer[first.index.to_numpy()] = first.to_numpy()
    return answer


def postgis_join_seconds(grids: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> float:
    from sqlalchemy import text

    from gis.db import engine as db_engine
    from gis.db import store
    from gis.settings import StoreSettings

    settings = StoreSettings(database_name="gridmap_bench")
    url = store.prepare(settings, echo=lambda _: None)
    sql = db_engine.make_engine(url)
    with sql.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_grids, bench_points"))
        conn.execute(
            text("CREATE TABLE bench_grids (code text, geom geometry(MultiPolygon, 4326))")
        )
        conn.execute(text("CREATE TABLE bench_points (id int, geom geometry(Point, 4326))"))
        rows = [
            {
                "c": c,
                "w": shapely.to_wkb(shapely.multipolygons([g]) if g.geom_type == "Polygon" else g),
            }
            for c, g in zip(grids["code"], grids.geometry, strict=True)
        ]
        conn.execute(text("INSERT INTO bench_grids VALUES (:c, ST_GeomFromWKB(:w, 4326))"), rows)
        raw = conn.connection.dbapi_connection
        pairs = enumerate(zip(x.tolist(), y.tolist(), strict=True))
        buffer = io.StringIO("".join(f"{i}\t{a!r}\t{b!r}\n" for i, (a, b) in pairs))
        with raw.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE xy (id int, x float8, y float8)")
            with cursor.copy("COPY xy FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            cursor.execute(
                "INSERT INTO bench_points SELECT id, ST_SetSRID(ST_MakePoint(x, y), 4326) FROM xy"
            )
        conn.execute(text("CREATE INDEX ON bench_grids USING gist (geom)"))
        conn.execute(text("ANALYZE bench_grids"))
        conn.execute(text("ANALYZE bench_points"))
    with sql.connect() as conn:
        start = time.perf_counter()
        conn.execute(
            text(
                "SELECT count(*) FROM (SELECT p.id, min(g.code) FROM bench_points p "
                "JOIN bench_grids g ON ST_Intersects(g.geom, p.geom) GROUP BY p.id) j"
            )
        ).scalar()
        seconds = time.perf_counter() - start
    sql.dispose()
    return seconds


def single_median_us(index: GridIndex, x: np.ndarray, y: np.ndarray, count: int = 20_000) -> float:
    index.locate_one(float(x[0]), float(y[0]))
    times = np.empty(count)
    for i in range(count):
        start = time.perf_counter_ns()
        index.locate_one(float(x[i]), float(y[i]))
        times[i] = time.perf_counter_ns() - start
    return float(np.median(times)) / 1000


def sjoin_timed(
    points: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, repeat: int
) -> tuple[float, np.ndarray]:
    """Median seconds of `sjoin_first` over ``repeat`` runs, and its answer."""
    times, answer = [], np.empty(0, dtype=object)
    for _ in range(repeat):
        start = time.perf_counter()
        answer = sjoin_first(points, grids)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), answer


def run(name: str, args: argparse.Namespace) -> tuple[str, float, float]:
    make, target, sjoin_points, with_postgis = COVERAGES[name]
    build_s, peak_mb, build_mb = build_in_child(name)
    grids = make()
    vertices = shapely.get_num_coordinates(grids.geometry.to_numpy()).mean()
    index = GridIndex(grids)
    x, y = random_points(grids, args.points, outside=0.05)
    index.locate(x[:100], y[:100])  # compile / load the kernels once
    ours = median_seconds(lambda: index.locate(x, y), args.repeat)
    found = index.locate(x, y)
    n = len(x)
    m = min(sjoin_points or n, n)
    sample = np.random.default_rng(2).choice(n, m, replace=False) if m < n else np.arange(n)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x[sample], y[sample]), crs=4326)
    repeat = 1 if m < n else max(1, args.repeat // 2)
    theirs, expected = sjoin_timed(points, grids, repeat)
    theirs *= n / m
    mismatches = int((expected != found.key[sample].astype(object)).sum())
    ratio = theirs / ours
    print(
        f"\n== {name}: {len(grids):,} grids, {vertices:.0f} vertices each; {n:,} points, "
        f"{(found.position < 0).mean():.1%} outside"
    )
    print(
        f"index build {build_s:.1f} s, +{build_mb:,.0f} MB peak RSS over the coverage's "
        f"(child process; {peak_mb:,.0f} MB in all; target <= 60 s, <= 2 GB); "
        f"raster {index.nbytes / 2**20:.1f} MB"
    )
    print(f"GridIndex.locate     median {ours * 1e3:8.1f} ms  {n / ours / 1e6:6.2f} M points/s")
    scaled = f" (timed on {m:,} points, scaled x{n / m:g})" if m < n else ""
    print(
        f"geopandas.sjoin      median {theirs * 1e3:8.1f} ms  {n / theirs / 1e6:6.2f} M points/s"
        f"  -> ours {ratio:.1f}x (target >= {target:g}x){scaled}"
    )
    if args.postgis and with_postgis:
        pg = postgis_join_seconds(grids, x, y)
        print(
            f"PostGIS GiST join           {pg * 1e3:8.1f} ms  {n / pg / 1e6:6.2f} M points/s"
            f"  -> ours {pg / ours:.1f}x"
        )
    print(f"answers differing from sjoin (lowest code per point, {m:,} points): {mismatches}")
    print(f"single point in process: median {single_median_us(index, x, y):.2f} us (target <= 10)")
    return name, ratio, target if mismatches == 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgis", dest="postgis", action="store_false")
    args = parser.parse_args()
    results = [run(name, args) for name in COVERAGES]
    print("\n== GridIndex.locate against geopandas.sjoin (same run)")
    for name, ratio, target in results:
        verdict = "differs" if target == float("inf") else ("ok" if ratio >= target else "below")
        print(f"{name:<28} {ratio:6.1f}x  {verdict}")


if __name__ == "__main__":
    main()
