"""Benchmark reading a walking network from a large OSM file: wall time and peak memory.

The shared 学院路 extract (2 MB of XML) is tiled ``--big`` times (a square grid of copies, each
shifted by the extract's extent, with ids prefixed by the tile number) into one PBF of a few
hundred MB — the size of a city extract from Geofabrik or BBBike. Each load runs in a child
process; its peak RSS comes from ``os.wait4`` (the child's own ``ru_maxrss``). Linux keeps a
process's RSS high-water mark across ``exec``, so the parent imports only the standard library
(and writes the files in children too): otherwise every child would report the parent's size.

1. the import of ``gis.network`` alone (numpy, scipy, shapely, pyproj, osmium): the floor;
2. ``network_from_osm`` (pyosmium) on the big PBF;
3. on ``--peer`` tiles, small enough for the peer: the old hand-written reader (a copy below:
   ``xml.etree.iterparse`` and a Python dict of every node) on the XML form, next to
   ``network_from_osm`` on the same XML and on its PBF — all three must give the same network.

Files go to ``--dir`` (default ``/tmp/gridmap-osm-bench``, not in git) and are reused when
present. With the defaults the run takes about five minutes on 2 CPUs.

    .venv/bin/python bench/osm_memory.py [--big 3600 --peer 250 --dir /tmp/gridmap-osm-bench]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OSM = ROOT.parent / "shared" / "data" / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
MARK = "\x01"  # stands for the tile number in ids; OPL escapes control characters in tags
DIGITS = 11  # the extract's ids are below 10**11, so tile k's ids are k * 10**11 + id


# --- the data: tiles of the shared extract ---------------------------------------------------


def _templates() -> tuple[list[tuple[str, int, int]], str, str, tuple[int, int]]:
    """The extract as OPL: node lines (text without coordinates, x, y), ways, relations, size."""
    import osmium

    opl = Path(os.environ.get("TMPDIR", "/tmp")) / f"gridmap-bench-{os.getpid()}.opl"
    writer = osmium.WriteHandler(str(opl))
    osmium.apply(str(OSM), writer)
    writer.close()
    lines = opl.read_text(encoding="utf-8").splitlines()
    opl.unlink()
    nodes: list[tuple[str, int, int]] = []
    ways: list[str] = []
    relations: list[str] = []
    for line in lines:
        tokens = line.split(" ")
        tokens[0] = tokens[0][0] + MARK + f"{int(tokens[0][1:]):0{DIGITS}d}"
        if line[0] == "n":
            x, y = _fixed(tokens[-2][1:]), _fixed(tokens[-1][1:])
            nodes.append((" ".join(tokens[:-2]), x, y))
            continue
        tokens = [_marked(token) for token in tokens]
        (ways if line[0] == "w" else relations).append(" ".join(tokens))
    xs, ys = [x for _, x, _ in nodes], [y for _, _, y in nodes]
    extent = (max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)
    return nodes, "\n".join(ways) + "\n", "\n".join(relations) + "\n", extent


def _fixed(degrees: str) -> int:
    whole, _, fraction = degrees.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return int(whole) * 10**7 + sign * int(fraction.ljust(7, "0"))


def _marked(token: str) -> str:
    """Put the tile mark into the ids of a way's node list or a relation's member list."""
    if token[:1] not in ("N", "M") or len(token) == 1:
        return token
    refs = []
    for ref in token[1:].split(","):
        number, at, role = ref[1:].partition("@")
        refs.append(f"{ref[0]}{MARK}{int(number):0{DIGITS}d}{at}{role}")
    return token[0] + ",".join(refs)


def _degrees(fixed: int) -> str:
    sign = "-" if fixed < 0 else ""
    whole, fraction = divmod(abs(fixed), 10**7)
    return f"{sign}{whole}.{fraction:07d}"


def _tile_nodes(nodes: list[tuple[str, int, int]], tile: int, dx: int, dy: int) -> str:
    mark = str(tile)
    return "".join(
        f"{text.replace(MARK, mark)} x{_degrees(x + dx)} y{_degrees(y + dy)}\n"
        for text, x, y in nodes
    )


def write_tiles(path: Path, tiles: int) -> None:
    """Write ``tiles`` copies of the extract (all nodes, then all ways, then relations)."""
    import osmium

    nodes, ways, relations, extent = _templates()
    side = math.ceil(math.sqrt(tiles))
    offsets = [(k + 1, (k % side) * extent[0], (k // side) * extent[1]) for k in range(tiles)]
    partial = path.with_suffix(".part.pbf")
    writer = osmium.WriteHandler(str(partial))
    for tile, dx, dy in offsets:
        _apply_opl(_tile_nodes(nodes, tile, dx, dy), writer)
    for text in (ways, relations):
        for tile, _, _ in offsets:
            _apply_opl(text.replace(MARK, str(tile)), writer)
    writer.close()
    partial.rename(path)


def _apply_opl(text: str, writer: Any) -> None:
    import osmium

    osmium.apply(osmium.io.FileBuffer(text.encode("utf-8"), "opl"), writer)


def to_xml(pbf: Path, xml: Path) -> None:
    """Write the same data as OSM XML (libosmium's writer)."""
    import osmium

    writer = osmium.WriteHandler(str(xml))
    osmium.apply(str(pbf), writer)
    writer.close()


# --- the peer: the hand-written XML reader gridmap had before pyosmium --------------------------


def old_network_from_osm(path: Path) -> Any:
    """The old ``gis.network.osm.network_from_osm``: iterparse and a dict of every node."""
    import numpy as np

    from gis.network.graph import network_from_edges
    from gis.network.osm import is_walkable

    coords: dict[int, tuple[float, float]] = {}
    ways: list[list[int]] = []
    for _, element in ET.iterparse(path, events=("end",)):
        if element.tag == "node":
            coords[int(element.attrib["id"])] = (
                float(element.attrib["lon"]),
                float(element.attrib["lat"]),
            )
            element.clear()
        elif element.tag == "way":
            tags = {t.attrib["k"]: t.attrib["v"] for t in element.iter("tag")}
            if is_walkable(tags):
                ways.append([int(nd.attrib["ref"]) for nd in element.iter("nd")])
            element.clear()
    pairs = [(a, b) for way in ways for a, b in itertools.pairwise(way)]
    pairs = [(a, b) for a, b in pairs if a in coords and b in coords and a != b]
    ids = np.unique(np.array(pairs, dtype=np.int64))
    lonlat = np.array([coords[int(i)] for i in ids], dtype=float)
    edges = np.searchsorted(ids, np.array(pairs, dtype=np.int64))
    return network_from_edges(lonlat, edges[:, 0], edges[:, 1], node_ids=ids, version="old")


# --- measuring in a child process ----------------------------------------------------------------


def child(reader: str, path: str) -> None:
    """Load ``path`` with ``reader`` (``new``, ``old`` or ``imports``) and print one JSON line."""
    import numpy as np

    from gis.network import network_from_osm

    start = time.perf_counter()
    if reader == "imports":
        print(json.dumps({"seconds": 0.0}))
        return
    network = network_from_osm(path) if reader == "new" else old_network_from_osm(Path(path))
    seconds = time.perf_counter() - start
    digest = hashlib.sha256()
    for array in (network.node_ids, network.lonlat, network.u, network.v):
        digest.update(np.ascontiguousarray(array).tobytes())
    found = {"nodes": network.node_count, "edges": network.edge_count}
    print(json.dumps({"seconds": seconds, **found, "digest": digest.hexdigest()[:12]}))


def measure(reader: str, path: Path | None) -> dict:
    """Run one load in a child process; its answer plus its peak RSS (MB) from ``wait4``."""
    return _run("--child", reader, str(path or ""))


def _run(*args: str) -> dict:
    """Run this script with ``args`` in a child; its last JSON line plus its peak RSS in MB."""
    command = [sys.executable, __file__, *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode})")
    return json.loads(output.strip().splitlines()[-1]) | {"peak_mb": usage.ru_maxrss / 1024}


