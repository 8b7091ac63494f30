"""What each map page shows, read from the store: the data, not the drawing (that is `maps/`).

Each function validates its filters (raising `InvalidInput`/`NotFound` naming the field) and
returns a typed record that the edges hand to the renderer. Reading a page never commits, but
for the walking isochrones a page computes on the way, which are cached (`gis.usecases.stations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.areas import Level
from gis.db import areas as area_sql
from gis.db import incidents as incident_sql
from gis.db import roster as roster_sql
from gis.db import stations as station_sql
from gis.db import stats as stats_sql
from gis.db import tiles as tile_sql
from gis.db.engine import Connection
from gis.errors import InvalidInput, NotFound
from gis.identity.access import Acting
from gis.incidents.records import Incident, IncidentQuery
from gis.incidents.stats import AreaStats
from gis.roster.duties import STAFFED_BY, GridGap, staffing_gaps
from gis.roster.people import OnDuty
from gis.stations.circles import circles
from gis.stations.records import Station
from gis.tiles import Tile
from gis.usecases import stations as station_cases
from gis.usecases.runtime import Runtime
from gis.values import ANY_TIME, Period

MEASURES = {
    "incidents_per_100_households": ("每百户事件数", "Incidents per 100 households"),
    "closure_rate": ("办结率", "Closure rate"),
    "coverage_share": ("一刻钟覆盖户数比例", "Households within 15 minutes"),
    "overdue_rate": ("超期率（超期 / 未办结事件）", "Overdue rate (overdue / open incidents)"),
}
INCIDENT_MEASURES = ("incidents_per_100_households", "closure_rate", "overdue_rate")
AREA_STATS = tuple(f.name for f in fields(AreaStats))


@dataclass(frozen=True)
class GridsPage:
    """Areas of every level, open incidents per grid, and the measure of the choropleth.

    ``staff`` lists each grid's current 网格长 and 专职网格员 from the roster (`STAFFED_BY`);
    ``unstaffed`` the grids lacking one of them, as `gridmap roster check` reports them.

    A ``tiled`` page has more areas than the map writes into a page: ``areas`` holds only the
    scope's top areas (its roots and extent), ``levels`` the levels below them, and per grid
    there are only ``values`` (for the legend's classes) and ``unstaffed`` (for its count);
    the map draws the areas from vector tiles and asks `grid_facts` for each tile's grids.
    """

    areas: gpd.GeoDataFrame
    open_incidents: dict[str, int]
    measure: str | None = None
    values: pd.Series | None = None
    staff: dict[str, list[OnDuty]] = field(default_factory=dict)
    unstaffed: list[GridGap] = field(default_factory=list)
    tiled: bool = False
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class GridFacts:
    """What a tiled grid map shows of the grids of one tile: as a `GridsPage` has of all."""

    codes: list[str]
    open_incidents: dict[str, int]
    values: dict[str, float | None]
    staff: dict[str, list[OnDuty]]
    unstaffed: list[str]


def _visible(acting: Acting, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas within the caller's scopes (every one when it has no scope limit)."""
    if acting.scopes is None:
        return areas
    return areas[[acting.covers(code) for code in areas["code"]]]


def _check_measure(measure: str | None, station_type: str | None) -> None:
    if measure is not None and measure not in MEASURES:
        raise InvalidInput(f"measure: {measure!r} is not one of {', '.join(MEASURES)}")
    if measure == "coverage_share" and not station_type:
        raise InvalidInput("type: coverage_share needs a station type, e.g. type=红色驿站")


def grids_page(
    rt: Runtime,
    *,
    acting: Acting,
    scope: str | None = None,
    measure: str | None = None,
    period: Period = ANY_TIME,
    station_type: str | None = None,
    tiles_above: int | None = None,
) -> GridsPage:
    """Grids by level with their roster staff; with ``measure``, its value per grid.

    ``coverage_share`` is the share of a grid's households within a 15-minute walk of a
    station of ``station_type``; ``overdue_rate`` the share of a grid's open incidents that
    are past due (None where none is open). With more areas in scope than ``tiles_above``
    the page is ``tiled`` (see `GridsPage`): no geometry but the top areas' is read.
    """
    _check_measure(measure, station_type)
    now = datetime.now(UTC)
    with rt.read() as conn:  # the measure's values are worked out after it is closed
        levels = _tiled_levels(conn, acting, scope, tiles_above)
        if levels:
            tiled = _tiled_reads(conn, acting, scope, measure, period, now)
        else:
            areas = _visible(acting, area_sql.find_areas(conn, scope=scope))
            if areas.empty:
                raise _nothing(scope)
            grids = areas[areas["level"] == Level.GRID.value]
            staff = roster_sql.staff_of(conn, area_codes=list(grids["code"]), duties=STAFFED_BY)
            stats, in_period = _grid_stats(conn, measure, period, now, scope=scope)
    if levels:
        return _tiled_page(rt, tiled, acting, measure, station_type, levels)
    open_incidents = {row.code: row.open for row in stats if row.code and acting.covers(row.code)}
    households = grids.set_index("code")["households"]
    values = _values(rt, measure, households, in_period, station_type)
    gaps = _unstaffed(list(zip(grids["code"], grids["name"], strict=True)), staff)
    return GridsPage(areas, open_incidents, measure, values, staff, gaps)


def _tiled_levels(
    conn: Connection, acting: Acting, scope: str | None, tiles_above: int | None
) -> tuple[str, ...]:
    """The levels in scope when they hold more areas than ``tiles_above`` (else none)."""
    if tiles_above is None:
        return ()
    counts = area_sql.level_counts(conn, scope=scope, scopes=acting.scopes)
    if sum(counts.values()) <= tiles_above:
        return ()
    return tuple(level.value for level in Level if counts.get(level.value))


def _nothing(scope: str | None) -> NotFound:
    return NotFound(f"scope: no current area {scope!r}" if scope else "areas: none loaded yet")


@dataclass(frozen=True)
class _TiledReads:
    """What a tiled page reads from the store: top areas, grid rows, their staff and stats."""

    top: gpd.GeoDataFrame
    grids: pd.DataFrame
    staff: dict[str, list[OnDuty]]
    in_period: list[AreaStats]


def _tiled_reads(
    conn: Connection,
    acting: Acting,
    scope: str | None,
    measure: str | None,
    period: Period,
    now: datetime,
) -> _TiledReads:
    """The scope's top areas, and its grids without geometry, with what the legend needs."""
    top = area_sql.top_areas(conn, scope=scope, scopes=acting.scopes)
    if top.empty:
        raise _nothing(scope)
    grids = area_sql.area_rows(conn, level=Level.GRID, scope=scope, scopes=acting.scopes)
    staff = roster_sql.staff_of(conn, area_codes=list(grids["code"]), duties=STAFFED_BY)
    in_period: list[AreaStats] = []  # the map asks for the open incidents tile by tile
    if measure in INCIDENT_MEASURES:
        _, in_period = _grid_stats(conn, measure, period, now, scope=scope)
    return _TiledReads(top, grids, staff, in_period)


def _tiled_page(
    rt: Runtime,
    reads: _TiledReads,
    acting: Acting,
    measure: str | None,
    station_type: str | None,
    levels: tuple[str, ...],
) -> GridsPage:
    """A `GridsPage` of the scope's top areas, with the per-grid values of the legend only."""
    grids = reads.grids
    gaps = _unstaffed(list(zip(grids["code"], grids["name"], strict=True)), reads.staff)
    households = grids.set_index("code")["households"]
    values = _values(rt, measure, households, reads.in_period, station_type)
    if values is not None:
        values = values[[acting.covers(str(code)) for code in values.index]]
    return GridsPage(reads.top, {}, measure, values, {}, gaps, tiled=True, levels=levels)


def grid_facts(
    rt: Runtime,
    *,
    acting: Acting,
    tile: Tile,
    measure: str | None = None,
    period: Period = ANY_TIME,
    station_type: str | None = None,
) -> GridFacts:
    """The open incidents, measure, staff and staffing of the grids of one map tile.

    Only the grids in the caller's scopes are answered; the measure's values are those of
    `grids_page` for the same grids.
    """
    _check_measure(measure, station_type)
    with rt.read() as conn:
        found = [
            row
            for row in tile_sql.areas_in_tile(conn, level=Level.GRID, tile=tile)
            if acting.covers(row[0])
        ]
        codes = [code for code, _, _ in found]
        staff = roster_sql.staff_of(conn, area_codes=codes, duties=STAFFED_BY)
        stats, in_period = _grid_stats(conn, measure, period, datetime.now(UTC), codes=codes)
    open_incidents = {row.code: row.open for row in stats if row.code}
    households = pd.Series({code: n for code, _, n in found}, dtype=float)
    series = _values(rt, measure, households, in_period, station_type)
    values: dict[str, float | None] = {}
    if series is not None:
        for code, value in series.reindex(codes).items():
            values[str(code)] = float(value) if pd.notna(value) and np.isfinite(value) else None
    gaps = [gap.code for gap in _unstaffed([(c, n) for c, n, _ in found], staff)]
    return GridFacts(codes, open_incidents, values, staff, gaps)


def _grid_stats(
    conn: Connection,
    measure: str | None,
    period: Period,
    now: datetime,
    *,
    scope: str | None = None,
    codes: list[str] | None = None,
) -> tuple[list[AreaStats], list[AreaStats]]:
    """The grids' incident figures of all time, and of ``period`` when ``measure`` needs it."""
    stats = stats_sql.incident_stats(
        conn, level=Level.GRID, by="current", now=now, scope=scope, codes=codes
    )
    if measure in INCIDENT_MEASURES and period != ANY_TIME:
        in_period = stats_sql.incident_stats(
            conn, level=Level.GRID, by="current", period=period, now=now, scope=scope, codes=codes
        )
        return stats, in_period
    return stats, stats


def _values(
    rt: Runtime,
    measure: str | None,
    households: pd.Series,
    in_period: list[AreaStats],
    station_type: str | None,
) -> pd.Series | None:
    """The value of ``measure`` per grid code (None: no measure)."""
    if measure == "coverage_share":
        report = station_cases.coverage(rt, station_type=str(station_type), mode="network")
        return pd.Series(report.grid_shares(), dtype=float)
    if measure is not None:
        return _incident_measure(measure, households, in_period)
    return None


def _unstaffed(grids: list[tuple[str, str]], staff: dict[str, list[OnDuty]]) -> list[GridGap]:
    """The grids (code, name) lacking a duty of `STAFFED_BY`, as `gridmap roster check` says."""
    held = [(person.area_code, person.duty) for people in staff.values() for person in people]
    return staffing_gaps(grids, held)


def _overdue_rate(row: AreaStats) -> float | None:
    """Open incidents past due over open incidents (None when none is open)."""
    return row.overdue / row.open if row.open else None


def _incident_measure(name: str, households: pd.Series, stats: list[AreaStats]) -> pd.Series:
    """``name``'s value per grid code from its incident figures (``households`` by code)."""
    if name == "overdue_rate":
        rates = {row.code: _overdue_rate(row) for row in stats if row.code}
        return pd.Series(rates, dtype=float)
    rows = pd.DataFrame([vars(row) for row in stats if row.code], columns=list(AREA_STATS))
    rows = rows.set_index("code")
    if name == "closure_rate":
        return rows["closure_rate"].astype(float)
    return (rows["total"] / households.astype(float).reindex(rows.index) * 100).astype(float)


@dataclass(frozen=True)
class HazardsPage:
    """Grids and the incidents to cluster on them; category names in Chinese and English.

    A ``tiled`` page (more grids than a page holds) has only the scope's top areas in
    ``grids``: the map fits them and draws the grids' outlines from vector tiles.
    """

    grids: gpd.GeoDataFrame
    incidents: list[Incident]
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)
    tiled: bool = False


