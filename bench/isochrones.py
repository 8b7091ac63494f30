"""Benchmark walking isochrones: the sample's stations, and a synthetic grid of >= 100,000 edges.

1. The 学院路 sample: every station of ``data/stations/xueyuanlu_stations.geojson`` on the OSM
   extract's walking network, tiers 5/10/15 min at 4.8 km/h (snap + route + cut + buffer).
2. A synthetic street grid (225 × 225 nodes, 100 m blocks: 100,800 edges), 100 random stations
   × 3 tiers: the full isochrones (routing once per station with ``scipy.sparse.csgraph.dijkstra``
   and a ``limit``, cutting edges, buffering 25 m, union), then routing only, next to a plain
   networkx ``single_source_dijkstra_path_length(cutoff=...)`` loop over the same stations.

    .venv/bin/python bench/isochrones.py [--side 225 --stations 100 --repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import networkx as nx
import numpy as np
from timing import median_seconds

from gis.network import isochrones, network_from_osm, snap_points, walk_metres
from gis.network.isochrone import node_distances
from gis.network.synthetic import street_grid

ROOT = Path(__file__).resolve().parents[1]
OSM = ROOT.parent / "shared" / "data" / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
STATIONS = ROOT / "data" / "stations" / "xueyuanlu_stations.geojson"
TIERS = [walk_metres(m) for m in (5, 10, 15)]


def sample(repeat: int) -> None:
    network = network_from_osm(OSM)
    features = json.loads(STATIONS.read_text(encoding="utf-8"))["features"]
    points = np.array([f["geometry"]["coordinates"][:2] for f in features])

    def run() -> object:
        return isochrones(network, snap_points(network, points), TIERS)

    seconds = median_seconds(run, repeat)
    print(
        f"sample: {len(points)} stations x {len(TIERS)} tiers on {network.edge_count} edges: "
        f"{seconds:.2f} s (median of {repeat}; target <= 2 s)"
    )


def synthetic(side: int, count: int, repeat: int) -> None:
    started = time.perf_counter()
    network = street_grid(side, side, 100.0)
    print(
        f"synthetic grid: {network.node_count} nodes, {network.edge_count} edges "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    rng = np.random.default_rng(6)
    nodes = rng.choice(network.node_count, size=count, replace=False)
    snapped = snap_points(network, network.lonlat[nodes])
    full = median_seconds(lambda: isochrones(network, snapped, TIERS), repeat)
    print(
        f"  gridmap isochrones, {count} stations x {len(TIERS)} tiers (polygons): {full:.2f} s "
        "(target <= 30 s)"
    )
    routing = median_seconds(lambda: node_distances(network, snapped, max(TIERS)), repeat)
    print(f"  gridmap routing only (csgraph.dijkstra, {count} sources, limit): {routing:.3f} s")
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(network.u.tolist(), network.v.tolist(), network.length_m.tolist(), strict=True)
    )

    def loop() -> object:
        return [
            nx.single_source_dijkstra_path_length(graph, int(n), cutoff=max(TIERS)) for n in nodes
        ]

    plain = median_seconds(loop, repeat)
    print(
        f"  networkx single_source_dijkstra_path_length loop (routing only): {plain:.3f} s "
        f"({plain / routing:.1f}x gridmap's routing)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=225)
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sample(args.repeat)
    synthetic(args.side, args.stations, args.repeat)


if __name__ == "__main__":
    main()
