"""Benchmark the coverage checks against bare ``shapely.coverage_invalid_edges``.

Builds a synthetic valid coverage of ``rows × cols`` grids around 116.35°E 40.0°N, each about
100 m across with ~100 vertices (every shared edge is one wavy polyline used by both
neighbours, so the coverage is valid), and prints the median time of `check_areas` (parent =
the union) next to the median time of ``shapely.coverage_invalid_edges`` on the same data.

    .venv/bin/python bench/checks.py [--rows 100 --cols 100 --per-edge 24 --repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely

from gis.areas import Level
from gis.checks import check_areas

LON0, LAT0 = 116.30, 39.95
STEP_LON, STEP_LAT = 100 / 85_390, 100 / 111_030  # ~100 m


def _edges(start: np.ndarray, end: np.ndarray, per_edge: int, rng: np.random.Generator):
    """Wavy polylines between node pairs (interior vertices only), shape (..., per_edge, 2)."""
    t = np.linspace(0, 1, per_edge + 2)[1:-1]
    along = start[..., None, :] + (end - start)[..., None, :] * t[:, None]
    direction = end - start
    normal = np.stack([-direction[..., 1], direction[..., 0]], axis=-1)
    amp = rng.uniform(-0.08, 0.08, size=(*start.shape[:-1], 2))
    wave = amp[..., :1] * np.sin(np.pi * t) + amp[..., 1:] * np.sin(2 * np.pi * t)
    return along + wave[..., None] * normal[..., None, :]


def synthetic_coverage(rows: int, cols: int, per_edge: int, seed: int = 0) -> gpd.GeoDataFrame:
    """A valid coverage of rows × cols wavy cells (4 × per_edge + 5 vertices each)."""
    rng = np.random.default_rng(seed)
    jj, ii = np.meshgrid(np.arange(cols + 1), np.arange(rows + 1))
    nodes = np.stack([jj, -ii], axis=-1).astype(float)
    nodes[1:-1, 1:-1] += rng.uniform(-0.15, 0.15, size=(rows - 1, cols - 1, 2))
    horizontal = _edges(nodes[:, :-1], nodes[:, 1:], per_edge, rng)  # (rows+1, cols, k, 2)
    vertical = _edges(nodes[:-1, :], nodes[1:, :], per_edge, rng)  # (rows, cols+1, k, 2)
    ring = np.concatenate(
        [
            nodes[:-1, :-1, None],
            horizontal[:-1],
            nodes[:-1, 1:, None],
            vertical[:, 1:],
            nodes[1:, 1:, None],
            horizontal[1:, :, ::-1],
            nodes[1:, :-1, None],
            vertical[:, :-1, ::-1],
            nodes[:-1, :-1, None],
        ],
        axis=2,
    ).reshape(rows * cols, -1, 2)
    lonlat = np.stack([LON0 + ring[..., 0] * STEP_LON, LAT0 + ring[..., 1] * STEP_LAT], -1)
    polygons = shapely.polygons(lonlat)
    codes = [f"110108010{i // 1000:03d}{i % 1000:03d}" for i in range(rows * cols)]
    households = rng.integers(300, 501, size=rows * cols)
    return gpd.GeoDataFrame(
        {"code": codes, "name": codes, "households": households}, geometry=polygons, crs=4326
    )


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--per-edge", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    areas = synthetic_coverage(args.rows, args.cols, args.per_edge)
    geoms = areas.geometry.to_numpy()
    vertices = shapely.get_num_coordinates(geoms)
    parent = shapely.coverage_union_all(geoms)
    assert shapely.coverage_is_valid(geoms), "synthetic coverage must be valid"
    findings = check_areas(areas, level=Level.GRID, parent=parent)
    bare = median_seconds(lambda: shapely.coverage_invalid_edges(geoms), args.repeat)
    ours = median_seconds(lambda: check_areas(areas, parent=parent), args.repeat)
    print(f"areas: {len(areas):,}  vertices/area: {vertices.mean():.0f}  findings: {len(findings)}")
    print(f"shapely.coverage_invalid_edges  median {bare * 1000:8.1f} ms")
    print(f"gis.checks.check_areas          median {ours * 1000:8.1f} ms")
    print(f"ratio check_areas / bare: {ours / bare:.2f}x  (target <= 3x, repeat={args.repeat})")


if __name__ == "__main__":
    main()
