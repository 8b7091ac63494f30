"""The grid map: district → subdistrict → community → grid outlines, labels, popups, choropleth.

A grid's popup names its community, 网格长 and 专职网格员 from the roster; the grids lacking
one are outlined red and dashed in a layer of their own, counted in the legend.

Labels never cover one another: a grid's short name (第08网格) sits inside it (`maps.labels`)
and shows from the first zoom at which no two grid labels' boxes overlap; below it, the
community layer names the communities instead (from their own such zoom on).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.areas import ORDER, Level
from gis.roster.people import OnDuty
from gis.tiles import COLLECTION_OF, COLLECTIONS
from maps.base import (
    HideBelowZoom,
    Legend,
    MapOptions,
    TileFacts,
    VectorTiles,
    finish,
    for_display,
    new_map,
)
from maps.coords import latlon
from maps.labels import free_zoom, label_points, text_width
from maps.safe import html_text

WEIGHTS = {"district": 4.0, "subdistrict": 3.0, "community": 2.0, "grid": 1.0}
COLORS = {"district": "#6a1b9a", "subdistrict": "#283593", "community": "#00695c", "grid": "#555"}
PALETTE = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603")
SIMPLIFY_DEG = 2e-6  # ~0.2 m: display only, coverage-preserving
UNSTAFFED_COLOR = "#d62728"
UNSTAFFED_STYLE = {"color": UNSTAFFED_COLOR, "weight": 2.5, "dashArray": "6 4", "fill": False}
COMMUNITY_FONT_PX = 13.0
COMMUNITY_LABEL_STYLE = f"font-weight:bold;font-size:{COMMUNITY_FONT_PX:g}px;color:#00695c"
Staff = Mapping[str, Sequence[OnDuty]]
"""Each grid's current roster people by grid code (`gis.usecases.pages.GridsPage.staff`)."""


