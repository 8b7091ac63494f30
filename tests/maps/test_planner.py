"""Issue 14: the plan page: grid labels, a legend for every colour and symbol, readable popups."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import pytest
import shapely
from branca.element import Element

from gis.checks import Finding, check_areas
from maps.base import PAGE_CSS, HideBelowZoom, Legend, map_options
from maps.grids import grid_map
from maps.planner import AFTER, BEFORE, LABEL, MOVED, OTHER_RULE, RULE_COLORS, plan_map
from tests.gis.checks import zoo


def _elements(element: Element) -> list[Element]:
    return [element, *(e for child in element._children.values() for e in _elements(child))]


def _legend(page: folium.Map) -> Legend:
    (legend,) = [c for c in page._children.values() if isinstance(c, Legend)]
    return legend


def _drawn_colours(page: folium.Map) -> set[str]:
    """Every stroke and fill colour the page's GeoJSON layers give their features."""
    colours = set()
    for layer in _elements(page):
        if isinstance(layer, folium.GeoJson) and layer.style_function is not None:
            for feature in layer.data["features"]:
                style = layer.style_function(feature)
                colours |= {style[k] for k in ("color", "fillColor") if k in style}
    return colours


def _labels(page: folium.Map) -> list[str]:
    return [e.options["html"] for e in _elements(page) if isinstance(e, folium.DivIcon)]


def _findings_layer(page: folium.Map) -> folium.GeoJson:
    (layer,) = [
        e
        for e in _elements(page)
        if isinstance(e, folium.GeoJson) and e.layer_name in ("检查结果", "Findings")
    ]
    return layer


@pytest.fixture
def proposed() -> gpd.GeoDataFrame:
    """Three grids: a gap (red), an overlap (orange), and grid 3 too big (size balance, brown)."""
    geoms = [zoo.LEFT, shapely.box(110, 0, 160, 100), shapely.box(150, 0, 200, 100)]
    return zoo.areas(geoms, households=[412, 400, 900])


@pytest.fixture
def findings(proposed: gpd.GeoDataFrame) -> list[Finding]:
    return check_areas(proposed, parent=zoo.PARENT)


@pytest.fixture
def pieces() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"from_code": [zoo.CODES[1]], "to_code": [zoo.CODES[0]], "area_m2": [10.0]}
        | {"households_moved": [3]},
        geometry=[zoo.lonlat(shapely.box(100, 0, 110, 10))],
        crs=4326,
    )


def _page(
    proposed: gpd.GeoDataFrame, findings: list[Any], pieces: gpd.GeoDataFrame, lang: str = "zh"
) -> folium.Map:
    current = zoo.areas([zoo.LEFT, zoo.RIGHT])
    return plan_map(current, proposed, findings, pieces, map_options(lang))


def test_the_findings_of_the_fixture_cover_three_colours(findings: list[Finding]) -> None:
    rules = {f.rule for f in findings}
    assert {"gap", "overlap", "size-balance"} <= rules


def test_legend_explains_every_colour_drawn(
    proposed: gpd.GeoDataFrame, findings: list[Finding], pieces: gpd.GeoDataFrame
) -> None:
    page = _page(proposed, findings, pieces)
    drawn = _drawn_colours(page)
    assert {BEFORE, AFTER, MOVED, RULE_COLORS["gap"], RULE_COLORS["overlap"], OTHER_RULE} <= drawn
    explained = {colour for colour, _ in _legend(page).entries}
    assert drawn <= explained
    assert LABEL in explained  # the labels' own entry


def test_legend_shows_each_symbol_as_drawn(
    proposed: gpd.GeoDataFrame, findings: list[Finding], pieces: gpd.GeoDataFrame
) -> None:
    legend = _legend(_page(proposed, findings, pieces))
    entries = {
        label: (colour, symbol)
        for (colour, label), symbol in zip(legend.entries, legend.symbols, strict=True)
    }
    assert entries["现行边界"] == (BEFORE, "dash")
    assert entries["调整方案"] == (AFTER, "line")
    assert entries["调整地块"] == (MOVED, "area")
    assert entries["缝隙（1）"] == (RULE_COLORS["gap"], "area")
    assert entries["重叠（1）"] == (RULE_COLORS["overlap"], "area")
    assert entries["户数偏离（1）"] == (OTHER_RULE, "dot")
    assert entries["网格标注：名称 · 户数"] == (LABEL, "text")
    rows = "".join(swatch for swatch, _ in legend.rows)
    assert 'stroke="#7f7f7f" stroke-width="2" stroke-dasharray="6 4"' in rows
    assert '<circle cx="11" cy="6" r="5" fill="#8c564b"' in rows


