"""Walking networks: OSM extract → graph, snapping points to streets, walking isochrones.

`network_from_osm` reads an OSM extract (XML, PBF, .osm.bz2) offline; `network_from_edges`
builds the same `WalkNetwork` from plain arrays (hand-built test networks, synthetic grids).
`snap_points` puts points on their nearest walkable edge; `isochrones` cuts the reachable street
edges at the exact remaining distance and buffers them into polygons.
"""

from gis.network.graph import WalkNetwork, network_from_edges
from gis.network.isochrone import Isochrone, isochrones, walk_metres
from gis.network.osm import network_from_osm
from gis.network.snap import Snapped, Unsnappable, snap_points

__all__ = [
    "Isochrone",
    "Snapped",
    "Unsnappable",
    "WalkNetwork",
    "isochrones",
    "network_from_edges",
    "network_from_osm",
    "snap_points",
    "walk_metres",
]
