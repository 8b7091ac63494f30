"""Map pages (Folium, rendered by ``maps/``) and the static assets they load, all same-origin."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api import pages
from api.access import Open, requires
from api.deps import Id, Rt
from api.schemas import GridFacts
from gis.errors import NotFound
from gis.identity.access import Acting
from gis.incidents.lifecycle import parse_statuses
from gis.tiles import parse_tile
from gis.usecases import pages as page_data
from gis.usecases import planning
from gis.values import parse_period
from maps.assets import static_file
from maps.base import MapOptions, map_options
from maps.grids import names_on_duty
from maps.safe import html_text

router = APIRouter(tags=["maps"])
Lang = Annotated[str | None, Query(description="zh (default) | en")]
Basemap = Annotated[str | None, Query(description="none (default) | osm | tianditu | amap")]
Measure = Annotated[str | None, Query(description=" | ".join(pages.MEASURES))]
CoverageType = Annotated[
    str | None, Query(alias="type", description="station type for coverage_share")
]
MapReader = Annotated[Acting, requires("maps:read")]
"""The map pages: signed in (the login page), showing only the caller's areas."""


@router.get("/static/{path:path}", include_in_schema=False)
def static(_: Open, path: str) -> FileResponse:
    """Leaflet, its plugins and the other assets the map pages load."""
    found = static_file(path)
    if found is None:
        raise NotFound(f"path: no static file {path!r}")
    return FileResponse(found, headers={"Cache-Control": "public, max-age=86400"})


def _options(rt: Rt, lang: str | None, basemap: str | None, tk: str | None) -> MapOptions:
    return map_options(lang, basemap, tk or rt.maps.tianditu_tk)


def _page(page: Any) -> HTMLResponse:
    return HTMLResponse(page.get_root().render())


FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" '
    'fill="#00695c"/><path d="M0 8h16M8 0v16" stroke="#fff"/></svg>'
)


@router.get("/favicon.ico", include_in_schema=False)
def favicon(_: Open) -> Response:
    """A small grid icon, so browsers asking for one get it."""
    return Response(FAVICON, media_type="image/svg+xml")


@router.get("/maps", response_class=HTMLResponse)
@router.get("/maps/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, acting: MapReader, lang: Lang = None) -> HTMLResponse:
    """The list of map pages, who is signed in, and a sign-out button (with the CSRF token)."""
    options = map_options(lang)
    links = [
        ("grids.html", options.t("网格地图", "Grid map")),
        ("hazards.html", options.t("隐患与事件地图", "Hazard map")),
        ("stations.html", options.t("服务站点与一刻钟生活圈", "Stations and 15-minute circles")),
    ]
    if acting.may("plans:read", None):
        links.append(("plans.html", options.t("网格调整方案", "Redraw plans")))
    items = "".join(
        f'<li><a href="/maps/{html_text(href)}">{html_text(label)}</a></li>'
        for href, label in links
    )
    title = html_text(options.t("gridmap 地图", "gridmap maps"))
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><h1>{title}</h1>{_signed_in(request, acting, options)}"
        f"<ul>{items}</ul></body></html>"
    )


def _signed_in(request: Request, acting: Acting, options: MapOptions) -> str:
    """Who is signed in, and the sign-out form (a session's: it carries the CSRF token)."""
    csrf = getattr(request.state, "csrf", None)
    if csrf is None:
        return ""
    who = html_text(options.t(f"已登录：{acting.login}", f"Signed in as {acting.login}"))
    leave = html_text(options.t("退出", "Sign out"))
    return (
        f"<form class='gm-user' method='post' action='/logout'><span>{who}</span> "
        f"<input type='hidden' name='csrf_token' value='{html_text(csrf)}'>"
        f"<button type='submit'>{leave}</button></form>"
    )