def simplified(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Coverage-preserving simplification for display (neighbouring grids still meet)."""
    geoms = shapely.coverage_simplify(frame.geometry.to_numpy(), SIMPLIFY_DEG)
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


NO_DATA = "#ddd"


def class_edges(values: pd.Series) -> np.ndarray:
    """The edges of five quantile classes of the finite ``values`` (fewer when they repeat).

    Examples
    --------
    >>> class_edges(pd.Series([0.0, 10.0, 20.0, 30.0, 40.0, 50.0, float("nan")])).round(6).tolist()
    [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    >>> class_edges(pd.Series([2.0, 2.0, float("inf")])).tolist()
    [2.0]
    """
    numbers = values.to_numpy(dtype=float)
    known = numbers[np.isfinite(numbers)]
    if known.size == 0:
        return np.array([], dtype=float)
    return np.unique(np.quantile(known, np.linspace(0, 1, len(PALETTE) + 1)))


def class_legend(edges: np.ndarray, absent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The legend of the classes of ``edges`` (colour, range), then ``absent``'s entries."""
    if edges.size == 0:
        return absent
    if edges.size == 1:
        return [(PALETTE[0], f"{edges[0]:.3g}"), *absent]
    legend = [(PALETTE[i], f"{edges[i]:.3g} – {edges[i + 1]:.3g}") for i in range(edges.size - 1)]
    return [*legend, *absent]


def classes(values: pd.Series, no_data: str = "无数据") -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Five quantile classes (`class_edges`): each value's colour, and the legend entries.

    A missing or infinite value (a rate over 0 households) has no class: it is drawn grey and
    the legend says ``no_data``; classes that collapse to one value are labelled by it.

    Examples
    --------
    >>> colors, legend = classes(pd.Series([0.0, 1.0, 2.0, 3.0, 4.0]))
    >>> colors[0], colors[-1], len(legend)
    ('#fff5eb', '#a63603', 5)
    >>> classes(pd.Series([0.0, 0.0, float("inf"), None]), "no data")[1]
    [('#fff5eb', '0'), ('#ddd', 'no data')]
    """
    numbers = values.to_numpy(dtype=float)
    missing = ~np.isfinite(numbers)
    absent = [(NO_DATA, no_data)] if missing.any() else []
    edges = class_edges(values)
    if edges.size == 0:
        return np.full(len(values), NO_DATA, dtype=object), absent
    index = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, len(PALETTE) - 1)
    colors = np.where(missing, NO_DATA, np.array(PALETTE, dtype=object)[index])
    return colors, class_legend(edges, absent)


def names_on_duty(people: Sequence[OnDuty], duty: str, nobody: str = "无") -> str:
    """The names of the people holding ``duty``, joined (``nobody`` when none does).

    Examples
    --------
    >>> people = [OnDuty(1, "王专职", None, "full_time", "110108010019001", None, 1),
    ...           OnDuty(2, "李网格长", None, "grid_leader", "110108010019001", None, 2),
    ...           OnDuty(3, "赵专职", None, "full_time", "110108010019001", None, 3)]
    >>> names_on_duty(people, "full_time"), names_on_duty(people, "part_time", "none")
    ('王专职、赵专职', 'none')
    """
    return "、".join(p.name for p in people if p.duty == duty) or nobody


def _popup_frame(
    grids: gpd.GeoDataFrame,
    open_incidents: dict[str, int],
    measure: pd.Series | None,
    staff: Staff,
    nobody: str,
    communities: Mapping[str, str],
) -> gpd.GeoDataFrame:
    frame = grids[["code", "name", "geometry"]].copy()
    parents = grids["parent_code"] if "parent_code" in grids else pd.Series(None, grids.index)
    frame["community"] = ["" if pd.isna(p) else communities.get(p, str(p)) for p in parents]
    frame["households"] = grids["households"].map(lambda v: "" if pd.isna(v) else int(v))
    for duty in ("grid_leader", "full_time"):
        frame[duty] = [names_on_duty(staff.get(c, ()), duty, nobody) for c in grids["code"]]
    frame["open_incidents"] = [open_incidents.get(c, 0) for c in grids["code"]]
    if measure is not None:
        frame["measure"] = [
            round(float(v), 3) if pd.notna(v) and np.isfinite(v) else None
            for v in measure.reindex(grids["code"]).to_numpy()
        ]
    return frame


def grid_map(
    areas: gpd.GeoDataFrame,
    options: MapOptions,
    *,
    open_incidents: dict[str, int] | None = None,
    measure: pd.Series | None = None,
    measure_label: str = "",
    staff: Staff | None = None,
    unstaffed: Collection[str] | None = None,
) -> folium.Map:
    """A grid map of ``areas`` (current areas of any levels, EPSG:4326), fitted to them.

    ``measure`` (indexed by grid code) colours the grids in five classes with a legend.
    ``staff`` names each grid's 网格长 and 专职网格员 in its popup; ``unstaffed`` (grid codes)
    are outlined in the layer `unstaffed_label`, and counted in the legend (None: no layer).
    """
    west, south, east, north = (float(v) for v in areas.total_bounds)
    page = new_map((west, south, east, north), options)
    colors = None
    grids = areas[areas["level"] == Level.GRID.value]
    named = areas[areas["level"] == Level.COMMUNITY.value]
    communities = dict(zip(named["code"], named["name"].map(community_label), strict=True))
    for level in ORDER:
        rows = areas[areas["level"] == level.value]
        if rows.empty:
            continue
        rows = simplified(rows)
        if level is Level.GRID:
            colors = _grid_layer(
                page, rows, options, open_incidents or {}, measure, staff or {}, communities
            )
            if unstaffed is not None:
                _unstaffed_layer(page, rows, unstaffed, options)
        else:
            group = _outline_layer(page, rows, level, options)
            if level is Level.COMMUNITY:
                _community_labels(page, group, rows, options, zoomed_out=not grids.empty)
    _labels(page, grids, options)
    count = None if unstaffed is None else len(unstaffed)
    legend = _legend(options, colors if measure is not None else None, measure_label, count)
    return finish(page, options, legend, title=options.t("网格地图", "Grid map"))


TILES_URL = "/ogc/collections/{collection}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
"""Where a tiled grid map's tiles come from (OGC API - Tiles: zoom, row, column)."""


def tiled_grid_map(
    top: gpd.GeoDataFrame,
    options: MapOptions,
    *,
    levels: Collection[str],
    facts_url: str,
    measure: pd.Series | None = None,
    measure_label: str = "",
    unstaffed: int | None = None,
) -> folium.Map:
    """A grid map of many areas, drawn from vector tiles: the page holds no per-area data.

    ``top`` are the scope's top areas: the map is fitted to them and draws only the areas
    under them (tiles hold every current area). Each level of ``levels`` is a layer of
    `maps.base.VectorTiles` over ``/ogc/collections/{id}/tiles``; the grids' layer asks
    ``facts_url`` (``{z}/{y}/{x}``) for each tile's grids: their ``measure`` values, coloured by
    the classes of all of ``measure`` (its legend), their unstaffed outline (``unstaffed``: how
    many in all, for the legend; None: no such layer) and their popup rows. A click on a grid
    fetches it (``GET /areas/{code}``) into a popup; there are no labels (one marker an area).
    """
    west, south, east, north = (float(v) for v in top.total_bounds)
    page = new_map((west, south, east, north), options)
    roots = list(top["code"])
    edges = None if measure is None else class_edges(measure.astype(float))
    for level in ORDER:
        if level.value not in levels:
            continue
        group = folium.FeatureGroup(name=options.t(level.label_zh, level.label_en), show=True)
        url = TILES_URL.format(collection=COLLECTION_OF[level])
        if level is Level.GRID:
            tiles = _grid_tiles(page, url, options, roots, facts_url, edges, unstaffed is not None)
        else:
            style = {"color": COLORS[level], "weight": WEIGHTS[level], "fill": False}
            tiles = VectorTiles(
                page,
                url,
                COLLECTION_OF[level],
                style,
                roots=roots,
                min_zoom=COLLECTIONS[COLLECTION_OF[level]].min_zoom,
            )
        group.add_child(tiles)
        group.add_to(page)
    colors = None
    if measure is not None and edges is not None:
        no_data = options.t("无数据", "No data")
        missing = bool((~np.isfinite(measure.to_numpy(dtype=float))).any()) or edges.size == 0
        colors = class_legend(edges, [(NO_DATA, no_data)] if missing else [])
    legend = _legend(options, colors, measure_label, unstaffed)
    return finish(page, options, legend, title=options.t("网格地图", "Grid map"))


def grid_outline_tiles(page: folium.Map, roots: Sequence[str], options: MapOptions) -> None:
    """The outlines of the grids under ``roots``, drawn from vector tiles (a layer "网格").

    For the maps of more grids than a page holds (`GRIDMAP_MAP_TILES_ABOVE`): the hazard and
    station maps draw their context this way, the page holding no grid.
    """
    group = folium.FeatureGroup(name=options.t("网格", "Grids"), show=True)
    style = {"color": COLORS["grid"], "weight": 1, "fill": False}
    url = TILES_URL.format(collection="grids")
    min_zoom = COLLECTIONS["grids"].min_zoom
    group.add_child(VectorTiles(page, url, "grids", style, roots=roots, min_zoom=min_zoom))
    group.add_to(page)


def _grid_tiles(
    page: folium.Map,
    url: str,
    options: MapOptions,
    roots: list[str],
    facts_url: str,
    edges: np.ndarray | None,
    outline_unstaffed: bool,
) -> VectorTiles:
    """The grids' tiles: filled by class, the unstaffed outlined, a click opens the popup."""
    style = {
        "color": COLORS["grid"],
        "weight": WEIGHTS["grid"],
        "fill": True,
        "fillColor": "#9ecae1",
        "fillOpacity": 0.5,
    }
    popup = [
        ("name", options.t("网格", "Grid")),
        ("code", options.t("编码", "Code")),
        ("households", options.t("户数", "Households")),
        ("population", options.t("人口", "Population")),
    ]
    facts = TileFacts(
        facts_url,
        edges=None if edges is None else [float(e) for e in edges],
        palette=PALETTE,
        no_data=NO_DATA,
        marked_style=UNSTAFFED_STYLE if outline_unstaffed else {},
        popup=[
            ("grid_leader", options.t("网格长", "Grid leader")),
            ("full_time", options.t("专职网格员", "Full-time worker")),
            ("open_incidents", options.t("未办结事件", "Open incidents")),
            ("measure", options.t("指标值", "Value")),
        ],
    )
    return VectorTiles(
        page,
        url,
        "grids",
        style,
        roots=roots,
        facts=facts,
        popup=popup,
        min_zoom=COLLECTIONS["grids"].min_zoom,
    )


def unstaffed_label(options: MapOptions) -> str:
    """The name of the layer of grids lacking a 网格长 or a 专职网格员."""
    return options.t("无专职网格员的网格", "Grids without a full-time worker")


def _legend(
    options: MapOptions,
    colors: list[tuple[str, str]] | None,
    measure_label: str,
    unstaffed: int | None,
) -> Legend:
    """The measure's classes (else each level's outline colour), and how many are unstaffed."""
    if colors is not None:
        title, entries = measure_label, colors
    else:
        title = options.t("图例", "Legend")
        entries = [(COLORS[lv], options.t(lv.label_zh, lv.label_en)) for lv in ORDER]
    if unstaffed is not None:
        label = f"{unstaffed_label(options)}: {unstaffed}"
        entries = [*entries, (UNSTAFFED_COLOR, label)]
    return Legend(title, entries)


def _unstaffed_layer(
    page: folium.Map, rows: gpd.GeoDataFrame, unstaffed: Collection[str], options: MapOptions
) -> None:
    """Red dashed outlines of the ``unstaffed`` grids among ``rows``, letting clicks through.

    Not interactive, so a click on an outlined grid still opens that grid's popup. The layer
    is listed even when no grid lacks anyone (the check ran and found none).
    """
    group = folium.FeatureGroup(name=unstaffed_label(options), show=True)
    shown = rows[rows["code"].isin(list(unstaffed))]
    if not shown.empty:
        folium.GeoJson(
            for_display(shown[["code", "geometry"]], options),
            name="unstaffed",
            style_function=lambda _: UNSTAFFED_STYLE,
            interactive=False,
        ).add_to(group)
    group.add_to(page)


def _outline_layer(
    page: folium.Map, rows: gpd.GeoDataFrame, level: Level, options: MapOptions
) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=options.t(level.label_zh, level.label_en), show=True)
    style = {"color": COLORS[level], "weight": WEIGHTS[level], "fill": False}
    folium.GeoJson(
        for_display(rows[["code", "name", "geometry"]], options),
        style_function=lambda _: style,
        tooltip=folium.GeoJsonTooltip(["name", "code"], aliases=["", ""]),
        name=level,
    ).add_to(group)
    group.add_to(page)
    return group


def _grid_layer(
    page: folium.Map,
    rows: gpd.GeoDataFrame,
    options: MapOptions,
    open_incidents: dict[str, int],
    measure: pd.Series | None,
    staff: Staff,
    communities: Mapping[str, str],
) -> list[tuple[str, str]] | None:
    nobody = options.t("无", "none")
    frame = _popup_frame(rows, open_incidents, measure, staff, nobody, communities)
    frame = for_display(frame, options)
    legend = None
    if measure is not None:
        fill, legend = classes(frame["measure"].astype(float), options.t("无数据", "No data"))
        frame["fill"] = fill
    else:
        frame["fill"] = "#9ecae1"
    fields = [
        *("name", "code", "community", "households", "grid_leader", "full_time"),
        "open_incidents",
    ]
    aliases = [
        options.t("网格", "Grid"),
        options.t("编码", "Code"),
        options.t("社区", "Community"),
        options.t("户数", "Households"),
        options.t("网格长", "Grid leader"),
        options.t("专职网格员", "Full-time grid worker"),
        options.t("未办结事件", "Open incidents"),
    ]
    if measure is not None:
        fields, aliases = [*fields, "measure"], [*aliases, options.t("指标", "Measure")]
    group = folium.FeatureGroup(name=options.t("网格", "Grids"), show=True)
    folium.GeoJson(
        frame,
        name="grid",
        style_function=lambda f: {
            "color": COLORS["grid"],
            "weight": WEIGHTS["grid"],
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.5,
        },
        highlight_function=lambda _: {"weight": 3, "color": "#d62728"},
        tooltip=folium.GeoJsonTooltip(["name", "code"], aliases=["", ""]),
        popup=folium.GeoJsonPopup(fields, aliases=aliases),
    ).add_to(group)
    group.add_to(page)
    return legend


def short_label(name: str) -> str:
    """A grid's label without its community prefix.

    Examples
    --------
    >>> short_label("中国农业大学东校区社区第01网格")
    '第01网格'
    """
    return re.sub(r"^.*?(社区|村)(?=.)", "", name)


def community_label(name: str) -> str:
    """A community's name on the map: without 居委会 / 村委会.

    Examples
    --------
    >>> community_label("石油大院社区居委会"), community_label("双泉嘉苑社区")
    ('石油大院社区', '双泉嘉苑社区')
    """
    return re.sub(r"(居委会|村委会|居民委员会|村民委员会)$", "", name)


def _place_labels(
    group: folium.FeatureGroup,
    rows: gpd.GeoDataFrame,
    texts: Sequence[str],
    options: MapOptions,
    *,
    css: str,
    font_px: float,
    style: str = "",
) -> int:
    """Put each text inside its area; returns the zoom from which none covers another."""
    points = label_points(for_display(rows[["geometry"]], options).geometry.to_numpy())
    for point, text in zip(points, texts, strict=True):
        styled = f' style="{style}"' if style else ""
        folium.Marker(
            latlon(point.x, point.y),
            icon=folium.DivIcon(
                html=f'<div class="{css}"{styled}>{html_text(text)}</div>', icon_size=(0, 0)
            ),
            interactive=False,
        ).add_to(group)
    widths = [text_width(text, font_px) for text in texts]
    return free_zoom(shapely.get_x(points), shapely.get_y(points), widths)


def _labels(page: folium.Map, grids: gpd.GeoDataFrame, options: MapOptions) -> None:
    """Each grid's short name inside it, shown from the zoom at which none covers another."""
    if grids.empty:
        return
    group = folium.FeatureGroup(name=options.t("标注", "Labels"), show=True)
    texts = [short_label(name) for name in grids["name"]]
    zoom = _place_labels(
        group, grids, texts, options, css="gm-label gm-centred gm-far gm-grid", font_px=12.0
    )
    group.add_to(page)
    page.add_child(HideBelowZoom(zoom))


def _community_labels(
    page: folium.Map,
    group: folium.FeatureGroup,
    rows: gpd.GeoDataFrame,
    options: MapOptions,
    *,
    zoomed_out: bool,
) -> None:
    """The communities' names in their layer: while the grids' are hidden (``zoomed_out``).

    They too hide below the zoom at which two of them would overlap.
    """
    css = "gm-label gm-centred gm-community " + ("gm-near" if zoomed_out else "gm-far")
    texts = [community_label(name) for name in rows["name"]]
    zoom = _place_labels(
        group, rows, texts, options, css=css, font_px=COMMUNITY_FONT_PX, style=COMMUNITY_LABEL_STYLE
    )
    if zoom > 0:
        page.add_child(HideBelowZoom(zoom, "gm-zoomed-far" if zoomed_out else "gm-zoomed-out"))
