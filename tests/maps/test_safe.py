"""Issue 11, item 1: text enters a page through `maps.safe` only, never a JS template literal."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from branca.element import Element

from gis.checks.model import finding
from gis.checks.wording import Words
from gis.incidents.records import Incident
from gis.stations.records import Station
from maps.base import for_display, map_options
from maps.grids import grid_map
from maps.hazards import hazard_map
from maps.planner import plan_map
from maps.safe import html_text, script_json
from maps.stations import stations_map
from tests.browser.test_xss_browser import PAYLOADS

BOUNDARIES = Path(__file__).parents[2] / "data" / "boundaries"
EVERYTHING = "".join(PAYLOADS)
T = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    """The sample's grids and communities, each name and grid worker a payload."""
    frames = []
    for level, name in [("grid", "grids"), ("community", "communities")]:
        frame = gpd.read_file(BOUNDARIES / f"xueyuanlu_{name}.geojson")
        frame["level"] = level
        frames.append(frame)
    hostile = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    hostile["name"] = [f"{n}{PAYLOADS[i % len(PAYLOADS)]}" for i, n in enumerate(hostile["name"])]
    hostile["attributes"] = [{"worker": EVERYTHING}] * len(hostile)
    return hostile


def _stations(areas: gpd.GeoDataFrame) -> list[Station]:
    points = areas.geometry.representative_point()
    return [
        Station(i, "red_post", text, p.x, p.y, text, None, None, False, None, {"a": text}, T, T)
        for i, (text, p) in enumerate(zip(PAYLOADS, points, strict=False))
    ]


def _pages(areas: gpd.GeoDataFrame) -> dict[str, folium.Map]:
    grids = areas[areas["level"] == "grid"]
    incidents = [
        Incident(i, "hazard", "reported", T, T, T, description=text, lon=p.x, lat=p.y)
        for i, (text, p) in enumerate(zip(PAYLOADS, grids.representative_point(), strict=False))
    ]
    words = Words(EVERYTHING, EVERYTHING)
    gap = finding(
        "gap", "error", [EVERYTHING], 2.0, "m²", words, shapely.box(116, 40, 116.001, 40.001)
    )
    pieces = gpd.GeoDataFrame(
        {"from_code": [EVERYTHING], "to_code": ["x"], "area_m2": [1.0], "households_moved": [3]},
        geometry=[shapely.box(116.35, 40, 116.351, 40.001)],
        crs=4326,
    )
    options = map_options()
    return {
        "grids": grid_map(areas, options, measure=pd.Series([1.0], index=[grids["code"].iloc[0]])),
        "hazards": hazard_map(areas, incidents, options, category_names={"hazard": EVERYTHING}),
        "stations": stations_map(
            grids,
            _stations(grids),
            {"red_post": (EVERYTHING, EVERYTHING)},
            options,
            circles={},
            isochrones={},
        ),
        "plan": plan_map(grids, grids, [gap], pieces, options, heading=EVERYTHING, note=EVERYTHING),
    }


def _elements(element: Element) -> list[Element]:
    return [element, *(e for child in element._children.values() for e in _elements(child))]


@pytest.mark.parametrize("text", [*PAYLOADS, EVERYTHING])
def test_item1_script_json_is_the_text_and_cannot_leave_the_script(text: str) -> None:
    written = script_json({"name": text})
    assert json.loads(written) == {"name": text}
    assert not re.search("[<>&'\u2028\u2029]", written)


def test_item1_html_text_keeps_no_markup() -> None:
    assert not re.search("[<>\"']", html_text(EVERYTHING))
    assert html_text("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"


def test_item1_layers_get_text_as_html_and_objects_as_text() -> None:
    frame = gpd.GeoDataFrame(
        {"name": [EVERYTHING], "more": [{"k": "<i>"}]}, geometry=[shapely.Point(0, 0)]
    )
    shown = for_display(frame, map_options())
    assert shown["name"].iloc[0] == html_text(EVERYTHING)
    assert shown["more"].iloc[0] == html_text('{"k": "<i>"}')


def test_item1_no_page_uses_folium_popups_or_tooltips(areas: gpd.GeoDataFrame) -> None:
    """Folium's `Popup`/`Tooltip` write text into JS template literals: none is on any page."""
    for name, page in _pages(areas).items():
        kinds = {type(e) for e in _elements(page)}
        assert not kinds & {folium.Popup, folium.Tooltip}, name


def test_item1_hostile_text_never_closes_a_script(areas: gpd.GeoDataFrame) -> None:
    for name, page in _pages(areas).items():
        html = page.get_root().render()
        assert html.count("<script") == html.count("</script>"), name
        assert "window.__x=3</script>" not in html and "<img src=x" not in html, name
        scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.DOTALL))
        assert "\u2028" not in scripts and "\u2029" not in scripts, name
