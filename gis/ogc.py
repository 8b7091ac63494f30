"""OGC API – Features (Part 1 Core, Part 2 CRS): collections, parameters, links, documents.

The pure half of ``/ogc`` (the routes are ``api/routes/ogc.py``): which collections there are,
the parsers of the query parameters (``limit``, ``offset``, ``bbox``/``bbox-crs``, ``crs``,
``datetime``), the axis order of each output CRS, and the JSON documents with their links.

Why not tipg or pygeoapi
------------------------
Both were weighed (issue 16). tipg serves the tables of its own catalogue through its own
asyncpg pool: it would read ``areas`` as one table (not one collection per level), map
``datetime`` onto a column range, not onto ``as_of`` over the versions, and it knows neither
gridmap's permission per route (`api.access`), nor the scoped incident listing of
`gis.usecases.incidents.list_incidents`, nor the masked views; its routes answer its own
error bodies. pygeoapi runs its own Flask/Starlette app configured by YAML with provider
plugins: a provider plugin could call the use cases, but the permission and the principal
live in gridmap's FastAPI dependencies, which a mounted sub-application does not see, and its
errors have another shape. Mounting either means forking its request handling, so the small
Core + CRS surface is written here over the existing use cases instead.

Axis order (Part 2): CRS84 is longitude, latitude; EPSG:4326 and EPSG:4490 (CGCS2000) are
latitude, longitude, both in ``crs`` output and in ``bbox-crs`` input. CGCS2000 and WGS84
agree within centimetres (gridmap stores EPSG:4326, `gis.crs`), so output in EPSG:4490 is the
stored numbers with the axes swapped, as PROJ's own null transformation between them does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import numpy as np
import shapely

from gis import clock
from gis.areas import Level
from gis.errors import InvalidInput, NotFound
from gis.geojson import feature
from gis.incidents.records import Incident
from gis.incidents.views import public_view
from gis.stations.records import Station
from gis.values import BBox, Period, parse_bbox, parse_time


class InvalidParameterValue(InvalidInput):
    """A query parameter of ``/ogc`` is malformed or out of range (OGC's exception code)."""


CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
CRS_LIST = (CRS84, EPSG_4326, EPSG_4490)
"""The CRSs every collection is served in; the first is the default and the storage CRS."""
LAT_LON = frozenset({EPSG_4326, EPSG_4490})
"""The CRSs whose first axis is latitude."""
_SHORT = {"CRS84": CRS84, "OGC:CRS84": CRS84, "EPSG:4326": EPSG_4326, "EPSG:4490": EPSG_4490}

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
"""A page holds ``limit`` features (default 100); more than this maximum is refused (400)."""
TILESETS_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


@dataclass(frozen=True)
class Collection:
    """One collection: its id, titles, what it holds, and whether it has vector tiles."""

    id: str
    title: str
    description: str
    kind: str  # "area", "station" or "incident"
    level: Level | None = None
    filters: tuple[str, ...] = ()
    """The property filters its items accept (``?name=value``)."""

    @property
    def tiled(self) -> bool:
        """Whether vector tiles are served under ``/ogc/collections/{id}/tiles``."""
        return self.kind in ("area", "station")


_AREA_FILTERS = ("code", "parent_code", "name")
_PLURALS = {
    "district": "Districts",
    "subdistrict": "Subdistricts",
    "community": "Communities",
    "grid": "Grids",
}
COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        *(
            Collection(
                _PLURALS[level.value].lower(),
                f"{level.label_zh} {_PLURALS[level.value]}",
                f"{_PLURALS[level.value]}; datetime: the boundary versions valid at that instant",
                "area",
                level,
                _AREA_FILTERS,
            )
            for level in Level
        ),
        Collection(
            "stations", "服务站点 Stations", "15-minute circle stations", "station", None, ("type",)
        ),
        Collection(
            "incidents",
            "事件 Incidents",
            "Incidents within the caller's areas, "
            "reporters masked; datetime: reported within the interval",
            "incident",
            None,
            ("status", "category"),
        ),
    )
}
"""The collections, by id: one per area level, the stations, the incidents."""


