"""Issue 15: the demo opens alive — clustered sample incidents, a choropleth with values, labels
that do not collide — in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from gis.incidents.records import IncidentQuery
from gis.settings import StoreSettings
from gis.usecases import incidents, roster
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample, load_sample_extras, load_sample_incidents
from tests.browser.conftest import empty_tables, serving
from tests.browser.test_maps_browser import open_page
from tests.principals import OWNER

LOADED: dict[str, int] = {}

# the page's Leaflet map (folium names it map_<id>)
MAP = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0]"
# the rectangles of the labels of a kind the browser shows (display:none ones have none)
SHOWN_BOXES = """kind => Array.from(document.querySelectorAll('.gm-label.' + kind))
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0)
    .map(r => [r.left, r.top, r.right, r.bottom])"""


@pytest.fixture(scope="module")
def server(store_settings: StoreSettings, engine: Engine) -> Iterator[str]:
    """The demo's store: the sample, its roster and a year of sample incidents."""
    empty_tables(engine)
    with running(store_settings, pool_size=1) as rt:
        load_sample(rt)
        load_sample_extras(rt)
        roster.load_sample_roster(rt)
        load_sample_incidents(rt, now=datetime.now(UTC))
        found = incidents.list_incidents(rt, IncidentQuery(limit=10_000), acting=OWNER)
    LOADED["located"] = sum(i.located for i in found)
    with serving(store_settings) as base:
        yield base


def overlaps(boxes: list[list[float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], start=i + 1)
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


def test_the_hazard_map_clusters_the_sample(server: str, browser: Any, artifacts: Path) -> None:
    page, errors, foreign = open_page(browser, f"{server}/maps/hazards.html?category=all")
    assert errors == [] and foreign == []
    clusters = page.locator(".marker-cluster span").all_inner_texts()
    singles = page.locator("path.leaflet-interactive").count() - 23  # less the grid outlines
    assert len(clusters) >= 3
    assert sum(int(n) for n in clusters) + singles == LOADED["located"] >= 200
    legend = page.locator(".gm-legend").inner_text()
    for status in ("已反馈办结", "处理中", "重新打开"):
        assert status in legend, legend
    page.screenshot(path=str(artifacts / "demo-hazards.png"))


def test_the_choropleth_has_values(server: str, browser: Any, artifacts: Path) -> None:
    url = f"{server}/maps/grids.html?measure=incidents_per_100_households"
    page, errors, foreign = open_page(browser, url)
    assert errors == [] and foreign == []
    legend = page.locator(".gm-legend").inner_text()
    assert "每百户事件数" in legend and "nan" not in legend.lower()
    classes = [line for line in legend.splitlines() if " – " in line]
    assert len(classes) >= 3, legend
    assert "无数据" in legend  # the grids without a home: no rate, not 0
    page.screenshot(path=str(artifacts / "demo-choropleth.png"))


def test_grid_labels_never_collide_and_communities_are_named_zoomed_out(
    server: str, browser: Any, artifacts: Path
) -> None:
    page, errors, _ = open_page(browser, f"{server}/maps/grids.html")
    assert errors == []
    for zoom in (15, 16, 17, 18):
        page.evaluate(f"z => {MAP}.setZoom(z, {{animate: false}})", zoom)
        page.wait_for_timeout(300)
        grids = page.evaluate(SHOWN_BOXES, "gm-grid")
        communities = page.evaluate(SHOWN_BOXES, "gm-community")
        assert overlaps(grids) == [] and overlaps(communities) == [], zoom
        assert not (grids and communities), zoom  # one kind at a time
        if zoom >= 17:
            assert len(grids) >= 10, zoom  # those inside the view
        if zoom == 15:
            assert len(communities) >= 4 and grids == []
    page.screenshot(path=str(artifacts / "demo-labels.png"))
