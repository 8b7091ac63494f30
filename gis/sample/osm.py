"""Read the OpenStreetMap inputs of the sample: an OSM extract and a road GeoJSON.

The extract is read by pyosmium (see `gis.network.osm`): OSM XML, PBF or ``.osm.bz2``, node
locations in libosmium's index rather than a Python dict. Areas are assembled here rather
than by libosmium's area assembler on purpose: a closed way is repaired with
``shapely.make_valid`` (libosmium drops a self-touching ring), and a multipolygon whose
members leave the extract keeps the part inside (libosmium drops the whole relation — it
would lose one of the sample's three). The result is plain GeoDataFrames in EPSG:4326, so
everything downstream is pure geometry and can be tested offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.errors import UnreadableFile
from gis.network.osm import LOCATION_INDEX, reading_osm

WGS84 = STORAGE_CRS
AREA_KEYS = ("building", "landuse", "amenity", "office", "leisure", "name")
"""A closed way or multipolygon with one of these tags is read as an area."""
SKIPPED_POINT_KEYS = ("highway", "railway", "public_transport")
"""Named nodes with these tags (bus stops, stations) name a place nearby, not the place itself."""
AREA_COLUMNS = ["osm_id", "name", "building", "landuse", "levels", "geometry"]
POINT_COLUMNS = ["osm_id", "name", "geometry"]


@dataclass(frozen=True)
class OsmExtract:
    """The parts of an OSM XML extract the sample needs, all in EPSG:4326.

    Attributes
    ----------
    bounds : shapely.Polygon
        The ``<bounds>`` rectangle of the export: the area the extract is complete for.
    areas : geopandas.GeoDataFrame
        Closed ways and multipolygon relations: ``osm_id``, ``name``, ``building``,
        ``landuse``, ``levels`` (the raw ``building:levels`` tag) and a polygon geometry.
    points : geopandas.GeoDataFrame
        Named nodes (``osm_id``, ``name``), without transit stops.
    """

    bounds: shapely.Polygon
    areas: gpd.GeoDataFrame
    points: gpd.GeoDataFrame


def read_osm_xml(path: Path) -> OsmExtract:
    """Read an OSM extract into bounds, areas and named points.

    Parameters
    ----------
    path : Path
        An OSM XML 0.6 file as exported by the OSM API (its ``<bounds>`` is the extent), or the
        same data as PBF (a bbox in its header) or ``.osm.bz2``; the suffix names the format.

    Returns
    -------
    OsmExtract

    Raises
    ------
    UnreadableFile
        If the file is missing, truncated or in no OSM format (``osm: …``), or has no bounds.
    """
    with reading_osm(path, field="osm"):
        bounds = _bounds(path)
        relations = _multipolygons(path)
        scan = _scan(
            path, {ref for rel in relations for kind, ref, _ in rel.members if kind == "w"}
        )
    rows = [_relation_area(rel, scan.members) for rel in relations]
    areas = scan.areas + [row for row in rows if row is not None]
    return OsmExtract(
        bounds=bounds,
        areas=gpd.GeoDataFrame(pd.DataFrame(areas, columns=AREA_COLUMNS), crs=WGS84),
        points=gpd.GeoDataFrame(pd.DataFrame(scan.points, columns=POINT_COLUMNS), crs=WGS84),
    )


def read_roads(path: Path) -> gpd.GeoDataFrame:
    """Read highway LineStrings with at least a ``highway`` tag column, in EPSG:4326.

    Parameters
    ----------
    path : Path
        A GeoJSON file of OSM highway ways.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id``, ``highway``, ``name`` and LineString geometry, sorted by ``osm_id``.
    """
    try:
        roads = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several unrelated types
        raise UnreadableFile(f"{path}: cannot read roads ({error})") from error
    if "highway" not in roads.columns:
        raise UnreadableFile(f"{path}: no 'highway' column")
    roads = roads.to_crs(WGS84) if roads.crs is not None else roads.set_crs(WGS84)
    for column in ("osm_id", "name"):
        if column not in roads.columns:
            roads[column] = None
    roads = roads[roads.geom_type == "LineString"]
    return roads[["osm_id", "highway", "name", "geometry"]].sort_values("osm_id", kind="stable")


Coords = list[tuple[float, float]]


@dataclass(frozen=True)
class _Relation:
    """A multipolygon relation with area tags: its tags and ``(type, ref, role)`` members."""

    osm_id: int
    tags: dict[str, str]
    members: list[tuple[str, int, str]]


@dataclass
class _Scan:
    """What one pass over the nodes and ways keeps: area rows, member way coordinates, points."""

    member_ids: set[int]
    areas: list[list[object]] = field(default_factory=list)
    members: dict[int, Coords] = field(default_factory=dict)
    points: list[list[object]] = field(default_factory=list)


def _bounds(path: Path) -> shapely.Polygon:
    box = osmium.FileProcessor(path).header.box()
    if not box.valid():
        raise UnreadableFile(
            f"osm: {path.name} has no <bounds> (nor a PBF header bbox); "
            "the extract's extent is unknown"
        )
    corners = (box.bottom_left, box.top_right)
    return shapely.box(corners[0].lon, corners[0].lat, corners[1].lon, corners[1].lat)


def _multipolygons(path: Path) -> list[_Relation]:
    """First pass: the multipolygon relations that are areas, with their members."""
    relations = osmium.FileProcessor(path, osmium.osm.RELATION).with_filter(
        osmium.filter.TagFilter(("type", "multipolygon"))
    )
    found = []
    for relation in relations:
        tags = dict(relation.tags)
        if isinstance(relation, osmium.osm.Relation) and _is_area(tags):
            members = [(m.type, m.ref, m.role) for m in relation.members]
            found.append(_Relation(relation.id, tags, members))
    return found


def _scan(path: Path, member_ids: set[int]) -> _Scan:
    """Second pass: closed-way areas, the coordinates of member ways and the named nodes."""
    named = osmium.filter.KeyFilter("name")
    named.enable_for(osmium.osm.NODE)
    scan = _Scan(member_ids)
    objects = (
        osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(LOCATION_INDEX)
        .with_filter(named)
    )
    for obj in objects:
        if isinstance(obj, osmium.osm.Way):
            _add_way(scan, obj)
        elif isinstance(obj, osmium.osm.Node):
            _add_point(scan, obj)
    return scan


def _add_way(scan: _Scan, way: osmium.osm.Way) -> None:
    coords = _coords(way)
    if way.id in scan.member_ids and coords is not None and len(coords) >= 2:
        scan.members[way.id] = coords
    row = _way_area(way, coords)
    if row is not None:
        scan.areas.append(row)


def _add_point(scan: _Scan, node: osmium.osm.Node) -> None:
    tags = dict(node.tags)
    if "name" in tags and not any(key in tags for key in SKIPPED_POINT_KEYS):
        lon_lat = (node.location.lon, node.location.lat)
        scan.points.append([f"node/{node.id}", tags["name"], shapely.Point(lon_lat)])


def _coords(way: osmium.osm.Way) -> Coords | None:
    """The way's coordinates, or None when a node is missing from the extract."""
    locations = [node.location for node in way.nodes]
    if not all(location.valid() for location in locations):
        return None
    return [(location.lon, location.lat) for location in locations]