def hazards_page(
    rt: Runtime,
    *,
    acting: Acting,
    category: str = "hazard",
    statuses: list[str] | None = None,
    scope: str | None = None,
    period: Period = ANY_TIME,
    tiles_above: int | None = None,
) -> HazardsPage:
    """Incidents of a category (or ``all``) with the grids of the scope.

    With more grids in scope than ``tiles_above``, the page is ``tiled`` (`HazardsPage`).
    """
    code = None if category == "all" else rt.catalogue.find(category).code
    with rt.read() as conn:
        tiled = _grids_over(conn, acting, scope, tiles_above)
        grids = (
            area_sql.top_areas(conn, scope=scope, scopes=acting.scopes)
            if tiled
            else _visible(acting, area_sql.find_areas(conn, level=Level.GRID, scope=scope))
        )
        if scope and grids.empty:
            raise NotFound(f"scope: no current grids under {scope!r}")
        query = IncidentQuery(code, statuses, scope, period, within=acting.scopes, limit=100_000)
        found = incident_sql.list_incidents(conn, query)
    names = {c.code: (c.zh, c.en) for c in rt.catalogue}
    return HazardsPage(grids, found, names, tiled=tiled)


def _grids_over(
    conn: Connection, acting: Acting, scope: str | None, tiles_above: int | None
) -> bool:
    """Whether the grids in scope are more than ``tiles_above`` (None: never)."""
    if tiles_above is None:
        return False
    counts = area_sql.level_counts(conn, scope=scope, scopes=acting.scopes)
    return counts.get(Level.GRID.value, 0) > tiles_above


