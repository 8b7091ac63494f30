"""Issue 13 item 7: the grid map's roster popups, unstaffed-grid layer and overdue-rate legend."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest

from api import pages
from gis.roster.duties import GridGap
from gis.roster.people import OnDuty
from gis.usecases.pages import GridsPage
from maps.base import Legend, map_options
from maps.grids import UNSTAFFED_STYLE, grid_map
from maps.safe import html_text
from tests.browser.test_xss_browser import HOSTILE

BOUNDARIES = Path(__file__).parents[2] / "data" / "boundaries"
LEADER, WORKERS = "李网格长", ("王专职", "赵专职")


@pytest.fixture(scope="module")
def grids() -> gpd.GeoDataFrame:
    frame = gpd.read_file(BOUNDARIES / "xueyuanlu_grids.geojson")
    frame["level"] = "grid"
    return frame


def staffed_page(
    grids: gpd.GeoDataFrame, *, leader: str = LEADER, measure: str | None = None
) -> GridsPage:
    """The first grid fully staffed, every other one lacking its full-time worker."""
    first = grids["code"].iloc[0]
    people = [OnDuty(1, leader, None, "grid_leader", first, None, 1)]
    people += [
        OnDuty(2 + i, n, None, "full_time", first, None, 2 + i) for i, n in enumerate(WORKERS)
    ]
    gaps = [
        GridGap(code, name, ("full_time",))
        for code, name in zip(grids["code"].iloc[1:], grids["name"].iloc[1:], strict=True)
    ]
    values = pd.Series({first: 0.5}, dtype=float) if measure else None
    return GridsPage(grids, {first: 2}, measure, values, {first: people}, gaps)


def groups(page: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in page._children.values() if isinstance(c, folium.FeatureGroup)}


def geojson_in(group: folium.FeatureGroup) -> folium.GeoJson:
    (layer,) = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    return layer


def legend_of(page: folium.Map) -> Legend:
    (legend,) = [c for c in page._children.values() if isinstance(c, Legend)]
    return legend


def in_script(value: str) -> str:
    """How folium writes text (shown as HTML) into the page's GeoJSON: escaped, as JSON."""
    return json.dumps(html_text(value))[1:-1]


def test_the_popup_names_the_leader_and_the_full_time_workers(grids: gpd.GeoDataFrame) -> None:
    page = pages.grids(staffed_page(grids), map_options())
    layer = geojson_in(groups(page)["网格"])
    first, second = (f["properties"] for f in layer.data["features"][:2])
    assert (first["grid_leader"], first["full_time"]) == (LEADER, "王专职、赵专职")
    assert (second["grid_leader"], second["full_time"]) == ("无", "无")
    (popup,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup)]
    assert {"grid_leader", "full_time"} <= set(popup.fields)
    assert {"网格长", "专职网格员"} <= set(popup.aliases)
    assert "worker" not in first  # no longer a boundary attribute
    assert in_script(LEADER) in page.get_root().render()


def test_english_popup_aliases(grids: gpd.GeoDataFrame) -> None:
    page = pages.grids(staffed_page(grids), map_options("en"))
    layer = geojson_in(groups(page)["Grids"])
    (popup,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup)]
    assert {"Grid leader", "Full-time grid worker"} <= set(popup.aliases)
    assert layer.data["features"][1]["properties"]["full_time"] == "none"


def test_the_unstaffed_grids_are_a_layer_of_red_dashed_outlines(grids: gpd.GeoDataFrame) -> None:
    page = pages.grids(staffed_page(grids), map_options())
    names = list(groups(page))
    assert names == ["网格", "无专职网格员的网格", "标注"]
    layer = geojson_in(groups(page)["无专职网格员的网格"])
    codes = [f["properties"]["code"] for f in layer.data["features"]]
    assert codes == list(grids["code"].iloc[1:])
    assert layer.style_function({}) == UNSTAFFED_STYLE
    assert UNSTAFFED_STYLE["dashArray"] and UNSTAFFED_STYLE["fill"] is False
    assert layer.options["interactive"] is False  # a click still opens the grid's popup


def test_the_legend_counts_the_unstaffed_grids(grids: gpd.GeoDataFrame) -> None:
    html = pages.grids(staffed_page(grids), map_options()).get_root().render()
    assert f"无专职网格员的网格: {len(grids) - 1}" in html
    english = pages.grids(staffed_page(grids), map_options("en")).get_root().render()
    assert f"Grids without a full-time worker: {len(grids) - 1}" in english


def test_no_unstaffed_grid_an_empty_layer_and_a_count_of_zero(grids: gpd.GeoDataFrame) -> None:
    shown = pages.grids(GridsPage(grids, {}, unstaffed=[]), map_options())
    assert list(groups(shown)["无专职网格员的网格"]._children) == []
    assert legend_of(shown).entries[-1] == ("#d62728", "无专职网格员的网格: 0")


def test_without_roster_data_no_layer_and_no_count(grids: gpd.GeoDataFrame) -> None:
    shown = grid_map(grids, map_options())
    assert "无专职网格员的网格" not in groups(shown)
    assert all("无专职" not in label for _, label in legend_of(shown).entries)


@pytest.mark.parametrize(
    ("lang", "title"),
    [("zh", "超期率（超期 / 未办结事件）"), ("en", "Overdue rate (overdue / open incidents)")],
)
def test_the_overdue_rate_legend(grids: gpd.GeoDataFrame, lang: str, title: str) -> None:
    page = pages.grids(staffed_page(grids, measure="overdue_rate"), map_options(lang))
    legend = legend_of(page)
    assert legend.title == html_text(title)
    assert legend.entries[0] == ("#fff5eb", "0.5")
    assert legend.entries[-1][1].endswith(f": {len(grids) - 1}")
    assert f"<b>{html_text(title)}</b>" in page.get_root().render()


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_escaped(grids: gpd.GeoDataFrame, name: str) -> None:
    page = pages.grids(staffed_page(grids, leader=name), map_options())
    layer = geojson_in(groups(page)["网格"])
    assert layer.data["features"][0]["properties"]["grid_leader"] == html_text(name)
    html = page.get_root().render()
    assert html.count("<script") == html.count("</script>")
    assert "<img src=x" not in html and "<svg onload" not in html
    assert "window.__x=3</script>" not in html
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.DOTALL))
    assert "\u2028" not in scripts and "\u2029" not in scripts
