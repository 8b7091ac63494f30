"""Building map pages from the store: shared by the HTTP routes and ``gridmap map`` (no HTTP here).

Each function validates its filters (raising `InvalidInput`/`NotFound` naming the field), reads
what the page shows through ``gis/db`` and hands it to ``maps/`` to render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import shapely.geometry

from gis.areas import Level
from gis.db import areas as area_sql
from gis.db import incidents as incident_sql
from gis.db.stats import incident_stats
from gis.errors import InvalidInput, NotFound
from gis.incidents.catalogue import Catalogue
from gis.incidents.lifecycle import LABELS_ZH, OPEN
from gis.stations.service import Access
from gis.values import parse_time
from maps.base import MapOptions, Page
from maps.grids import grid_map
from maps.hazards import hazard_map
from maps.planner import plan_map
from maps.stations import stations_map

MEASURES = {
    "incidents_per_100_households": ("每百户事件数", "Incidents per 100 households"),
    "closure_rate": ("办结率", "Closure rate"),
    "coverage_share": ("一刻钟覆盖户数比例", "Households within 15 minutes"),
}


@dataclass(frozen=True)
class Period:
    """A validated [start, end) on reported time."""

    start: datetime | None = None
    end: datetime | None = None


def period(start: str | None, end: str | None) -> Period:
    """Parse and check a date range (start before end)."""
    first = parse_time(start, "start") if start else None
    last = parse_time(end, "end") if end else None
    if first and last and first >= last:
        raise InvalidInput(f"start: {start} is not before end {end}")
    return Period(first, last)


def _coverage_share(conn: Any, access: Access, station_type: str | None) -> pd.Series:
    """Per grid: the share of households within a 15-minute walk of ``station_type``."""
    from gis.stations.analytics import coverage_report

    if not station_type:
        raise InvalidInput("type: coverage_share needs a station type, e.g. type=红色驿站")
    report = coverage_report(
        conn,
        station_type=access.catalogue.find(station_type).code,
        mode="network",
        catalogue=access.catalogue,
        settings=access.settings,
        network=access.networks.get(conn),
    )
    conn.commit()  # keep the isochrone cache
    shares = {
        f["properties"]["code"]: f["properties"]["household_share"]
        for f in report["features"]
        if f["properties"].get("level") == "grid"
    }
    return pd.Series(shares, dtype=float)


def _measure(conn: Any, name: str, areas: Any, when: Period) -> pd.Series:
    rows = pd.DataFrame(
        incident_stats(
            conn,
            level=Level.GRID,
            by="current",
            start=when.start,
            end=when.end,
            now=datetime.now(UTC),
        )
    )
    rows = rows[rows["code"].notna()].set_index("code")
    if name == "closure_rate":
        return rows["closure_rate"].astype(float)
    households = areas.set_index("code")["households"].astype(float)
    return (rows["total"] / households.reindex(rows.index) * 100).astype(float)


def _open_counts(conn: Any) -> dict[str, int]:
    rows = incident_stats(conn, level=Level.GRID, by="current", now=datetime.now(UTC))
    return {
        r["code"]: sum(n for s, n in r["by_status"].items() if s in OPEN) for r in rows if r["code"]
    }


def grids_page(
    conn: Any,
    options: MapOptions,
    *,
    scope: str | None = None,
    measure: str | None = None,
    when: Period = Period(),
    station_type: str | None = None,
    access: Access | None = None,
) -> Page:
    """Grids by level with labels and popups; a choropleth by ``measure``.

    ``coverage_share`` is the share of a grid's households within a 15-minute walk of a station
    of ``station_type``.
    """
    if measure is not None and measure not in MEASURES:
        raise InvalidInput(f"measure: {measure!r} is not one of {', '.join(MEASURES)}")
    areas = area_sql.find_areas(conn, scope=scope)
    if areas.empty:
        raise NotFound(f"scope: no current area {scope!r}" if scope else "areas: none loaded yet")
    if measure == "coverage_share":
        values = _coverage_share(conn, access or Access(), station_type)
    else:
        values = _measure(conn, measure, areas, when) if measure else None
    label = options.t(*MEASURES[measure]) if measure else ""
    return grid_map(
        areas, options, open_incidents=_open_counts(conn), measure=values, measure_label=label
    )


def hazards_page(
    conn: Any,
    options: MapOptions,
    catalogue: Catalogue,
    *,
    category: str = "hazard",
    status: str | None = None,
    scope: str | None = None,
    when: Period = Period(),
) -> Page:
    """Incidents of a category (or ``all``) as clustered markers by status, and a heat map."""
    code = None if category == "all" else catalogue.find(category).code
    statuses = status.split(",") if status else None
    unknown = [s for s in statuses or [] if s not in LABELS_ZH]
    if unknown:
        raise InvalidInput(f"status: unknown {', '.join(unknown)}; known: {', '.join(LABELS_ZH)}")
    areas = area_sql.find_areas(conn, level=Level.GRID, scope=scope)
    if scope and areas.empty:
        raise NotFound(f"scope: no current grids under {scope!r}")
    rows = incident_sql.list_incidents(
        conn,
        category=code,
        status=statuses,
        scope=scope,
        start=when.start,
        end=when.end,
        limit=100_000,
    )
    names = {c.code: options.t(c.zh, c.en) for c in catalogue}
    return hazard_map(areas, rows, options, category_names=names)


def plan_page(conn: Any, options: MapOptions, plan_id: int) -> Page:
    """A plan's findings over its grids, with the before/after outlines and moved pieces."""
    from gis.areas import parse_level
    from gis.db import planning
    from gis.db import plans as plan_sql

    plan = plan_sql.get_plan(conn, plan_id=plan_id)
    current = area_sql.find_areas(conn, level=parse_level(plan.level), parent=plan.scope_code)
    proposed = plan_sql.plan_areas(conn, plan_id=plan_id)
    proposed = proposed[proposed.geometry.notna()]
    findings = planning.check_plan(conn, plan_id=plan_id)
    pieces = planning.diff_plan(conn, plan_id=plan_id).pieces
    return plan_map(current, proposed, findings, pieces, options)


