"""``python -m gis.sample``: rebuild the committed sample boundaries (fallback for the CLI)."""

from __future__ import annotations

import argparse
from pathlib import Path

from gis.sample import build_sample, write_sample

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the input and output paths; defaults are ``../shared/data`` and ``data/boundaries``."""
    parser = argparse.ArgumentParser(prog="python -m gis.sample", description=__doc__)
    parser.add_argument(
        "--osm", type=Path, default=SHARED_DATA / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
    )
    parser.add_argument(
        "--roads", type=Path, default=SHARED_DATA / "osm" / "osm_roads_beijing_haidian_cau.geojson"
    )
    parser.add_argument(
        "--communities",
        type=Path,
        default=SHARED_DATA / "admin_divisions" / "nbs2023_haidian_110108_communities.csv",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "boundaries")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the sample and write its four GeoJSON files."""
    args = parse_args(argv)
    sample = build_sample(args.osm, args.roads, args.communities)
    for path in write_sample(sample, args.out):
        print(path)


if __name__ == "__main__":
    main()