def collection_of(collection_id: str) -> Collection:
    """The collection with this id, or `NotFound`.

    Examples
    --------
    >>> collection_of("communities").level
    <Level.COMMUNITY: 'community'>
    >>> collection_of("roads")
    Traceback (most recent call last):
    ...
    gis.errors.NotFound: collection: no collection 'roads'; one of districts, subdistricts, ...
    """
    if collection_id not in COLLECTIONS:
        names = ", ".join(list(COLLECTIONS)[:2])
        raise NotFound(f"collection: no collection {collection_id[:40]!r}; one of {names}, ...")
    return COLLECTIONS[collection_id]


def parse_crs(text: str | None, field: str = "crs") -> str:
    """A CRS URI of `CRS_LIST` (None: CRS84); ``EPSG:4490``-style short names are accepted.

    Examples
    --------
    >>> parse_crs(None) == CRS84, parse_crs("EPSG:4490") == EPSG_4490
    (True, True)
    >>> parse_crs("http://www.opengis.net/def/crs/EPSG/0/3857")
    Traceback (most recent call last):
    ...
    gis.ogc.InvalidParameterValue: crs: 'http://www.opengis.net/def/crs/EPSG/0/3857' is not ...
    """
    if text is None or not text.strip():
        return CRS84
    uri = _SHORT.get(text.strip().strip("[]").upper(), text.strip())
    if uri not in CRS_LIST:
        raise InvalidParameterValue(f"{field}: {text[:60]!r} is not one of {', '.join(CRS_LIST)}")
    return uri


def _count(text: str | None, field: str, default: int, low: int, high: int) -> int:
    if text is None or not text.strip():
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidParameterValue(f"{field}: {text[:40]!r} is not a whole number") from None
    if not low <= value <= high:
        raise InvalidParameterValue(f"{field}: {value} is not within {low}..{high}")
    return value


def parse_limit(text: str | None) -> int:
    """A page size: 1 … `MAX_LIMIT`, default `DEFAULT_LIMIT`.

    Examples
    --------
    >>> parse_limit(None), parse_limit("10")
    (100, 10)
    >>> parse_limit("10001")
    Traceback (most recent call last):
    ...
    gis.ogc.InvalidParameterValue: limit: 10001 is not within 1..10000
    """
    return _count(text, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)


def parse_offset(text: str | None) -> int:
    """How many features to skip (default 0).

    Examples
    --------
    >>> parse_offset("20"), parse_offset(None)
    (20, 0)
    """
    return _count(text, "offset", 0, 0, 2**62)


def parse_items_bbox(text: str | None, bbox_crs: str | None = None) -> BBox | None:
    """A ``bbox`` (4 or 6 numbers) in ``bbox-crs`` axis order, as west, south, east, north.

    Examples
    --------
    >>> parse_items_bbox("116.3,39.9,116.4,40.0")
    BBox(west=116.3, south=39.9, east=116.4, north=40.0)
    >>> parse_items_bbox("39.9,116.3,40.0,116.4", "EPSG:4490")
    BBox(west=116.3, south=39.9, east=116.4, north=40.0)
    >>> parse_items_bbox("1,2,3") is None
    Traceback (most recent call last):
    ...
    gis.ogc.InvalidParameterValue: bbox: '1,2,3' is not four numbers west,south,east,north
    """
    crs = parse_crs(bbox_crs, "bbox-crs")
    if text is None or not text.strip():
        return None
    parts = text.split(",")
    if len(parts) == 6:  # minimum and maximum heights: dropped, areas are flat
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) == 4 and crs in LAT_LON:
        parts = [parts[1], parts[0], parts[3], parts[2]]
    try:
        return parse_bbox(",".join(parts))
    except InvalidInput as exc:
        raise InvalidParameterValue(exc.detail.replace(",".join(parts), text[:60])) from None


@dataclass(frozen=True)
class TimeFilter:
    """A ``datetime`` parameter: an instant, or a period (either end open)."""

    instant: datetime | None = None
    period: Period | None = None


