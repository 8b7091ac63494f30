"""OGC API – Features reads: a page of one collection's items, a collection's extent.

Routes (``api/routes/ogc.py``) parse the query and render; the filters, scopes and versions
are the existing use cases' (`gis.usecases.boundaries.find_areas` for areas at ``as_of``,
`gis.usecases.stations.list_stations`, `gis.usecases.incidents.list_incidents` within the
caller's scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd

from gis.areas import AreaQuery, Level
from gis.db import ogc as ogc_sql
from gis.identity.access import Acting
from gis.incidents.records import Incident, IncidentQuery
from gis.ogc import Extent, Page, bounds
from gis.stations.records import Station
from gis.usecases import boundaries, incidents, stations
from gis.usecases.runtime import Runtime
from gis.values import BBox, Period


@dataclass(frozen=True)
class Window:
    """Which items: a bbox (lon/lat), a page (``offset``, ``limit``), property filters."""

    bbox: BBox | None
    offset: int
    limit: int
    filters: dict[str, str]


def area_page(
    rt: Runtime, level: Level, window: Window, *, as_of: datetime | None
) -> tuple[gpd.GeoDataFrame, Page]:
    """A page of the areas of ``level`` valid at ``as_of`` (None: current), by code.

    ``code``, ``parent_code`` and ``name`` (equal) filter in the store, which reads only the
    page's areas and counts the matches (``numberMatched``) without their geometry: a page of
    a province's 200,000 grids reads a hundred.
    """
    filters = window.filters
    query = AreaQuery(
        level=level,
        parent=filters.get("parent_code"),
        codes=[filters["code"]] if "code" in filters else None,
        name=filters.get("name"),
        bbox=window.bbox,
        as_of=as_of,
        limit=window.limit,
        offset=window.offset,
    )
    page = boundaries.find_areas(rt, query)
    matched = boundaries.count_areas(rt, query)
    return page, Page(window.offset, window.limit, len(page), matched=matched)


def area_extent(rt: Runtime, level: Level) -> Extent:
    """Where a level's current areas are, and the interval its versions cover."""
    with rt.read() as conn:
        return ogc_sql.area_extent(conn, level=level)


def station_page(rt: Runtime, window: Window) -> tuple[list[Station], Page]:
    """A page of the stations (of a ``type`` filter, code or name), by id."""
    found = stations.list_stations(rt, station_type=window.filters.get("type"), bbox=window.bbox)
    page = found[window.offset : window.offset + window.limit]
    return page, Page(window.offset, window.limit, len(page), matched=len(found))


def station_extent(rt: Runtime) -> Extent:
    """Where the stations are (no time: a station has no versions)."""
    return Extent(bbox=bounds([(s.lon, s.lat) for s in stations.list_stations(rt)]))


def incident_page(
    rt: Runtime,
    window: Window,
    *,
    acting: Acting,
    period: Period | None,
    statuses: list[str] | None,
) -> tuple[list[Incident], Page]:
    """A page of the incidents within the caller's scope, reported in ``period``, by id.

    ``statuses`` keeps those in one of them; the ``category`` filter is a code or a name.

    One more than the page is asked for, to know whether a next page follows; the scoped
    count is not computed (``numberMatched`` is optional).
    """
    query = IncidentQuery(
        category=window.filters.get("category"),
        status=statuses,
        period=period,
        bbox=window.bbox,
        limit=window.limit + 1,
        offset=window.offset,
    )
    found = incidents.list_incidents(rt, query, acting=acting)
    page = found[: window.limit]
    more = len(found) > window.limit
    return page, Page(window.offset, window.limit, len(page), more=more)
