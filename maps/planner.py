"""Planner maps: a plan's check findings and its diff (before/after outlines, moved pieces).

Each layer says what it drew, and the legend lists exactly that: the outlines with their dash,
the moved pieces, each rule found (its colour and whether it is drawn as an area or a dot),
the findings that have no place on the map, and the grid labels (name · households).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from gis.checks.model import Finding, sort_findings
from gis.checks.wording import rule_name, severity_name, source_name
from gis.crs import STORAGE_CRS
from maps.base import HideBelowZoom, Legend, MapOptions, Note, finish, for_display, new_map
from maps.coords import latlon
from maps.grids import short_label
from maps.safe import html_text

RULE_COLORS = {"gap": "#d62728", "overlap": "#ff7f0e", "outside-parent": "#9467bd"}
OTHER_RULE = "#8c564b"
BEFORE, AFTER, MOVED, LABEL = "#7f7f7f", "#1f77b4", "#2ca02c", "#333"
BEFORE_DASH = "6 4"
LABELS_AT_ANY_ZOOM = 30  # more labels than this show only from LABEL_ZOOM on
LABEL_ZOOM = 15
Key = tuple[str, str, str]
"""A legend entry: colour, label, symbol (`maps.base.SYMBOLS`)."""
_UNITS = {"m²": ("m²", "m²"), "households": ("户", "households"), "parts": ("个", "parts")}


def rule_color(rule: str) -> str:
    """The colour a rule's findings are drawn in (`OTHER_RULE` for the rules without one)."""
    return RULE_COLORS.get(rule, OTHER_RULE)


def grid_label(name: object, code: str, households: object, options: MapOptions) -> str:
    """A grid's label: its short name and households, e.g. ``第03网格 · 412户`` (plain text).

    Examples
    --------
    >>> grid_label("中国农业大学东校区社区第03网格", "110108010019003", 412.0, MapOptions())
    '第03网格 · 412户'
    >>> grid_label(None, "110108010019003", None, MapOptions("en"))
    '003'
    """
    name = short_label(name) if isinstance(name, str) and name.strip() else code[-3:]
    if households is None or pd.isna(households):
        return name
    count = f"{float(households):,.0f}"  # type: ignore[arg-type]
    return f"{name} · {options.t(f'{count}户', f'{count} households')}"


def _measure(found: Finding, options: MapOptions) -> str:
    """The finding's measure with its unit: ``1,000.0 m²``, ``620 户``, ``0.031``."""
    if found.unit == "ratio":
        return f"{found.measure:.3f}"
    unit = options.t(*_UNITS.get(found.unit, (found.unit, found.unit)))
    digits = 1 if found.unit == "m²" else 0
    return f"{found.measure:,.{digits}f} {unit}"


def _outlines(
    page: folium.Map,
    areas: gpd.GeoDataFrame,
    name: str,
    style: tuple[str, str | None],
    options: MapOptions,
) -> list[Key]:
    """The outlines of ``areas`` in ``style`` (colour, dash), their names in tooltips."""
    if areas.empty:
        return []
    color, dash = style
    # a plan's areas say their households and where the figure comes from (registry or area share)
    counted = [c for c in ("households", "households_source") if c in areas]
    shown = areas[["code", "name", *counted, "geometry"]].copy()
    if "households_source" in shown:
        shown["households_source"] = [
            source_name(s, options.lang) if isinstance(s, str) else s
            for s in shown["households_source"]
        ]
    aliases = {
        "households": options.t("户数", "Households"),
        "households_source": options.t("来源", "Source"),
    }
    folium.GeoJson(
        for_display(shown, options),
        name=name,
        style_function=lambda _: {"color": color, "weight": 2, "fill": False, "dashArray": dash},
        tooltip=folium.GeoJsonTooltip(
            ["name", "code", *counted], aliases=["", "", *(aliases[c] for c in counted)]
        ),
    ).add_to(page)
    return [(color, name, "dash" if dash else "line")]


def _pieces(page: folium.Map, pieces: gpd.GeoDataFrame, options: MapOptions) -> list[Key]:
    """The pieces that change area, in green, with where they go and the households moved."""
    if pieces.empty:
        return []
    moved = pieces.assign(area=pieces["area_m2"].round(1))[
        ["from_code", "to_code", "area", "households_moved", "geometry"]
    ]
    name = options.t("调整地块", "Moved pieces")
    folium.GeoJson(
        for_display(moved, options),
        name=name,
        style_function=lambda _: {"color": MOVED, "weight": 1, "fillOpacity": 0.5},
        popup=folium.GeoJsonPopup(
            ["from_code", "to_code", "area", "households_moved"],
            aliases=[
                options.t("调出", "From"),
                options.t("调入", "To"),
                options.t("面积 (m²)", "Area (m²)"),
                options.t("迁移户数", "Households moved"),
            ],
        ),
    ).add_to(page)
    return [(MOVED, name, "area")]


def _symbol(geometry: shapely.Geometry) -> str:
    """How a finding's geometry is drawn: a ``dot`` (circle marker), a ``line`` or an ``area``."""
    kind = shapely.get_type_id(geometry)
    return {0: "dot", 4: "dot", 1: "line", 5: "line"}.get(int(kind), "area")


