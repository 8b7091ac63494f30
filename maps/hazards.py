"""The hazard map: incidents as clustered markers coloured by status, and a heat map.

Markers are drawn in the browser from a compact array (``FastMarkerCluster``), so 10,000
incidents stay a few MB of HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import folium
import geopandas as gpd
from folium.plugins import FastMarkerCluster, HeatMap

from gis import clock
from gis.crs import STORAGE_CRS
from gis.incidents.lifecycle import LABELS_ZH
from gis.incidents.records import Incident
from maps.base import Legend, MapOptions, finish, for_display, new_map
from maps.grids import COLORS, grid_outline_tiles, simplified
from maps.safe import script_json

STATUS_COLORS = {
    "needs_location": "#7f7f7f",
    "reported": "#d62728",
    "triaged": "#ff7f0e",
    "dispatched": "#bcbd22",
    "in_progress": "#9467bd",
    "resolved": "#2ca02c",
    "closed": "#1f77b4",
    "rejected": "#8c564b",
    "duplicate": "#c7c7c7",
    "transferred": "#17becf",
    "reopened": "#e377c2",
}
MARKER_JS = """
function (row) {
    var t = %(tables)s;
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 6, color: t.colors[row[2]], weight: 1, fillColor: t.colors[row[2]],
         fillOpacity: 0.8});
    var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) {
        return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}[c]; }); };
    var values = [t.categories[row[3]], t.statuses[row[2]], row[4], row[5], row[6], row[7]];
    marker.bindPopup(t.fields.map(function (f, i) {
        return "<b>" + esc(f) + "</b>: " + esc(values[i]); }).join("<br>"));
    return marker;
}"""
DESCRIPTION_CHARS = 60


def _tables(
    options: MapOptions, statuses: list[str], categories: list[str], category_names: dict[str, str]
) -> str:
    """The lookup tables the marker callback uses, so each incident is a short array.

    The tables are written into the page's script (`script_json`); the callback escapes each
    value as HTML (``esc``, the browser-side twin of `maps.safe.html_text`) for the popup.
    """
    fields = [
        options.t("类别", "Category"),
        options.t("状态", "Status"),
        options.t("上报时间", "Reported"),
        options.t("办结时间", "Closed"),
        options.t("网格", "Grid"),
        options.t("描述", "Description"),
    ]
    return script_json(
        {
            "colors": [STATUS_COLORS.get(s, "#333") for s in statuses],
            "statuses": [LABELS_ZH.get(s, s) if options.lang == "zh" else s for s in statuses],
            "categories": [category_names.get(c, c) for c in categories],
            "fields": fields,
        }
    )


def _rows(
    located: list[Incident],
    shown: gpd.GeoDataFrame,
    statuses: list[str],
    categories: list[str],
) -> list[list[Any]]:
    return [
        [
            round(p.y, 6),
            round(p.x, 6),
            statuses.index(r.status),
            categories.index(r.category),
            _when(r.reported_at),
            _when(r.closed_at or r.resolved_at),
            r.grid_code or "",
            (r.description or "")[:DESCRIPTION_CHARS],
        ]
        for p, r in zip(shown.geometry, located, strict=True)
    ]


def hazard_map(
    areas: gpd.GeoDataFrame,
    incidents: Sequence[Incident],
    options: MapOptions,
    *,
    category_names: dict[str, str] | None = None,
    tiled: bool = False,
) -> folium.Map:
    """Incidents (those with a point) over grid outlines, by status.

    ``tiled``: ``areas`` are the scope's top areas, and the grids are drawn from vector tiles.
    """
    located = [r for r in incidents if r.located]
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([r.lon for r in located], [r.lat for r in located]),
        crs=STORAGE_CRS,
    )
    bounds = areas.total_bounds if not areas.empty else points.total_bounds
    page = new_map(tuple(float(v) for v in bounds), options)  # type: ignore[arg-type]
    if tiled:
        grid_outline_tiles(page, list(areas["code"]), options)
    elif not areas.empty:
        outlines = areas.loc[areas["level"] == "grid", ["code", "name", "geometry"]]
        grids = simplified(for_display(outlines, options))
        folium.GeoJson(
            grids[["code", "name", "geometry"]],
            name=options.t("网格", "Grids"),
            style_function=lambda _: {"color": COLORS["grid"], "weight": 1, "fillOpacity": 0.05},
            tooltip=folium.GeoJsonTooltip(["name", "code"], aliases=["", ""]),
        ).add_to(page)
    shown = for_display(points, options) if located else points
    statuses = sorted({r.status for r in located})
    categories = sorted({r.category for r in located})
    data = _rows(located, shown, statuses, categories)
    callback = MARKER_JS % {"tables": _tables(options, statuses, categories, category_names or {})}
    FastMarkerCluster(data, callback=callback, name=options.t("事件", "Incidents")).add_to(page)
    HeatMap(
        [[row[0], row[1]] for row in data],
        name=options.t("热力图", "Heat map"),
        show=False,
        radius=18,
    ).add_to(page)
    labels = [LABELS_ZH.get(s, s) if options.lang == "zh" else s for s in statuses]
    legend = Legend(
        options.t("事件状态", "Status"),
        [(STATUS_COLORS.get(s, "#333"), label) for s, label in zip(statuses, labels, strict=True)],
    )
    return finish(page, options, legend, title=options.t("隐患与事件地图", "Hazard map"))


def _when(value: datetime | None) -> str:
    """A time as people read it, in the configured zone; empty when there is none."""
    return clock.shown(value) if value is not None else ""