def parse_datetime(text: str | None) -> TimeFilter | None:
    """An RFC 3339 instant or an interval ``start/end`` (``..`` or empty: open).

    Examples
    --------
    >>> parse_datetime("2026-01-01T00:00:00Z").instant.isoformat()
    '2026-01-01T00:00:00+00:00'
    >>> parse_datetime("2026-01-01/..").period.end is None
    True
    >>> parse_datetime("soon")
    Traceback (most recent call last):
    ...
    gis.ogc.InvalidParameterValue: datetime: 'soon' is not an ISO 8601 date or time
    """
    if text is None or not text.strip():
        return None
    try:
        if "/" not in text:
            return TimeFilter(instant=parse_time(text.strip(), "datetime"))
        start, _, end = text.partition("/")
        ends = [
            None if v.strip() in ("", "..") else parse_time(v.strip(), "datetime")
            for v in (start, end)
        ]
    except InvalidInput as exc:
        raise InvalidParameterValue(exc.detail) from None
    if ends[0] and ends[1] and ends[0] > ends[1]:
        raise InvalidParameterValue(f"datetime: {text[:60]!r} ends before it starts")
    return TimeFilter(period=Period(ends[0], ends[1]))


def swap_axes(geometries: Sequence[shapely.Geometry] | np.ndarray) -> np.ndarray:
    """The geometries with x and y swapped (lon/lat ⇄ lat/lon), vectorised.

    Examples
    --------
    >>> swap_axes([shapely.Point(116.3, 40.0)])[0].wkt
    'POINT (40 116.3)'
    """
    return np.asarray(shapely.transform(np.asarray(geometries), lambda xy: xy[:, ::-1]))


def link(href: str, rel: str, media: str = JSON, title: str | None = None) -> dict[str, str]:
    """One link object."""
    found = {"href": href, "rel": rel, "type": media}
    return {**found, "title": title} if title else found


def with_query(url: str, params: Mapping[str, Any]) -> str:
    """``url`` with the query ``params`` (None and empty values left out).

    Examples
    --------
    >>> with_query("http://h/ogc/collections/grids/items", {"limit": 10, "offset": 20, "f": None})
    'http://h/ogc/collections/grids/items?limit=10&offset=20'
    """
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""})
    return f"{url}?{query}" if query else url


def landing(base: str) -> dict[str, Any]:
    """The landing page ``/ogc`` of the service at ``base`` (``http://host``)."""
    return {
        "title": "gridmap — OGC API Features",
        "description": "Grids, areas, stations and incidents of grid governance (网格化管理).",
        "links": [
            link(f"{base}/ogc", "self"),
            link(f"{base}/ogc?f=html", "alternate", HTML),
            link(f"{base}/openapi.json", "service-desc", OPENAPI),
            link(f"{base}/docs", "service-doc", HTML),
            link(f"{base}/ogc/conformance", "conformance"),
            link(f"{base}/ogc/collections", "data"),
        ],
    }


@dataclass(frozen=True)
class Extent:
    """Where and when a collection's features are: a lon/lat bbox and a time interval."""

    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    temporal: bool = False


def collection_doc(collection: Collection, base: str, extent: Extent | None) -> dict[str, Any]:
    """The description of one collection, with its links, CRSs and extent."""
    here = f"{base}/ogc/collections/{collection.id}"
    links = [
        link(here, "self"),
        link(f"{here}?f=html", "alternate", HTML),
        link(f"{here}/items", "items", GEOJSON),
        link(f"{here}/items?f=html", "items", HTML),
    ]
    if collection.tiled:
        links.append(link(f"{here}/tiles", TILESETS_REL, JSON, "vector tilesets"))
    doc: dict[str, Any] = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": list(CRS_LIST),
        "storageCrs": CRS84,
        "links": links,
    }
    if extent is not None and (extent.bbox or extent.temporal):
        doc["extent"] = _extent_doc(extent)
    return doc


def _extent_doc(extent: Extent) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if extent.bbox is not None:
        doc["spatial"] = {"bbox": [[round(v, 7) for v in extent.bbox]], "crs": CRS84}
    if extent.temporal:
        ends = [clock.iso(t) if t else None for t in (extent.start, extent.end)]
        doc["temporal"] = {"interval": [ends], "trs": GREGORIAN}
    return doc