def _row(label: str, path: Path | None, result: dict) -> str:
    size = f"{path.stat().st_size / 2**20:8.1f} MB" if path else " " * 11
    counts = f"{result.get('nodes', 0):>9,} nodes {result.get('edges', 0):>9,} edges"
    return (
        f"{label:<34} {size}  {result['seconds']:7.1f} s  peak RSS {result['peak_mb']:7.0f} MB"
        f"  {counts}  {result.get('digest', '')}"
    )


def write(tiles: int, pbf: Path, xml: bool) -> None:
    """Write the tiles to ``pbf`` (and the same data as XML) unless there; print one JSON line."""
    start = time.perf_counter()
    if not pbf.exists():
        write_tiles(pbf, tiles)
    if xml and not pbf.with_suffix("").exists():
        to_xml(pbf, pbf.with_suffix(""))
    print(json.dumps({"seconds": time.perf_counter() - start}))


def _ensure(folder: Path, tiles: int, xml: bool = False) -> tuple[Path, Path]:
    pbf = folder / f"tiles_{tiles}.osm.pbf"
    wrote = _run("--write", str(tiles), str(pbf), *(["--xml"] if xml else []))
    print(f"files of {tiles} tiles ready in {wrote['seconds']:.0f} s", flush=True)
    return pbf, pbf.with_suffix("")


def compare(folder: Path, big: int, peer: int) -> None:
    """Build the files if missing, then measure each load in its own child process."""
    folder.mkdir(parents=True, exist_ok=True)
    big_pbf, _ = _ensure(folder, big)
    peer_pbf, peer_xml = _ensure(folder, peer, xml=True)
    floor = measure("imports", None)
    label = "import gis.network (the floor)"
    print(f"{label:<58} peak RSS {floor['peak_mb']:7.0f} MB")
    runs = [
        (f"pyosmium, PBF, {big} tiles", "new", big_pbf),
        (f"pyosmium, PBF, {peer} tiles", "new", peer_pbf),
        (f"pyosmium, XML, {peer} tiles", "new", peer_xml),
        (f"old iterparse+dict, XML, {peer} tiles", "old", peer_xml),
    ]
    digests = []
    for label, reader, path in runs:
        result = measure(reader, path)
        digests.append(result["digest"])
        print(_row(label, path, result), flush=True)
    same = len(set(digests[1:])) == 1
    print(f"same network from the peer's PBF, XML and the old reader: {'yes' if same else 'NO'}")


def main() -> None:
    """Run the comparison, or (in a child) one load or the writing of the files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=3600, help="tiles in the big PBF")
    parser.add_argument("--peer", type=int, default=250, help="tiles for the old reader's run")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gridmap-osm-bench"))
    parser.add_argument("--child", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=2, metavar=("TILES", "PBF"), help=argparse.SUPPRESS)
    parser.add_argument("--xml", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
    elif args.write:
        write(int(args.write[0]), Path(args.write[1]), args.xml)
    else:
        compare(args.dir, args.big, args.peer)


if __name__ == "__main__":
    main()
