"""Point-in-grid lookup speed: `GridIndex` against geopandas.sjoin and a PostGIS GiST join.

For a 198-grid and a 10,000-grid synthetic coverage (~100 vertices per grid) and 1,000,000
random points (~5% outside), prints in one run: the median throughput of `GridIndex.locate`,
of ``geopandas.sjoin(predicate="intersects")`` and of a PostGIS ``ST_Intersects`` join (GiST
index, points already loaded), their ratios, whether the answers agree, the index build time
and memory, and the median time of a single in-process lookup.

    .venv/bin/python bench/lookup.py [--points 1000000] [--repeat 5] [--no-postgis]

The PostGIS peer uses the local cluster (``gridmap db up``) or DATABASE_URL, in a scratch
database ``gridmap_bench``.
"""

from __future__ import annotations

import argparse
import gc
import io
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from timing import median_seconds

from gis.lookup import GridIndex
from gis.synthetic import synthetic_coverage


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def build(grids: gpd.GeoDataFrame) -> tuple[GridIndex, float, float, float]:
    gc.collect()
    before = rss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    index = GridIndex(grids)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return index, seconds, peak / 2**20, rss_mb() - before


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


def run(rows: int, cols: int, args: argparse.Namespace) -> None:
    grids = synthetic_coverage(rows, cols, per_edge=24)
    vertices = shapely.get_num_coordinates(grids.geometry.to_numpy()).mean()
    index, build_s, traced_mb, rss_delta = build(grids)
    x, y = random_points(grids, args.points, outside=0.05)
    index.locate(x[:100], y[:100])  # compile / load the kernels once
    ours = median_seconds(lambda: index.locate(x, y), args.repeat)
    found = index.locate(x, y)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    theirs = median_seconds(lambda: sjoin_first(points, grids), max(1, args.repeat // 2))
    expected = sjoin_first(points, grids)
    mismatches = int((expected != found.key.astype(object)).sum())
    n = len(x)
    print(
        f"\n== {len(grids):,} grids, {vertices:.0f} vertices each; {n:,} points, "
        f"{(found.position < 0).mean():.1%} outside"
    )
    print(
        f"index build {build_s:.2f} s; raster {index.nbytes / 2**20:.1f} MB, traced peak "
        f"{traced_mb:.1f} MB, RSS +{rss_delta:.1f} MB"
    )
    print(f"GridIndex.locate     median {ours * 1e3:8.1f} ms  {n / ours / 1e6:6.2f} M points/s")
    print(
        f"geopandas.sjoin      median {theirs * 1e3:8.1f} ms  {n / theirs / 1e6:6.2f} M points/s"
        f"  -> ours {theirs / ours:.1f}x (target >= 20x)"
    )
    if args.postgis:
        pg = postgis_join_seconds(grids, x, y)
        print(
            f"PostGIS GiST join           {pg * 1e3:8.1f} ms  {n / pg / 1e6:6.2f} M points/s"
            f"  -> ours {pg / ours:.1f}x"
        )
    print(f"answers differing from sjoin (lowest code per point): {mismatches}")
    print(f"single point in process: median {single_median_us(index, x, y):.2f} us (target <= 10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgis", dest="postgis", action="store_false")
    args = parser.parse_args()
    run(11, 18, args)  # 198 grids, as 嘉峪关 钢城街道
    run(100, 100, args)


if __name__ == "__main__":
    main()