def _area_row(osm_id: str, tags: dict[str, str], polygon: shapely.Geometry) -> list[object]:
    levels = tags.get("building:levels")
    return [osm_id, tags.get("name"), tags.get("building"), tags.get("landuse"), levels, polygon]


def _is_area(tags: dict[str, str]) -> bool:
    return "highway" not in tags and any(key in tags for key in AREA_KEYS)


def _way_area(way: osmium.osm.Way, coords: Coords | None) -> list[object] | None:
    tags = dict(way.tags)
    nodes = way.nodes
    if not _is_area(tags) or len(nodes) < 4 or nodes[0].ref != nodes[-1].ref or coords is None:
        return None
    polygon = shapely.make_valid(shapely.Polygon(coords))
    return _area_row(f"way/{way.id}", tags, polygon)


def _relation_area(relation: _Relation, ways: dict[int, Coords]) -> list[object] | None:
    """Assemble a multipolygon relation from its member ways (outer minus inner rings)."""
    rings: dict[str, list[shapely.LineString]] = {"outer": [], "inner": []}
    for kind, ref, role in relation.members:
        if kind == "w" and ref in ways:
            rings.setdefault(role or "outer", []).append(shapely.LineString(ways[ref]))
    polygon = shapely.difference(_rings_to_area(rings["outer"]), _rings_to_area(rings["inner"]))
    if polygon.is_empty:
        return None
    return _area_row(f"relation/{relation.osm_id}", relation.tags, polygon)


def _rings_to_area(lines: list[shapely.LineString]) -> shapely.Geometry:
    faces = shapely.polygonize(shapely.get_parts(shapely.union_all(lines)))
    return shapely.union_all(shapely.get_parts(faces))
