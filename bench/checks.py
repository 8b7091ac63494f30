"""Benchmark the coverage checks against bare ``shapely.coverage_invalid_edges``.

Builds a synthetic valid coverage of ``rows × cols`` grids around 116.35°E 40.0°N, each about
100 m across with ~100 vertices (every shared edge is one wavy polyline used by both
neighbours, so the coverage is valid), and prints the median time of `check_areas` (parent =
the union) next to the median time of ``shapely.coverage_invalid_edges`` on the same data.

    .venv/bin/python bench/checks.py [--rows 100 --cols 100 --per-edge 24 --repeat 5]
"""

from __future__ import annotations

import argparse

import shapely
from timing import median_seconds

from gis.areas import Level
from gis.checks import check_areas
from gis.synthetic import synthetic_coverage


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