def _circles(stations: list[dict[str, Any]], access: Access) -> dict[float, list[Any]]:
    """Each station's tier circles, grouped by minutes."""
    from gis.stations.circles import circles

    rings: dict[float, list[Any]] = {}
    for station in stations:
        tiers = access.catalogue.find(station["type"]).tiers
        polygons = circles([(station["lon"], station["lat"])], [t.radius_m for t in tiers])[0]
        for tier, polygon in zip(tiers, polygons, strict=True):
            rings.setdefault(tier.minutes, []).append(polygon)
    return rings


def _walks(
    conn: Any, stations: list[dict[str, Any]], minutes: list[float], access: Access
) -> dict[float, list[Any]]:
    """Each station's walking isochrones by minutes (cached in the store), if a network exists."""
    from gis.db import stations as station_sql
    from gis.stations.service import station_isochrones

    if not stations or station_sql.current_network(conn) is None:
        return {}
    reach = station_isochrones(
        conn, access.networks.get(conn), stations, minutes=minutes, settings=access.settings
    )
    conn.commit()  # keep the isochrone cache
    walks: dict[float, list[Any]] = {}
    for (_, tier), polygon in reach.polygons.items():
        walks.setdefault(tier, []).append(polygon)
    return walks


def stations_page(
    conn: Any,
    options: MapOptions,
    access: Access,
    *,
    station_type: str | None = None,
    mode: str = "network",
) -> Page:
    """Stations by type with circles and isochrones; with a type, the areas it leaves uncovered."""
    from gis.db import stations as station_sql
    from gis.stations.analytics import coverage_report

    code = access.catalogue.find(station_type).code if station_type else None
    stations = station_sql.list_stations(conn, station_type=code)
    rings = _circles(stations, access)
    walks = _walks(conn, stations, sorted(rings), access)
    uncovered = None
    if code is not None:
        network = access.networks.get(conn) if walks else None
        report = coverage_report(
            conn,
            station_type=code,
            mode=mode if network else "circle",
            catalogue=access.catalogue,
            settings=access.settings,
            network=network,
        )
        uncovered = [
            shapely.geometry.shape(f["geometry"])
            for f in report["features"]
            if f.get("geometry") and f["properties"].get("level") == "grid"
        ]
    grids = area_sql.find_areas(conn, level=Level.GRID)
    types = {t.code: (t.zh, t.en) for t in access.catalogue}
    return stations_map(
        grids, stations, types, options, circles=rings, isochrones=walks, uncovered=uncovered
    )
