"""Planner maps: a plan's check findings and its diff (before/after outlines, moved pieces)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd

from gis.crs import STORAGE_CRS
from maps.base import Legend, MapOptions, Note, finish, for_display, new_map

RULE_COLORS = {"gap": "#d62728", "overlap": "#ff7f0e", "outside-parent": "#9467bd"}
OTHER_RULE = "#8c564b"
BEFORE, AFTER, MOVED = "#7f7f7f", "#1f77b4", "#2ca02c"


def _outlines(
    page: folium.Map,
    areas: gpd.GeoDataFrame,
    name: str,
    color: str,
    dash: str | None,
    options: MapOptions,
) -> None:
    if areas.empty:
        return
    # a plan's areas say their households and where the figure comes from (registry or area share)
    counted = [c for c in ("households", "households_source") if c in areas]
    shown = for_display(areas[["code", "name", *counted, "geometry"]], options)
    aliases = {
        "households": options.t("户数", "Households"),
        "households_source": options.t("来源", "Source"),
    }
    folium.GeoJson(
        shown,
        name=name,
        style_function=lambda _: {"color": color, "weight": 2, "fill": False, "dashArray": dash},
        tooltip=folium.GeoJsonTooltip(
            ["name", "code", *counted], aliases=["", "", *(aliases[c] for c in counted)]
        ),
    ).add_to(page)


def _findings_layer(page: folium.Map, findings: Sequence[Any], options: MapOptions) -> None:
    rows = [f for f in findings if f.geometry is not None and not f.geometry.is_empty]
    if not rows:
        return
    frame = gpd.GeoDataFrame(
        {
            "rule": [f.rule for f in rows],
            "severity": [f.severity for f in rows],
            "codes": [", ".join(f.codes) for f in rows],
            "measure": [f"{f.measure:,.2f} {f.unit}" for f in rows],
            "message": [f.message for f in rows],
        },
        geometry=[f.geometry for f in rows],
        crs=STORAGE_CRS,
    )
    folium.GeoJson(
        for_display(frame, options),
        name=options.t("检查结果", "Findings"),
        style_function=lambda f: {
            "color": RULE_COLORS.get(f["properties"]["rule"], OTHER_RULE),
            "weight": 3,
            "fillOpacity": 0.6,
        },
        marker=folium.CircleMarker(radius=6),
        popup=folium.GeoJsonPopup(
            ["rule", "severity", "codes", "measure", "message"],
            aliases=[
                options.t("规则", "Rule"),
                options.t("级别", "Severity"),
                options.t("网格", "Grids"),
                options.t("量度", "Measure"),
                options.t("说明", "Message"),
            ],
        ),
    ).add_to(page)


def plan_map(
    current: gpd.GeoDataFrame,
    proposed: gpd.GeoDataFrame,
    findings: Sequence[Any],
    pieces: gpd.GeoDataFrame,
    options: MapOptions,
    *,
    heading: str = "",
    note: str = "",
) -> folium.Map:
    """Before (grey, dashed) and after (blue) outlines, moved pieces (green), findings on top.

    ``heading`` and ``note`` (plain text: the plan's number and its note) head the page.
    """
    both = [f for f in (current, proposed) if not f.empty]
    bounds = gpd.GeoDataFrame(
        geometry=[g for f in both for g in f.geometry], crs=STORAGE_CRS
    ).total_bounds
    page = new_map(tuple(float(v) for v in bounds), options)  # type: ignore[arg-type]
    _outlines(page, current, options.t("现行边界", "Current"), BEFORE, "6 4", options)
    _outlines(page, proposed, options.t("调整方案", "Proposed"), AFTER, None, options)
    if not pieces.empty:
        moved = pieces.assign(area=pieces["area_m2"].round(1))[
            ["from_code", "to_code", "area", "households_moved", "geometry"]
        ]
        folium.GeoJson(
            for_display(moved, options),
            name=options.t("调整地块", "Moved pieces"),
            style_function=lambda _: {"color": MOVED, "weight": 1, "fillOpacity": 0.5},
            popup=folium.GeoJsonPopup(
                ["from_code", "to_code", "area", "households_moved"],
                aliases=[
                    options.t("调出", "From"),
                    options.t("调入", "To"),
                    "m²",
                    options.t("迁移户数", "Households moved"),
                ],
            ),
        ).add_to(page)
    _findings_layer(page, findings, options)
    if heading or note:
        page.add_child(Note(heading, note))
    legend = Legend(
        options.t("图例", "Legend"),
        [
            (BEFORE, options.t("现行边界", "Current")),
            (AFTER, options.t("调整方案", "Proposed")),
            (MOVED, options.t("调整地块", "Moved piece")),
            (RULE_COLORS["gap"], options.t("缝隙", "Gap")),
            (RULE_COLORS["overlap"], options.t("重叠", "Overlap")),
            (RULE_COLORS["outside-parent"], options.t("超出社区", "Outside parent")),
        ],
    )
    return finish(page, options, legend, title=options.t("调整方案", "Redraw plan"))