def _finding_keys(drawn: list[Finding], unplaced: list[Finding], options: MapOptions) -> list[Key]:
    """One entry per rule and symbol drawn, with its count; the findings not on the map."""
    counts: dict[tuple[str, str], int] = {}
    for found in drawn:
        key = (found.rule, _symbol(found.geometry))
        counts[key] = counts.get(key, 0) + 1
    keys = [
        (rule_color(rule), f"{rule_name(rule, options.lang)}{_count(n, options)}", symbol)
        for (rule, symbol), n in counts.items()
    ]
    if unplaced:
        rules: dict[str, int] = {}
        for found in unplaced:
            rules[found.rule] = rules.get(found.rule, 0) + 1
        named = options.t("、", ", ").join(
            f"{rule_name(r, options.lang)}{_count(n, options)}" for r, n in rules.items()
        )
        keys.append((LABEL, options.t(f"未标在图上：{named}", f"Not on the map: {named}"), "none"))
    if not drawn and not unplaced:
        keys.append((LABEL, options.t("检查未发现问题", "The checks found nothing"), "none"))
    return keys


def _count(n: int, options: MapOptions) -> str:
    return options.t(f"（{n}）", f" ({n})")


def _findings_layer(page: folium.Map, findings: Sequence[Any], options: MapOptions) -> list[Key]:
    """The findings in their rule's colour; a popup names the rule and says the finding."""
    ordered = sort_findings(findings)
    drawn = [f for f in ordered if f.geometry is not None and not shapely.is_empty(f.geometry)]
    unplaced = [f for f in ordered if f.geometry is None or shapely.is_empty(f.geometry)]
    if drawn:
        lang = options.lang
        frame = gpd.GeoDataFrame(
            {
                "rule": [f.rule for f in drawn],
                "rule_name": [rule_name(f.rule, lang) for f in drawn],
                "severity": [severity_name(f.severity, lang) for f in drawn],
                "codes": [options.t("、", ", ").join(f.codes) for f in drawn],
                "measure": [_measure(f, options) for f in drawn],
                "message": [f.message_in(lang) for f in drawn],
            },
            geometry=[f.geometry for f in drawn],
            crs=STORAGE_CRS,
        )
        folium.GeoJson(
            for_display(frame, options),
            name=options.t("检查结果", "Findings"),
            style_function=_finding_style,
            marker=folium.CircleMarker(radius=6),
            popup=folium.GeoJsonPopup(
                ["rule_name", "severity", "codes", "measure", "message"],
                aliases=[
                    options.t("问题", "Rule"),
                    options.t("级别", "Severity"),
                    options.t("网格", "Grids"),
                    options.t("量度", "Measure"),
                    options.t("说明", "Message"),
                ],
                max_width=360,
            ),
        ).add_to(page)
    return _finding_keys(drawn, unplaced, options)


def _finding_style(feature: dict[str, Any]) -> dict[str, Any]:
    color = rule_color(feature["properties"]["rule"])
    return {"color": color, "weight": 3, "fill": True, "fillColor": color, "fillOpacity": 0.6}


def _labels(page: folium.Map, areas: gpd.GeoDataFrame, options: MapOptions) -> list[Key]:
    """Each area's name and households at a point inside it (hidden zoomed out when many)."""
    areas = areas[areas.geometry.notna() & ~areas.geometry.is_empty]
    if areas.empty:
        return []
    group = folium.FeatureGroup(name=options.t("网格标注", "Labels"), show=True)
    far = len(areas) > LABELS_AT_ANY_ZOOM
    css = "gm-label gm-centred gm-far" if far else "gm-label gm-centred"
    points = shapely.point_on_surface(for_display(areas[["geometry"]], options).geometry.to_numpy())
    households = areas["households"] if "households" in areas else [None] * len(areas)
    for point, name, code, count in zip(
        points, areas["name"], areas["code"], households, strict=True
    ):
        text = html_text(grid_label(name, str(code), count, options))
        folium.Marker(
            latlon(point.x, point.y),
            icon=folium.DivIcon(html=f'<div class="{css}">{text}</div>', icon_size=(0, 0)),
            interactive=False,
        ).add_to(group)
    group.add_to(page)
    label = options.t("网格标注：名称 · 户数", "Grid label: name · households")
    if far:
        page.add_child(HideBelowZoom(LABEL_ZOOM))
        label += options.t("（放大后显示）", " (shown zoomed in)")
    return [(LABEL, label, "text")]


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

    The proposed grids are labelled with their name and households. ``heading`` and ``note``
    (plain text: the plan's number and its note) head the page; the legend explains every
    colour and symbol drawn.
    """
    both = [f for f in (current, proposed) if not f.empty]
    bounds = gpd.GeoDataFrame(
        geometry=[g for f in both for g in f.geometry], crs=STORAGE_CRS
    ).total_bounds
    page = new_map(tuple(float(v) for v in bounds), options)  # type: ignore[arg-type]
    before, after = options.t("现行边界", "Current"), options.t("调整方案", "Proposed")
    keys = _outlines(page, current, before, (BEFORE, BEFORE_DASH), options)
    keys += _outlines(page, proposed, after, (AFTER, None), options)
    keys += _pieces(page, pieces, options)
    keys += _findings_layer(page, findings, options)
    keys += _labels(page, proposed, options)
    if heading or note:
        page.add_child(Note(heading, note))
    legend = Legend(options.t("图例", "Legend"), list(keys))
    return finish(page, options, legend, title=options.t("调整方案", "Redraw plan"))