def test_legend_in_english(
    proposed: gpd.GeoDataFrame, findings: list[Finding], pieces: gpd.GeoDataFrame
) -> None:
    labels = [label for _, label in _legend(_page(proposed, findings, pieces, "en")).entries]
    assert labels == [
        "Current",
        "Proposed",
        "Moved pieces",
        "Gap (1)",
        "Overlap (1)",
        "Size balance (1)",
        "Grid label: name · households",
    ]


def test_each_proposed_grid_is_labelled_with_name_and_households(
    proposed: gpd.GeoDataFrame, findings: list[Finding], pieces: gpd.GeoDataFrame
) -> None:
    page = _page(proposed, findings, pieces)
    labels = _labels(page)
    assert [label.split(">")[1].split("<")[0] for label in labels] == [
        "第01网格 · 412户",
        "第02网格 · 400户",
        "第03网格 · 900户",
    ]
    assert not any(isinstance(e, HideBelowZoom) for e in _elements(page))  # few: always shown
    markers = [e for e in _elements(page) if isinstance(e, folium.Marker)]
    inside = [
        shapely.contains(grid, shapely.Point(m.location[1], m.location[0]))
        for m, grid in zip(markers, proposed.geometry, strict=True)
    ]
    assert all(inside) and all(m.options["interactive"] is False for m in markers)


def test_labels_in_english_and_escaped(pieces: gpd.GeoDataFrame) -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[412, None])
    grids["name"] = ["<b>第01网格</b>", None]
    labels = _labels(plan_map(grids, grids, [], pieces, map_options("en")))
    assert "&lt;b&gt;第01网格&lt;/b&gt; · 412 households" in labels[0]
    assert ">002<" in labels[1]  # no name, no households: the code's last digits
    assert "<b>" not in "".join(labels)


def test_many_labels_hide_while_zoomed_out(pieces: gpd.GeoDataFrame) -> None:
    boxes = [shapely.box(i * 10, 0, i * 10 + 10, 100) for i in range(31)]
    grids = zoo.areas(boxes, codes=[f"{zoo.COMMUNITY}{i:03d}" for i in range(1, 32)])
    page = plan_map(grids, grids, [], pieces, map_options())
    (gate,) = [e for e in _elements(page) if isinstance(e, HideBelowZoom)]
    assert gate.zoom == 15 and all("gm-far" in label for label in _labels(page))
    assert "网格标注：名称 · 户数（放大后显示）" in [label for _, label in _legend(page).entries]
    assert "gm-zoomed-out" in page.get_root().render()


def test_finding_popup_names_the_rule_in_chinese_with_the_message(
    proposed: gpd.GeoDataFrame, findings: list[Finding], pieces: gpd.GeoDataFrame
) -> None:
    layer = _findings_layer(_page(proposed, findings, pieces))
    props = {f["properties"]["rule"]: f["properties"] for f in layer.data["features"]}
    assert props["gap"]["rule_name"] == "缝隙" and props["gap"]["severity"] == "错误"
    assert props["gap"]["message"].startswith("缝隙 ")
    assert props["size-balance"]["measure"] == "900 户"
    assert props["size-balance"]["message"].startswith(f"{zoo.CODES[2]}：900 户，超过上限 500")
    (popup,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup)]
    assert popup.fields[:2] == ["rule_name", "severity"] and popup.aliases[0] == "问题"


def test_finding_popup_in_english(
    proposed: gpd.GeoDataFrame, findings: list[Finding], pieces: gpd.GeoDataFrame
) -> None:
    layer = _findings_layer(_page(proposed, findings, pieces, "en"))
    props = {f["properties"]["rule"]: f["properties"] for f in layer.data["features"]}
    assert props["gap"]["rule_name"] == "Gap" and props["gap"]["message"].startswith("gap of ")
    assert props["size-balance"]["measure"] == "900 households"


def test_findings_without_a_place_and_no_findings_are_said(pieces: gpd.GeoDataFrame) -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[None, 400])
    missing = check_areas(grids, parent=zoo.PARENT)
    assert [f.rule for f in missing] == ["households-missing"]
    said = [
        label
        for _, label in _legend(plan_map(grids, grids, missing, pieces, map_options())).entries
    ]
    assert "未标在图上：缺少户数（1）" in said
    clean = [
        label for _, label in _legend(plan_map(grids, grids, [], pieces, map_options())).entries
    ]
    assert "检查未发现问题" in clean


def test_popup_headers_never_wrap(pieces: gpd.GeoDataFrame) -> None:
    """On every page (the grid map too): a Chinese header stays on one line."""
    assert ".leaflet-popup-content th{white-space:nowrap;" in PAGE_CSS
    assert ".leaflet-popup-content td{min-width:8em;" in PAGE_CSS
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT]).assign(level="grid")
    for page in (grid_map(grids, map_options()), plan_map(grids, grids, [], pieces, map_options())):
        assert f"<style>{PAGE_CSS}</style>" in page.get_root().render()