@router.get("/maps/grids.html", response_class=HTMLResponse)
def grids_page(
    rt: Rt,
    acting: Annotated[Acting, requires("maps:read", opened_by="public_grid_map")],
    scope: Annotated[str | None, Query(description="area code to show (and below)")] = None,
    measure: Measure = None,
    start: str | None = None,
    end: str | None = None,
    station_type: CoverageType = None,
    lang: Lang = None,
    basemap: Basemap = None,
    tk: str | None = None,
) -> HTMLResponse:
    """Grids by level with labels and popups; a choropleth by ``measure``.

    Over ``GRIDMAP_MAP_TILES_ABOVE`` areas the page draws them from vector tiles, and each
    tile's grids are styled from `grid_facts`.
    """
    options = _options(rt, lang, basemap, tk)
    page = page_data.grids_page(
        rt,
        acting=acting,
        scope=scope,
        measure=measure,
        period=parse_period(start, end),
        station_type=station_type,
        tiles_above=rt.maps.map_tiles_above,
    )
    asked = {"measure": measure, "start": start, "end": end, "type": station_type, "lang": lang}
    query = urlencode({k: v for k, v in asked.items() if v is not None})
    facts_url = FACTS_URL + (f"?{query}" if query else "")
    return _page(pages.grids(page, options, facts_url=facts_url))


FACTS_URL = "/maps/grids/facts/{z}/{y}/{x}.json"
"""Where a tiled grid map asks for a tile's grid facts (zoom, row, column)."""


@router.get(
    "/maps/grids/facts/{tile_matrix}/{tile_row}/{tile_col}.json",
    responses={200: {"model": GridFacts, "description": "the tile's grids"}},
)
def grid_facts(
    rt: Rt,
    acting: Annotated[Acting, requires("maps:read", opened_by="public_grid_map")],
    tile_matrix: str,
    tile_row: str,
    tile_col: str,
    measure: Measure = None,
    start: str | None = None,
    end: str | None = None,
    station_type: CoverageType = None,
    lang: Lang = None,
) -> dict[str, Any]:
    """What the tiled grid map shows of the grids of one WebMercatorQuad tile.

    ``values``: each grid's ``measure`` (null: no value); ``unstaffed``: the grids lacking a
    网格长 or a 专职网格员; ``popup``: each grid's staff, open incidents and value, as text.
    Only the grids in the caller's scope are answered.
    """
    options = _options(rt, lang, None, None)
    facts = page_data.grid_facts(
        rt,
        acting=acting,
        tile=parse_tile(tile_matrix, tile_col, tile_row),
        measure=measure,
        period=parse_period(start, end),
        station_type=station_type,
    )
    nobody = options.t("无", "none")
    popup = {}
    for code in facts.codes:
        people = facts.staff.get(code, [])
        rows: dict[str, Any] = {
            "grid_leader": names_on_duty(people, "grid_leader", nobody),
            "full_time": names_on_duty(people, "full_time", nobody),
            "open_incidents": facts.open_incidents.get(code, 0),
        }
        value = facts.values.get(code)
        if value is not None:
            rows["measure"] = round(value, 3)
        popup[code] = rows
    return {"values": facts.values, "unstaffed": facts.unstaffed, "popup": popup}


@router.get("/maps/hazards.html", response_class=HTMLResponse)
def hazards_page(
    rt: Rt,
    acting: MapReader,
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
    options = _options(rt, lang, basemap, tk)
    page = page_data.hazards_page(
        rt,
        acting=acting,
        category=category,
        statuses=parse_statuses(status),
        scope=scope,
        period=parse_period(start, end),
        tiles_above=rt.maps.map_tiles_above,
    )
    return _page(pages.hazards(page, options))


@router.get("/maps/plans/{plan_id}.html", response_class=HTMLResponse)
def plan_page(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    lang: Lang = None,
    basemap: Basemap = None,
    tk: str | None = None,
) -> HTMLResponse:
    """A plan's check findings (gaps red, overlaps orange, outside-parent purple) and its diff."""
    options = _options(rt, lang, basemap, tk)
    return _page(pages.plan(planning.review(rt, plan_id, acting=acting), options))


@router.get("/maps/stations.html", response_class=HTMLResponse)
def stations_page(
    rt: Rt,
    acting: MapReader,
    station_type: Annotated[
        str | None, Query(alias="type", description="a station type: what it leaves uncovered")
    ] = None,
    mode: Annotated[str, Query(description="circle | network (uncovered areas)")] = "network",
    lang: Lang = None,
    basemap: Basemap = None,
    tk: str | None = None,
) -> HTMLResponse:
    """Stations by type, their 5/10/15-minute circles and walking isochrones, uncovered areas."""
    options = _options(rt, lang, basemap, tk)
    page = page_data.stations_page(
        rt,
        acting=acting,
        station_type=station_type,
        mode=mode,
        tiles_above=rt.maps.map_tiles_above,
    )
    return _page(pages.stations(page, options))
