"""The stations map: stations by type, circles, walking isochrones and uncovered areas.

The 5/10/15-minute circles and the walking isochrones are separate toggleable layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import shapely

from gis.crs import STORAGE_CRS
from gis.stations.records import Station
from maps.base import Legend, MapOptions, finish, for_display, new_map
from maps.coords import latlon
from maps.grids import COLORS, grid_outline_tiles, simplified
from maps.safe import html_text, popup, tooltip

TYPE_COLORS = (
    "#c62828",
    "#ad1457",
    "#6a1b9a",
    "#283593",
    "#0277bd",
    "#00838f",
    "#2e7d32",
    "#9e9d24",
    "#ef6c00",
    "#4e342e",
    "#37474f",
)
TIER_OPACITY = {5: 0.25, 10: 0.15, 15: 0.08}
UNCOVERED = "#ff1744"


def _badge(label: str, color: str) -> folium.DivIcon:
    return folium.DivIcon(
        html=(
            f'<div class="gm-station" style="background:{color};color:#fff;border-radius:50%;'
            f"width:22px;height:22px;line-height:22px;text-align:center;font:bold 12px "
            f'sans-serif;border:2px solid #fff;box-shadow:0 0 3px #000">{html_text(label)}</div>'
        ),
        icon_size=(22, 22),
        icon_anchor=(11, 11),
    )


def _polygons_layer(
    page: folium.Map,
    name: str,
    geoms: list[shapely.Geometry],
    color: str,
    opacity: float,
    options: MapOptions,
    show: bool,
) -> None:
    if not geoms:
        return
    frame = for_display(gpd.GeoDataFrame(geometry=geoms, crs=STORAGE_CRS), options)
    folium.GeoJson(
        frame,
        name=name,
        show=show,
        style_function=lambda _: {"color": color, "weight": 1, "fillOpacity": opacity},
    ).add_to(page)


def _tier_layers(
    page: folium.Map,
    names: tuple[str, str],
    tiers: dict[float, list[shapely.Geometry]],
    color: str,
    options: MapOptions,
    *,
    show_largest: bool,
) -> None:
    """One layer per tier (minutes), smallest first; ``names`` are (Chinese, English) formats."""
    zh, en = names
    for minutes in sorted(tiers):
        _polygons_layer(
            page,
            options.t(zh.format(minutes), en.format(minutes)),
            tiers[minutes],
            color,
            TIER_OPACITY.get(int(minutes), 0.1),
            options,
            show=show_largest and minutes == max(tiers),
        )


def stations_map(
    grids: gpd.GeoDataFrame,
    stations: Sequence[Station],
    types: dict[str, tuple[str, str]],
    options: MapOptions,
    *,
    circles: dict[float, list[shapely.Geometry]],
    isochrones: dict[float, list[shapely.Geometry]],
    uncovered: list[shapely.Geometry] | None = None,
    tiled: bool = False,
) -> folium.Map:
    """Stations with circle and isochrone layers (and, given, the areas a type leaves uncovered).

    ``tiled``: ``grids`` are the top areas in scope, and the grids are drawn from vector tiles.

    ``types`` maps a type code to its (Chinese, English) names; ``circles`` and ``isochrones``
    map minutes to polygons (EPSG:4326).
    """
    points = [(s.lon, s.lat) for s in stations]
    extent = [*grids.geometry, *(shapely.Point(p) for p in points)]
    page = new_map(tuple(float(v) for v in shapely.total_bounds(extent)), options)  # type: ignore[arg-type]
    if tiled:
        grid_outline_tiles(page, list(grids["code"]), options)
    elif not grids.empty:
        folium.GeoJson(
            simplified(for_display(grids[["code", "name", "geometry"]], options)),
            name=options.t("网格", "Grids"),
            style_function=lambda _: {"color": COLORS["grid"], "weight": 1, "fill": False},
        ).add_to(page)
    circle_names = ("{:g}分钟圈（半径）", "{:g}-minute circles")
    _tier_layers(page, circle_names, circles, "#1565c0", options, show_largest=True)
    walk_names = ("{:g}分钟步行等时圈", "{:g}-minute walk")
    _tier_layers(page, walk_names, isochrones, "#2e7d32", options, show_largest=False)
    if uncovered:
        _polygons_layer(
            page,
            options.t("未覆盖区域", "Uncovered"),
            uncovered,
            UNCOVERED,
            0.35,
            options,
            show=True,
        )
    colors = {code: TYPE_COLORS[i % len(TYPE_COLORS)] for i, code in enumerate(sorted(types))}
    _markers(page, stations, types, colors, options)
    present = sorted({s.type for s in stations})
    legend = Legend(
        options.t("站点类型", "Station types"),
        [(colors[t], options.t(*types[t])) for t in present if t in types],
    )
    return finish(
        page,
        options,
        legend,
        title=options.t("服务站点与一刻钟生活圈", "Stations and 15-minute circles"),
    )


def _markers(
    page: folium.Map,
    stations: Sequence[Station],
    types: dict[str, tuple[str, str]],
    colors: dict[str, str],
    options: MapOptions,
) -> None:
    group = folium.FeatureGroup(name=options.t("服务站点", "Stations"), show=True)
    shown = for_display(
        gpd.GeoDataFrame(
            geometry=gpd.points_from_xy([s.lon for s in stations], [s.lat for s in stations]),
            crs=STORAGE_CRS,
        ),
        options,
    )
    for station, point in zip(stations, shown.geometry, strict=True):
        zh, _ = types.get(station.type, (station.type,) * 2)
        marker = folium.Marker(
            latlon(point.x, point.y), icon=_badge(zh[:1], colors.get(station.type, "#333"))
        )
        marker.add_child(popup(_popup_html(station, types, options), max_width=260))
        marker.add_child(tooltip(html_text(station.name)))
        marker.add_to(group)
    group.add_to(page)


def _popup_html(station: Station, types: dict[str, tuple[str, str]], options: MapOptions) -> str:
    """A station's name, type (flagged when outside every grid) and opening hours, as HTML."""
    type_name = options.t(*types.get(station.type, (station.type,) * 2))
    flag = options.t("（不在任何网格内）", " (outside every grid)") if station.outside_grid else ""
    lines = [f"<b>{html_text(station.name)}</b>", html_text(type_name + flag)]
    if station.opening_hours:
        label = options.t("开放时间", "Opening hours")
        lines.append(f"{html_text(label)}: {html_text(station.opening_hours)}")
    return "<br>".join(lines)