@dataclass(frozen=True)
class Page:
    """One page of items: where it starts, how many were asked, returned, and matched."""

    offset: int
    limit: int
    returned: int
    matched: int | None = None
    more: bool = False
    """Whether features follow this page (known without ``matched`` for a listing)."""

    @property
    def has_next(self) -> bool:
        """Whether a ``next`` link is due.

        Examples
        --------
        >>> Page(0, 10, 10, matched=10).has_next, Page(0, 10, 10, matched=11).has_next
        (False, True)
        """
        if self.matched is not None:
            return self.offset + self.returned < self.matched
        return self.more


def items_doc(
    features: list[dict[str, Any]], page: Page, url: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    """A page of features as an OGC FeatureCollection with its links and counts.

    ``url`` is the items URL, ``params`` the query the caller sent (``offset`` replaced in
    the ``next`` and ``prev`` links).
    """
    kept = {k: v for k, v in params.items() if k not in ("offset", "limit", "f")}

    def at(
        offset: int, f: str | None = None, media: str = GEOJSON, rel: str = "self"
    ) -> dict[str, str]:
        href = with_query(url, {**kept, "limit": page.limit, "offset": offset or None, "f": f})
        return link(href, rel, media)

    links = [at(page.offset), at(page.offset, "html", HTML, "alternate")]
    if page.has_next:
        links.append(at(page.offset + page.limit, rel="next"))
    if page.offset > 0:
        links.append(at(max(0, page.offset - page.limit), rel="prev"))
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if page.matched is not None:
        doc["numberMatched"] = page.matched
    doc.update(numberReturned=len(features), timeStamp=clock.iso(datetime.now(UTC)), links=links)
    return doc


def area_features(areas: Any, crs: str) -> list[dict[str, Any]]:
    """Areas (a frame in EPSG:4326) as GeoJSON features in ``crs``'s axis order."""
    geometries = np.asarray(areas.geometry.values)
    if crs in LAT_LON:
        geometries = swap_axes(geometries)
    rows = areas.itertuples()
    return [feature(row, geom) for row, geom in zip(rows, geometries, strict=True)]


def point_feature(
    fid: int, lon: float | None, lat: float | None, properties: dict[str, Any], crs: str
) -> dict[str, Any]:
    """A point feature (no geometry without coordinates) in ``crs``'s axis order.

    Examples
    --------
    >>> point_feature(7, 116.3, 40.0, {}, EPSG_4490)["geometry"]["coordinates"]
    [40.0, 116.3]
    >>> point_feature(8, None, None, {}, CRS84)["geometry"] is None
    True
    """
    geometry = None
    if lon is not None and lat is not None:
        xy = [lat, lon] if crs in LAT_LON else [lon, lat]
        geometry = {"type": "Point", "coordinates": xy}
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def station_feature(station: Station, crs: str) -> dict[str, Any]:
    """A station as a GeoJSON feature in ``crs``'s axis order."""
    properties = {k: v for k, v in asdict(station).items() if k not in ("id", "lon", "lat")}
    for key in ("created_at", "updated_at"):
        properties[key] = clock.iso(properties[key])
    return point_feature(station.id, station.lon, station.lat, properties, crs)


def incident_feature(incident: Incident, crs: str) -> dict[str, Any]:
    """An incident, reporter masked (`public_view`), as a GeoJSON feature in ``crs``."""
    view = public_view(incident, personal=False)
    properties = {k: v for k, v in view.items() if k not in ("id", "lon", "lat")}
    return point_feature(incident.id, incident.lon, incident.lat, properties, crs)


def bounds(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float] | None:
    """The lon/lat box of points (None: no points).

    Examples
    --------
    >>> bounds([(116.3, 40.0), (116.4, 39.9)]), bounds([])
    ((116.3, 39.9, 116.4, 40.0), None)
    """
    if not points:
        return None
    xs, ys = zip(*points, strict=True)
    return (min(xs), min(ys), max(xs), max(ys))
