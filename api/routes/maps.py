"""Map pages (Folium, rendered by ``maps/``) and the static assets they load, all same-origin."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.deps import DB
from gis.areas import Level
from gis.db import areas as area_sql
from gis.db import incidents as incident_sql
from gis.db.stats import incident_stats
from gis.errors import InvalidInput, NotFound
from gis.incidents.lifecycle import LABELS_ZH, OPEN
from gis.values import parse_time
from maps.assets import static_file
from maps.base import MapOptions, map_options
from maps.grids import grid_map
from maps.hazards import hazard_map

router = APIRouter(tags=["maps"])
MEASURES = {
    "incidents_per_100_households": ("每百户事件数", "Incidents per 100 households"),
    "closure_rate": ("办结率", "Closure rate"),
}
Lang = Annotated[str | None, Query(description="zh (default) | en")]
Basemap = Annotated[str | None, Query(description="none (default) | osm | tianditu | amap")]


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> FileResponse:
    """Leaflet, its plugins and the other assets the map pages load."""
    found = static_file(path)
    if found is None:
        raise NotFound(f"path: no static file {path!r}")
    return FileResponse(found, headers={"Cache-Control": "public, max-age=86400"})


def _options(request: Request, lang: str | None, basemap: str | None, tk: str | None) -> MapOptions:
    return map_options(lang, basemap, tk or request.app.state.map_settings.tianditu_tk)


def _page(page: Any) -> HTMLResponse:
    return HTMLResponse(page.get_root().render())


FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" '
           'fill="#00695c"/><path d="M0 8h16M8 0v16" stroke="#fff"/></svg>')


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """A small grid icon, so browsers asking for one get it."""
    return Response(FAVICON, media_type="image/svg+xml")


@router.get("/maps", response_class=HTMLResponse)
@router.get("/maps/", response_class=HTMLResponse, include_in_schema=False)
def index(lang: Lang = None) -> HTMLResponse:
    """The list of map pages."""
    options = map_options(lang)
    links = [
        ("grids.html", options.t("网格地图", "Grid map")),
        ("hazards.html", options.t("隐患与事件地图", "Hazard map")),
        ("stations.html", options.t("服务站点与一刻钟生活圈", "Stations and 15-minute circles")),
    ]
    items = "".join(f'<li><a href="/maps/{href}">{escape(label)}</a></li>' for href, label in links)
    title = options.t("gridmap 地图", "gridmap maps")
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><h1>{title}</h1><ul>{items}</ul></body></html>"
    )


def _measure(
    conn: Any, name: str, areas: Any, start: datetime | None, end: datetime | None
) -> pd.Series:
    rows = pd.DataFrame(
        incident_stats(
            conn, level=Level.GRID, by="current", start=start, end=end, now=datetime.now(UTC)
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


@router.get("/maps/grids.html", response_class=HTMLResponse)
def grids_page(
    request: Request,
    conn: DB,
    scope: Annotated[str | None, Query(description="area code to show (and below)")] = None,
    measure: Annotated[str | None, Query(description=" | ".join(MEASURES))] = None,
    start: str | None = None,
    end: str | None = None,
    lang: Lang = None,
    basemap: Basemap = None,
    tk: str | None = None,
) -> HTMLResponse:
    """Grids by level with labels and popups; a choropleth by ``measure``."""
    options = _options(request, lang, basemap, tk)
    if measure is not None and measure not in MEASURES:
        raise InvalidInput(f"measure: {measure!r} is not one of {', '.join(MEASURES)}")
    first, last = (
        parse_time(start, "start") if start else None,
        parse_time(end, "end") if end else None,
    )
    if first and last and first >= last:
        raise InvalidInput(f"start: {start} is not before end {end}")
    areas = area_sql.find_areas(conn, scope=scope)
    if areas.empty:
        raise NotFound(f"scope: no current area {scope!r}" if scope else "areas: none loaded yet")
    values = _measure(conn, measure, areas, first, last) if measure else None
    label = options.t(*MEASURES[measure]) if measure else ""
    return _page(
        grid_map(
            areas, options, open_incidents=_open_counts(conn), measure=values, measure_label=label
        )
    )


@router.get("/maps/hazards.html", response_class=HTMLResponse)
def hazards_page(
    request: Request,
    conn: DB,
    category: Annotated[str, Query(description="a category code/name, or all")] = "hazard",
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    scope: Annotated[str | None, Query(description="grid/community/… code prefix")] = None,
    start: str | None = None,
    end: str | None = None,
    lang: Lang = None,
    basemap: Basemap = None,
    tk: str | None = None,
) -> HTMLResponse:
    """Incidents of a category as clustered markers by status, and a heat map."""
    options = _options(request, lang, basemap, tk)
    catalogue = request.app.state.catalogue
    code = None if category == "all" else catalogue.find(category).code
    first, last = (
        parse_time(start, "start") if start else None,
        parse_time(end, "end") if end else None,
    )
    if first and last and first >= last:
        raise InvalidInput(f"start: {start} is not before end {end}")
    statuses = status.split(",") if status else None
    unknown = [s for s in statuses or [] if s not in LABELS_ZH]
    if unknown:
        raise InvalidInput(f"status: unknown {', '.join(unknown)}; known: {', '.join(LABELS_ZH)}")
    areas = area_sql.find_areas(conn, level=Level.GRID, scope=scope)
    if scope and areas.empty:
        raise NotFound(f"scope: no current grids under {scope!r}")
    rows = incident_sql.list_incidents(
        conn, category=code, status=statuses, scope=scope, start=first, end=last, limit=100_000
    )
    names = {c.code: options.t(c.zh, c.en) for c in catalogue}
    return _page(hazard_map(areas, rows, options, category_names=names))
