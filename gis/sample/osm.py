"""Read the OpenStreetMap inputs of the sample: an OSM XML extract and a road GeoJSON.

Only the standard library parses the XML; the result is plain GeoDataFrames in EPSG:4326,
so everything downstream is pure geometry and can be tested offline.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.errors import UnreadableFile

WGS84 = STORAGE_CRS
AREA_KEYS = ("building", "landuse", "amenity", "office", "leisure", "name")
"""A closed way or multipolygon with one of these tags is read as an area."""
SKIPPED_POINT_KEYS = ("highway", "railway", "public_transport")
"""Named nodes with these tags (bus stops, stations) name a place nearby, not the place itself."""
AREA_COLUMNS = ["osm_id", "name", "building", "landuse", "levels", "geometry"]


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
    """Read an OSM XML 0.6 file into bounds, areas and named points.

    Parameters
    ----------
    path : Path
        An ``.osm`` file as exported by the OSM API (``<bounds>`` first, then nodes, ways and
        relations).

    Returns
    -------
    OsmExtract
    """
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        raise UnreadableFile(f"{path}: cannot read OSM XML ({error})") from error
    coords = {node.get("id"): _lon_lat(node) for node in root.iter("node")}
    ways = {way.get("id"): way for way in root.iter("way")}
    rows = [_way_area(way, coords) for way in ways.values()]
    rows += [_relation_area(rel, ways, coords) for rel in root.iter("relation")]
    areas = [row for row in rows if row is not None]
    return OsmExtract(
        bounds=_bounds(root, path),
        areas=gpd.GeoDataFrame(pd.DataFrame(areas, columns=AREA_COLUMNS), crs=WGS84),
        points=_named_points(root, coords),
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


def _tags(element: ET.Element) -> dict[str, str]:
    return {tag.get("k", ""): tag.get("v", "") for tag in element.iter("tag")}


def _lon_lat(node: ET.Element) -> tuple[float, float]:
    return float(node.get("lon", "nan")), float(node.get("lat", "nan"))


def _bounds(root: ET.Element, path: Path) -> shapely.Polygon:
    bounds = root.find("bounds")
    if bounds is None:
        raise UnreadableFile(f"{path}: no <bounds> element; the extract's extent is unknown")
    keys = ("minlon", "minlat", "maxlon", "maxlat")
    return shapely.box(*(float(bounds.get(key, "nan")) for key in keys))


def _area_row(osm_id: str, tags: dict[str, str], polygon: shapely.Geometry) -> list[object]:
    levels = tags.get("building:levels")
    return [osm_id, tags.get("name"), tags.get("building"), tags.get("landuse"), levels, polygon]


def _is_area(tags: dict[str, str]) -> bool:
    return "highway" not in tags and any(key in tags for key in AREA_KEYS)


def _way_area(way: ET.Element, coords: dict) -> list[object] | None:
    tags = _tags(way)
    refs = [nd.get("ref") for nd in way.iter("nd")]
    if not _is_area(tags) or len(refs) < 4 or refs[0] != refs[-1]:
        return None
    if any(ref not in coords for ref in refs):
        return None
    polygon = shapely.make_valid(shapely.Polygon([coords[ref] for ref in refs]))
    return _area_row(f"way/{way.get('id')}", tags, polygon)


def _relation_area(relation: ET.Element, ways: dict, coords: dict) -> list[object] | None:
    """Assemble a multipolygon relation from its member ways (outer minus inner rings)."""
    tags = _tags(relation)
    if tags.get("type") != "multipolygon" or not _is_area(tags):
        return None
    rings: dict[str, list[shapely.LineString]] = {"outer": [], "inner": []}
    for member in relation.iter("member"):
        way = ways.get(member.get("ref"))
        refs = [nd.get("ref") for nd in way.iter("nd")] if way is not None else []
        if member.get("type") != "way" or len(refs) < 2 or any(r not in coords for r in refs):
            continue
        rings.setdefault(member.get("role") or "outer", []).append(
            shapely.LineString([coords[ref] for ref in refs])
        )
    polygon = shapely.difference(_rings_to_area(rings["outer"]), _rings_to_area(rings["inner"]))
    if polygon.is_empty:
        return None
    return _area_row(f"relation/{relation.get('id')}", tags, polygon)


def _rings_to_area(lines: list[shapely.LineString]) -> shapely.Geometry:
    faces = shapely.polygonize(shapely.get_parts(shapely.union_all(lines)))
    return shapely.union_all(shapely.get_parts(faces))


def _named_points(root: ET.Element, coords: dict) -> gpd.GeoDataFrame:
    rows = []
    for node in root.iter("node"):
        tags = _tags(node)
        if "name" in tags and not any(key in tags for key in SKIPPED_POINT_KEYS):
            point = shapely.Point(coords[node.get("id")])
            rows.append([f"node/{node.get('id')}", tags["name"], point])
    frame = pd.DataFrame(rows, columns=["osm_id", "name", "geometry"])
    return gpd.GeoDataFrame(frame, crs=WGS84)
