"""``gridmap assign`` on 10,000,000 points: the in-process engine against ``--engine dask``.

Issue 16: writes ``--points`` random points over the 学院路 sample grids (and around them) as
a directory of Parquet parts under /tmp (not in git), loads the sample into the store (the
demo database, ``gridmap demo --no-serve``) unless ``--no-demo``, then runs, ``--repeat``
times each, in the same run:

1. ``gridmap assign PARTS --out local.parquet`` (one process, a batch at a time);
2. ``gridmap assign PARTS --out dask/ --engine dask`` (a LocalCluster, a worker per CPU; or
   ``--scheduler tcp://host:8786`` for a running cluster whose workers see /tmp's files).

Each run's time is the whole command (start-up, the cluster's too, reading, answering,
writing). It prints the median points/s of both and their ratio, and checks that both wrote
the same answers.

    .venv/bin/python bench/assign_dask.py [--points 10000000] [--parts 20] [--repeat 1]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
GRIDMAP = ROOT / ".venv" / "bin" / "gridmap"
GRIDS = ROOT / "data" / "boundaries" / "xueyuanlu_grids.geojson"


def write_points(folder: Path, count: int, parts: int) -> None:
    """``count`` points in (and a little around) the grids' bounds, in ``parts`` Parquet files."""
    west, south, east, north = gpd.read_file(GRIDS).total_bounds
    margin = 0.002
    rng = np.random.default_rng(16)
    folder.mkdir(parents=True, exist_ok=True)
    for number, size in enumerate(np.diff(np.linspace(0, count, parts + 1).astype(int))):
        start = number * (count // parts)
        frame = pd.DataFrame(
            {
                "id": np.arange(start, start + size, dtype=np.int64),
                "lon": np.round(rng.uniform(west - margin, east + margin, size), 6),
                "lat": np.round(rng.uniform(south - margin, north + margin, size), 6),
            }
        )
        frame.to_parquet(folder / f"part.{number:03d}.parquet", index=False)


def run(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([str(GRIDMAP), "assign", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr or done.stdout)
    print("  ", done.stdout.strip(), f"({seconds:.1f} s)")
    return seconds


def answers(path: Path, columns: list[str]) -> pd.DataFrame:
    found = pq.read_table(path, columns=columns).to_pandas()
    return found.sort_values("id", ignore_index=True).astype(object)  # either flavour of str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--no-demo", action="store_true", help="the store has boundaries already")
    options = parser.parse_args()
    if not options.no_demo:
        subprocess.run([str(GRIDMAP), "demo", "--no-serve"], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="gridmap-assign-") as tmp:
        folder = Path(tmp) / "points"
        start = time.perf_counter()
        write_points(folder, options.points, options.parts)
        seconds = time.perf_counter() - start
        print(f"{options.points:,} points in {options.parts} parts: {seconds:.1f} s")
        local, dask = Path(tmp) / "local.parquet", Path(tmp) / "dask"
        cluster = ["--scheduler", options.scheduler] if options.scheduler else []
        times: dict[str, list[float]] = {"in-process": [], "dask": []}
        for _ in range(options.repeat):
            times["in-process"].append(run([str(folder), "--out", str(local)]))
            on_dask = [str(folder), "--out", str(dask), "--engine", "dask", *cluster]
            times["dask"].append(run(on_dask))
        rates = {name: options.points / statistics.median(found) for name, found in times.items()}
        for name, rate in rates.items():
            print(f"{name:<11} {rate:>12,.0f} points/s (median of {options.repeat})")
        print(f"dask / in-process: {rates['dask'] / rates['in-process']:.2f}")
        columns = ["id", "grid_code", "on_boundary", "nearest_grid_code", "error"]
        print(f"same answers: {answers(local, columns).equals(answers(dask, columns))}")


if __name__ == "__main__":
    main()
