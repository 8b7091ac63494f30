"""The grid map: district → subdistrict → community → grid outlines, labels, popups, choropleth."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.areas import ORDER, Level
from maps.base import Legend, MapOptions, finish, for_display, new_map
from maps.coords import latlon
from maps.safe import html_text

WEIGHTS = {"district": 4.0, "subdistrict": 3.0, "community": 2.0, "grid": 1.0}
COLORS = {"district": "#6a1b9a", "subdistrict": "#283593", "community": "#00695c", "grid": "#555"}
PALETTE = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603")
SIMPLIFY_DEG = 2e-6  # ~0.2 m: display only, coverage-preserving


def simplified(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Coverage-preserving simplification for display (neighbouring grids still meet)."""
    geoms = shapely.coverage_simplify(frame.geometry.to_numpy(), SIMPLIFY_DEG)
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


NO_DATA = "#ddd"


def classes(values: pd.Series, no_data: str = "无数据") -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Five quantile classes: each value's colour, and the legend entries.

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
    known = numbers[~missing]
    absent = [(NO_DATA, no_data)] if missing.any() else []
    if known.size == 0:
        return np.full(len(values), NO_DATA, dtype=object), absent
    edges = np.unique(np.quantile(known, np.linspace(0, 1, len(PALETTE) + 1)))
    index = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, len(PALETTE) - 1)
    colors = np.where(missing, NO_DATA, np.array(PALETTE, dtype=object)[index])
    if edges.size == 1:
        return colors, [(PALETTE[0], f"{edges[0]:.3g}"), *absent]
    legend = [(PALETTE[i], f"{edges[i]:.3g} – {edges[i + 1]:.3g}") for i in range(edges.size - 1)]
    return colors, [*legend, *absent]


def _popup_frame(
    grids: gpd.GeoDataFrame, open_incidents: dict[str, int], measure: pd.Series | None
) -> gpd.GeoDataFrame:
    attributes = grids["attributes"] if "attributes" in grids else pd.Series([{}] * len(grids))
    frame = grids[["code", "name", "geometry"]].copy()
    frame["households"] = grids["households"].map(lambda v: "" if pd.isna(v) else int(v))
    frame["worker"] = [
        str((a or {}).get("worker") or (a or {}).get("网格员") or "") for a in attributes
    ]
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
) -> folium.Map:
    """A grid map of ``areas`` (current areas of any levels, EPSG:4326), fitted to them.

    ``measure`` (indexed by grid code) colours the grids in five classes with a legend.
    """
    west, south, east, north = (float(v) for v in areas.total_bounds)
    page = new_map((west, south, east, north), options)
    colors = None
    for level in ORDER:
        rows = areas[areas["level"] == level.value]
        if rows.empty:
            continue
        rows = simplified(rows)
        if level is Level.GRID:
            colors = _grid_layer(page, rows, options, open_incidents or {}, measure)
        else:
            _outline_layer(page, rows, level, options)
    _labels(page, areas[areas["level"] == "grid"], options)
    legend = None
    if measure is not None and colors is not None:
        legend = Legend(measure_label, colors)
    else:
        legend = Legend(
            options.t("图例", "Legend"),
            [(COLORS[lv], options.t(lv.label_zh, lv.label_en)) for lv in ORDER],
        )
    return finish(page, options, legend, title=options.t("网格地图", "Grid map"))


def _outline_layer(
    page: folium.Map, rows: gpd.GeoDataFrame, level: Level, options: MapOptions
) -> None:
    group = folium.FeatureGroup(name=options.t(level.label_zh, level.label_en), show=True)
    style = {"color": COLORS[level], "weight": WEIGHTS[level], "fill": False}
    folium.GeoJson(
        for_display(rows[["code", "name", "geometry"]], options),
        style_function=lambda _: style,
        tooltip=folium.GeoJsonTooltip(["name", "code"], aliases=["", ""]),
        name=level,
    ).add_to(group)
    group.add_to(page)


def _grid_layer(
    page: folium.Map,
    rows: gpd.GeoDataFrame,
    options: MapOptions,
    open_incidents: dict[str, int],
    measure: pd.Series | None,
) -> list[tuple[str, str]] | None:
    frame = for_display(_popup_frame(rows, open_incidents, measure), options)
    legend = None
    if measure is not None:
        fill, legend = classes(frame["measure"].astype(float), options.t("无数据", "No data"))
        frame["fill"] = fill
    else:
        frame["fill"] = "#9ecae1"
    fields = ["name", "code", "households", "worker", "open_incidents"]
    aliases = [
        options.t("网格", "Grid"),
        options.t("编码", "Code"),
        options.t("户数", "Households"),
        options.t("网格员", "Grid worker"),
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


def _labels(page: folium.Map, grids: gpd.GeoDataFrame, options: MapOptions) -> None:
    if grids.empty:
        return
    group = folium.FeatureGroup(name=options.t("标注", "Labels"), show=True)
    shown = for_display(grids[["geometry"]], options)
    points = shapely.point_on_surface(shown.geometry.to_numpy())
    for point, name, code in zip(points, grids["name"], grids["code"], strict=True):
        label = f"{html_text(short_label(name))}<br>{html_text(code[-3:])}"
        folium.Marker(
            latlon(point.x, point.y),
            icon=folium.DivIcon(html=f'<div class="gm-label">{label}</div>', icon_size=(0, 0)),
        ).add_to(group)
    group.add_to(page)