@dataclass(frozen=True)
class StationsPage:
    """Stations, their circles and isochrones by minutes, and what a type leaves uncovered."""

    grids: gpd.GeoDataFrame
    stations: list[Station]
    types: dict[str, tuple[str, str]]
    circles: dict[float, list[shapely.Geometry]]
    isochrones: dict[float, list[shapely.Geometry]]
    uncovered: list[shapely.Geometry] | None = None
    tiled: bool = False


def stations_page(
    rt: Runtime,
    *,
    acting: Acting,
    station_type: str | None = None,
    mode: str = "network",
    tiles_above: int | None = None,
) -> StationsPage:
    """Stations by type with circles and isochrones; with a type, the areas it leaves uncovered.

    Only the grids and stations within the caller's areas are shown. With more grids than
    ``tiles_above``, ``grids`` holds only the top areas and the map draws grids from tiles.
    """
    code = rt.station_types.find(station_type).code if station_type else None
    with rt.read() as conn:
        tiled = _grids_over(conn, acting, None, tiles_above)
        grids = (
            area_sql.top_areas(conn, scopes=acting.scopes)
            if tiled
            else _visible(acting, area_sql.find_areas(conn, level=Level.GRID))
        )
        found = station_sql.list_stations(conn, station_type=code)
    found = [s for s in found if acting.scopes is None or acting.covers(s.grid_code)]
    rings = _circles(rt, found)
    walks = _walks(rt, found, sorted(rings))
    uncovered = None
    if code is not None:
        report = station_cases.coverage(rt, station_type=code, mode=mode if walks else "circle")
        uncovered = [
            g
            for g, level, c in zip(
                report.table.geometry, report.table["level"], report.table["code"], strict=True
            )
            if level == Level.GRID.value and g is not None and not g.is_empty and acting.covers(c)
        ]
    types = {t.code: (t.zh, t.en) for t in rt.station_types}
    return StationsPage(grids, found, types, rings, walks, uncovered, tiled=tiled)


def _circles(rt: Runtime, found: list[Station]) -> dict[float, list[shapely.Geometry]]:
    """Each station's tier circles, grouped by minutes."""
    rings: dict[float, list[shapely.Geometry]] = {}
    for station in found:
        tiers = rt.station_types.find(station.type).tiers
        polygons = circles([(station.lon, station.lat)], [t.radius_m for t in tiers])[0]
        for tier, polygon in zip(tiers, polygons, strict=True):
            rings.setdefault(tier.minutes, []).append(polygon)
    return rings


def _walks(
    rt: Runtime, found: list[Station], minutes: list[float]
) -> dict[float, list[shapely.Geometry]]:
    """Each station's walking isochrones by minutes (cached), if a walking network is loaded."""
    if not found or station_cases.network_if_loaded(rt) is None:
        return {}
    reach = station_cases.reach_of(rt, found, minutes)
    walks: dict[float, list[shapely.Geometry]] = {}
    for (_, tier), polygon in reach.polygons.items():
        walks.setdefault(tier, []).append(polygon)
    return walks
