"""The hazard map: incidents as clustered markers coloured by status, and a heat map.

Markers are drawn in the browser from a compact array (``FastMarkerCluster``), so 10,000
incidents stay a few MB of HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
from folium.plugins import FastMarkerCluster, HeatMap

from gis.incidents.lifecycle import LABELS_ZH
from maps.base import Legend, MapOptions, finish, for_display, new_map
from maps.grids import COLORS, simplified

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
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 6, color: row[2], weight: 1, fillColor: row[2], fillOpacity: 0.8});
    marker.bindPopup(row[3]);
    return marker;
}"""


def _popup(row: dict[str, Any], options: MapOptions, category_names: dict[str, str]) -> str:
    status = str(row.get("status"))
    lines = [
        (
            options.t("类别", "Category"),
            category_names.get(str(row.get("category")), row.get("category")),
        ),
        (
            options.t("状态", "Status"),
            LABELS_ZH.get(status, status) if options.lang == "zh" else status,
        ),
        (options.t("上报时间", "Reported"), str(row.get("reported_at", ""))[:16]),
        (
            options.t("办结时间", "Closed"),
            str(row.get("closed_at") or row.get("resolved_at") or "")[:16],
        ),
        (options.t("网格", "Grid"), row.get("grid_code") or ""),
        (options.t("描述", "Description"), str(row.get("description") or "")[:200]),
    ]
    return "<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(str(v))}" for k, v in lines)


def hazard_map(
    areas: gpd.GeoDataFrame,
    incidents: Sequence[dict[str, Any]],
    options: MapOptions,
    *,
    category_names: dict[str, str] | None = None,
) -> folium.Map:
    """Incidents (dicts with lon, lat, status, category, dates, grid_code) over grid outlines."""
    located = [r for r in incidents if r.get("lon") is not None and r.get("lat") is not None]
    points = gpd.GeoDataFrame(
        located,
        geometry=gpd.points_from_xy([r["lon"] for r in located], [r["lat"] for r in located]),
        crs=4326,
    )
    bounds = areas.total_bounds if not areas.empty else points.total_bounds
    page = new_map(tuple(float(v) for v in bounds), options)  # type: ignore[arg-type]
    if not areas.empty:
        grids = simplified(for_display(areas[areas["level"] == "grid"], options))
        folium.GeoJson(
            grids[["code", "name", "geometry"]],
            name=options.t("网格", "Grids"),
            style_function=lambda _: {"color": COLORS["grid"], "weight": 1, "fillOpacity": 0.05},
            tooltip=folium.GeoJsonTooltip(["name", "code"], aliases=["", ""]),
        ).add_to(page)
    shown = for_display(points, options) if located else points
    names = category_names or {}
    data = [
        [p.y, p.x, STATUS_COLORS.get(str(r["status"]), "#333"), _popup(r, options, names)]
        for p, r in zip(shown.geometry, located, strict=True)
    ]
    FastMarkerCluster(data, callback=MARKER_JS, name=options.t("事件", "Incidents")).add_to(page)
    HeatMap(
        [[row[0], row[1]] for row in data],
        name=options.t("热力图", "Heat map"),
        show=False,
        radius=18,
    ).add_to(page)
    present = sorted({str(r["status"]) for r in located})
    legend = Legend(
        options.t("事件状态", "Status"),
        [
            (STATUS_COLORS.get(s, "#333"), LABELS_ZH.get(s, s) if options.lang == "zh" else s)
            for s in present
        ],
    )
    return finish(page, options, legend)
