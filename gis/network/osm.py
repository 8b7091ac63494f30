"""Read a walking network from an OSM XML file, offline.

Why our own reader and not osmnx or pyrosm: osmnx is built around downloading from Overpass
and pulls in a large stack (its ``graph_from_xml`` works offline, but only returns a
networkx MultiDiGraph whose per-edge Python objects are slow to route on); pyrosm reads PBF,
not the XML exports that city staff get from JOSM or openstreetmap.org. A walking network
needs only node coordinates and the node lists of walkable ways, which ``xml.etree.iterparse``
streams in one pass with no dependency; the graph is then numpy arrays and a
``scipy.sparse`` matrix (see `gis.network.graph`), routed with ``scipy.sparse.csgraph``.
"""

from __future__ import annotations

import hashlib
import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from gis.errors import UnreadableFile
from gis.network.graph import WalkNetwork, network_from_edges

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


def _read(path: Path) -> tuple[dict[int, tuple[float, float]], list[list[int]]]:
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
    return coords, ways


def network_from_osm(path: Path | str, *, name: str | None = None) -> WalkNetwork:
    """The walking network of an OSM XML file: one edge per consecutive node pair of a way.

    Segments whose nodes are missing from the extract are dropped. The version is the
    SHA-256 of the file, so loading the same file twice gives the same version.

    Raises
    ------
    UnreadableFile
        If the file is missing, not OSM XML, or has no walkable way.
    """
    path = Path(path)
    try:
        coords, ways = _read(path)
    except (OSError, ET.ParseError, KeyError, ValueError) as exc:
        raise UnreadableFile(f"file: cannot read {path.name} as OSM XML: {exc}") from exc
    pairs = [(a, b) for way in ways for a, b in itertools.pairwise(way)]
    pairs = [(a, b) for a, b in pairs if a in coords and b in coords and a != b]
    if not pairs:
        raise UnreadableFile(f"file: {path.name} has no walkable highway ways")
    ids = np.unique(np.array(pairs, dtype=np.int64))
    lonlat = np.array([coords[int(i)] for i in ids], dtype=float)
    edges = np.searchsorted(ids, np.array(pairs, dtype=np.int64))
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return network_from_edges(
        lonlat, edges[:, 0], edges[:, 1], node_ids=ids, name=name or path.name, version=version
    )
