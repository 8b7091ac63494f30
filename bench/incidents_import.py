"""Bulk incident import speed: ``gridmap incidents import`` against a per-row intake loop.

Loads the 学院路 sample into a scratch database ``gridmap_bench`` (its areas and incidents are
emptied first), writes ``--rows`` random reports in the sample's extent (a few outside every
grid, 0.1% malformed) to a CSV, and in one run prints:

- the import (``gridmap incidents import``, a subprocess, wall time from start to exit): rows/s;
- the re-run of the same import (every row already imported: nothing added);
- the peer: a plain loop of ``gis.usecases.incidents.report`` (one transaction per row, as the HTTP
  route does) over ``--peer-rows`` further rows, rows/s; and the ratio.

    .venv/bin/python bench/incidents_import.py [--rows 100000] [--peer-rows 2000]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import make_url, text

from gis.db import engine as db_engine
from gis.db import store
from gis.incidents.catalogue import Catalogue
from gis.incidents.keys import IdempotencyKey
from gis.incidents.report import parse_report
from gis.settings import StoreSettings
from gis.usecases import incidents
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]
WEST, SOUTH, EAST, NORTH = 116.3440, 39.9976, 116.3598, 40.0089  # the sample's grids
HEADER = ["id", "category", "description", "lon", "lat", "reported_at", "reporter_name",
          "reporter_phone", "severity"]  # fmt: skip


def bench_settings() -> StoreSettings:
    base = StoreSettings()
    if base.database_url:
        url = make_url(base.database_url).set(database="gridmap_bench")
        return StoreSettings(database_url=url.render_as_string(hide_password=False))
    return StoreSettings(database_name="gridmap_bench")


def random_rows(count: int, seed: int, first_id: int = 1) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    codes = [c.code for c in Catalogue.load()]
    now = datetime.now(UTC)
    lon = rng.uniform(WEST, EAST, count)
    lat = rng.uniform(SOUTH, NORTH, count)
    hours = rng.uniform(0, 24 * 365, count)
    category = rng.integers(0, len(codes), count)
    bad = rng.random(count) < 0.001
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": first_id + i,
                "category": "graffiti" if bad[i] else codes[category[i]],
                "description": f"bench report {first_id + i}",
                "lon": f"{lon[i]:.7f}",
                "lat": f"{lat[i]:.7f}",
                "reported_at": (now - timedelta(hours=float(hours[i]))).isoformat(),
                "reporter_name": "张三",
                "reporter_phone": f"138{rng.integers(0, 10**8):08d}",
                "severity": int(rng.integers(1, 6)),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, HEADER)
        writer.writeheader()
        writer.writerows(rows)


def run_import(url: str, path: Path) -> tuple[float, str]:
    env = {**os.environ, "GRIDMAP_DATABASE_URL": url}
    env.pop("DATABASE_URL", None)
    start = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "gridmap"), "incidents", "import", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, done.stdout.strip()


def peer(url: str, rows: list[dict[str, object]]) -> float:
    """Seconds for a per-row `incidents.report` loop over ``rows``."""
    with running(StoreSettings(database_url=url)) as rt:
        rt.lookup.get()  # the index built before the clock starts, as in a running service
        start = time.perf_counter()
        for row in rows:
            key = IdempotencyKey("native", "bench", f"peer:{row['id']}")
            report = parse_report({**row, "source": "import"}, rt.catalogue)
            incidents.report(rt, report, actor="bench", key=key)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--peer-rows", type=int, default=2_000)
    args = parser.parse_args()

    settings = bench_settings()
    url = store.prepare(settings, echo=lambda line: None)
    engine = db_engine.make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE areas, plans, plan_areas, incidents, incident_events, incident_links, "
                "idempotency_keys, addresses, plan_steps RESTART IDENTITY"
            )
        )
    with running(StoreSettings(database_url=url)) as rt:
        load_sample(rt)
    rows = random_rows(args.rows, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "incidents.csv"
        write_csv(path, rows)
        seconds, summary = run_import(url, path)
        again, summary_again = run_import(url, path)
    peer_rows = random_rows(args.peer_rows, seed=2, first_id=10_000_000)
    peer_rows = [r for r in peer_rows if r["category"] != "graffiti"]
    peer_seconds = peer(url, peer_rows)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
    engine.dispose()

    rate, peer_rate = args.rows / seconds, len(peer_rows) / peer_seconds
    print(
        f"python {sys.version.split()[0]}, {args.rows:,} rows, store {db_engine.display_url(url)}"
    )
    print(f"  import     {seconds:8.2f} s  {rate:10,.0f} rows/s   {summary}")
    print(f"  re-run     {again:8.2f} s  {args.rows / again:10,.0f} rows/s   {summary_again}")
    print(f"  peer loop  {peer_seconds:8.2f} s  {peer_rate:10,.0f} rows/s   "
          f"({len(peer_rows):,} rows, gis.usecases.incidents.report one by one)")  # fmt: skip
    print(f"  import / peer: {rate / peer_rate:.1f}x; incidents stored: {stored:,}")


if __name__ == "__main__":
    main()
