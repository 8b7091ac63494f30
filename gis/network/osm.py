"""Read a walking network from an OSM file — XML, PBF or compressed XML — offline.

The file is read by pyosmium (the Python bindings of libosmium), which reads every format
OSM data is distributed in: OSM XML as exported by JOSM or openstreetmap.org (``.osm``,
also ``.osm.bz2`` and ``.osm.gz``) and PBF (``.osm.pbf``: Geofabrik and BBBike extracts);
the format comes from the file name. One pass over the file keeps every node's location in
libosmium's ``flex_mem`` index (a sorted table of 16 bytes a node, or a dense array when the
ids are dense) instead of a Python dict, and a ``KeyFilter`` drops every object but highway
ways before Python sees it; Python then copies the node ids and locations of the walkable
ways only. Peak memory is therefore about 16 bytes per node in the file plus a few dozen
bytes per walkable way node (``bench/osm_memory.py`` measures it). The graph is numpy
arrays and a ``scipy.sparse`` matrix (see `gis.network.graph`), routed with
``scipy.sparse.csgraph``.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium

from gis.errors import UnreadableFile
from gis.network.graph import IntArray, WalkNetwork, network_from_edges

FORMATS = "OSM XML .osm, .osm.bz2, .osm.gz or PBF .osm.pbf"
LOCATION_INDEX = "flex_mem"
"""libosmium's node location index: sparse in memory for extracts, dense for a planet."""
COORDINATE_PRECISION = 10_000_000
"""OSM coordinates are fixed-point integers of 1e-7 degrees (as libosmium stores them)."""
_NO_COORDINATE = osmium.osm.Location().x  # a node the extract lacks has no location

# highway values people cannot walk on (motorways, trunk roads without a footway, plans).
NOT_WALKABLE = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "construction",
        "proposed",
        "abandoned",
        "raceway",
        "bus_guideway",
        "escape",
        "platform",
        "elevator",
    }
)
FOOT_YES = frozenset({"yes", "designated", "permissive", "destination"})
FOOT_NO = frozenset({"no", "private", "use_sidepath"})
WALK_KEYS = ("highway", "foot", "access")
"""The only tags `is_walkable` reads (copying a way's every tag would cost 30 µs a way)."""


def is_walkable(tags: dict[str, str]) -> bool:
    """Whether a way with these OSM tags can be walked.

    Examples
    --------
    >>> is_walkable({"highway": "footway"}), is_walkable({"highway": "motorway"})
    (True, False)
    >>> is_walkable({"highway": "service", "access": "private", "foot": "yes"})
    True
    >>> is_walkable({"highway": "primary", "foot": "no"}), is_walkable({"building": "yes"})
    (False, False)
    """
    highway = tags.get("highway")
    if highway is None:
        return False
    foot = tags.get("foot")
    if highway in NOT_WALKABLE or foot in FOOT_NO:
        return foot in FOOT_YES
    if foot in FOOT_YES:
        return True
    return tags.get("access") not in ("no", "private")


@contextmanager
def reading_osm(path: Path, field: str = "file") -> Iterator[None]:
    """Turn libosmium's errors while reading ``path`` into one `UnreadableFile` naming ``field``.

    libosmium raises ``RuntimeError`` for a missing file, an unknown suffix, broken XML, a
    truncated PBF block or bzip2 stream — possibly after many objects were read, so callers
    build their result only once the whole file has been read.

    Examples
    --------
    >>> with reading_osm(Path("x.osm")):
    ...     raise RuntimeError("PBF error: unexpected EOF")
    Traceback (most recent call last):
    ...
    gis.errors.UnreadableFile: file: cannot read x.osm (OSM XML .osm, ... .osm.pbf): PBF error: unexpected EOF
    """  # noqa: E501
    try:
        yield
    except (RuntimeError, OSError) as exc:
        raise UnreadableFile(f"{field}: cannot read {path.name} ({FORMATS}): {exc}") from exc


def _walkable_way_nodes(path: Path) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Node ids, fixed-point x and y, and whether each starts a way, over all walkable ways.

    A node the file lacks has x and y ``_NO_COORDINATE``.
    """
    refs, xs, ys, starts = array("q"), array("q"), array("q"), array("q")
    ways = (
        osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(LOCATION_INDEX)
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in ways:
        if not isinstance(way, osmium.osm.Way) or not is_walkable(_walk_tags(way.tags)):
            continue
        starts.append(len(refs))
        for node in way.nodes:
            location = node.location
            refs.append(node.ref)
            xs.append(location.x)
            ys.append(location.y)
    first = np.zeros(len(refs), dtype=bool)
    first[np.frombuffer(starts, dtype=np.int64)] = True
    ids, x, y = (np.frombuffer(a, dtype=np.int64) for a in (refs, xs, ys))
    return ids, x, y, first


def _walk_tags(tags: osmium.osm.TagList) -> dict[str, str]:
    return {key: value for key in WALK_KEYS if (value := tags.get(key)) is not None}


def network_from_osm(path: Path | str, *, name: str | None = None) -> WalkNetwork:
    """The walking network of an OSM file: one edge per consecutive node pair of a way.

    Reads OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``) and PBF (``.osm.pbf``); the same
    data gives the same network in every format. Segments whose nodes are missing from the
    extract are dropped. The version is the SHA-256 of the file, so loading the same file
    twice gives the same version.

    Raises
    ------
    UnreadableFile
        If the file is missing, truncated, in no OSM format, or has no walkable way.
    """
    path = Path(path)
    with reading_osm(path):
        refs, xs, ys, first = _walkable_way_nodes(path)
        version = _sha256(path)[:16]
    located = xs != _NO_COORDINATE
    keep = ~first[1:] & located[:-1] & located[1:] & (refs[:-1] != refs[1:])
    ends = np.flatnonzero(keep)
    at = np.column_stack([ends, ends + 1])  # positions of each edge's two nodes
    if not len(at):
        raise UnreadableFile(f"file: {path.name} has no walkable highway ways")
    ids, first_at, edges = np.unique(refs[at], return_index=True, return_inverse=True)
    where = at.ravel()[first_at]
    lonlat = np.column_stack([xs[where], ys[where]]) / COORDINATE_PRECISION
    edges = edges.reshape(at.shape)
    return network_from_edges(
        lonlat, edges[:, 0], edges[:, 1], node_ids=ids, name=name or path.name, version=version
    )


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
