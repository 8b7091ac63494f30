"""Duplicate linking of an import batch as the incidents table grows: hash join against lateral.

Fills ``gridmap_bench`` (emptied first) with ``--rows`` random located open incidents spread over
a year (as ``bench/incidents_import.py`` writes them), then times the statement that links one
batch of ``--batch`` new incidents to earlier ones nearby, for the shipped statement
(`gis.db.incidents.LINK_BATCH`, an index range per new incident) and its peer, the previous hash
join on (category, grid) over every earlier open incident of the batch's grids and categories.
Each run is rolled back; runs alternate; medians are printed.

Run: ``.venv/bin/python bench/link_duplicates.py [--rows 100000] [--batch 5000] [--runs 5]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sqlalchemy import text

from bench.incidents_import import bench_settings
from gis.db import incidents as incident_sql
from gis.db.engine import make_engine
from gis.db.store import database_url, prepare
from gis.incidents.catalogue import Catalogue
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample

HASH_JOIN = text(
    "WITH rules AS (SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:radii AS float8[]), "
    "CAST(:windows AS float8[])) AS r(category, radius_m, window_hours)), "
    "new AS MATERIALIZED (SELECT i.id, i.category, i.grid_code, i.reported_at, i.geom, "
    "r.radius_m, i.reported_at - make_interval(secs => r.window_hours * 3600) AS since "
    "FROM incidents i JOIN rules r ON r.category = i.category "
    "WHERE i.id = ANY(CAST(:ids AS int8[])) AND i.grid_code IS NOT NULL), "
    "earlier AS MATERIALIZED (SELECT o.id, o.category, o.grid_code, o.reported_at, o.geom "
    f"FROM incidents o WHERE o.status IN {incident_sql.OPEN_FOR_DUPLICATES} "
    "AND o.grid_code = ANY(ARRAY(SELECT DISTINCT grid_code FROM new)) "
    "AND o.category = ANY(ARRAY(SELECT DISTINCT category FROM new)) "
    "AND o.reported_at >= (SELECT min(since) FROM new) "
    "AND o.reported_at <= (SELECT max(reported_at) FROM new)), "
    "pairs AS (SELECT n.id AS incident_id, o.id AS other_id, "
    "ST_Distance(n.geom::geography, o.geom::geography) AS distance_m "
    "FROM new n JOIN earlier o ON o.category = n.category AND o.grid_code = n.grid_code "
    "WHERE (o.reported_at, o.id) < (n.reported_at, n.id) AND o.reported_at >= n.since "
    "AND ST_DWithin(n.geom, o.geom, n.radius_m / (111320 * cos(radians(ST_Y(n.geom))))) "
    "AND ST_DWithin(n.geom::geography, o.geom::geography, n.radius_m)), "
    "linked AS (INSERT INTO incident_links (incident_id, other_id, kind, distance_m) "
    "SELECT incident_id, other_id, 'possible_duplicate', distance_m FROM pairs "
    "ON CONFLICT DO NOTHING RETURNING incident_id) "
    "UPDATE incidents SET possible_duplicate = true "
    "WHERE id IN (SELECT incident_id FROM linked) RETURNING id"
)


FILL = text(
    "INSERT INTO incidents (category, geom, grid_code, status, source, reported_at, "
    "updated_at, due_at, location_method) "
    "SELECT p.category, p.geom, a.code, 'reported', 'app', p.at, p.at, p.at + interval '3 days', "
    "'point' FROM (SELECT (CAST(:codes AS text[]))[1 + floor(random() * :kinds)::int] AS category, "
    "ST_SetSRID(ST_MakePoint(w + random() * (e - w), s + random() * (n - s)), 4326) AS geom, "
    "now() - random() * interval '365 days' AS at "
    "FROM (SELECT ST_XMin(b) w, ST_XMax(b) e, ST_YMin(b) s, ST_YMax(b) n FROM "
    "(SELECT ST_Extent(geom)::geometry b FROM areas WHERE level = 'grid' AND valid_to IS NULL) x) "
    "box, generate_series(1, :rows)) p "
    "JOIN areas a ON a.level = 'grid' AND a.valid_to IS NULL AND ST_Contains(a.geom, p.geom) "
    "ORDER BY p.at"
)
"""Random located open incidents over the sample's grids over the past year, in time order."""


def fill(rows: int, codes: list[str], *, analyze: bool = True) -> list[int]:
    """Empty the bench store, load the sample and about ``rows`` incidents; their ids."""
    settings = bench_settings()
    prepare(settings, echo=lambda _: None)
    with running(settings) as rt:
        with rt.write() as conn:
            conn.execute(
                text(
                    "TRUNCATE areas, plans, plan_areas, incidents, incident_events, "
                    "incident_links, idempotency_keys, addresses RESTART IDENTITY CASCADE"
                )
            )
        load_sample(rt)
        with rt.write() as conn:
            conn.execute(FILL, {"codes": codes, "kinds": len(codes), "rows": rows})
            if analyze:
                conn.execute(text("ANALYZE incidents"))
        with rt.read() as conn:
            found = conn.execute(text("SELECT id FROM incidents ORDER BY id")).scalars().all()
    return [int(i) for i in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--no-analyze", action="store_true", help="measure before the statistics are updated"
    )
    args = parser.parse_args()
    rules = {c.code: (c.duplicate_radius_m, c.duplicate_window_hours) for c in Catalogue.load()}
    ids = fill(args.rows, list(rules), analyze=not args.no_analyze)
    batch = sorted(random.Random(1).sample(ids, args.batch))  # reports of any time, as a file
    params = {
        "ids": batch,
        "codes": list(rules),
        "radii": [r for r, _ in rules.values()],
        "windows": [w for _, w in rules.values()],
    }
    engine = make_engine(database_url(bench_settings()))
    times: dict[str, list[float]] = {"lateral (shipped)": [], "hash join (peer)": []}
    counts: dict[str, int] = {}
    for _ in range(args.runs):
        for name, statement in (
            ("lateral (shipped)", incident_sql.LINK_BATCH),
            ("hash join (peer)", HASH_JOIN),
        ):
            with engine.connect() as conn:
                trans = conn.begin()
                started = time.perf_counter()
                counts[name] = len(conn.execute(statement, params).all())
                times[name].append(time.perf_counter() - started)
                trans.rollback()
    engine.dispose()
    print(f"{len(ids):,} incidents in the table, a batch of {len(batch):,} linked")
    for name, measured in times.items():
        print(
            f"  {name:<18} median {statistics.median(measured) * 1000:8.0f} ms"
            f"  ({counts[name]:,} flagged)"
        )
    shipped, peer = (statistics.median(t) for t in times.values())
    print(f"  ratio peer / shipped: {peer / shipped:.1f}x")


if __name__ == "__main__":
    main()
