"""Issue 16: over ``GRIDMAP_MAP_TILES_ABOVE`` areas, the grid map draws them from vector tiles."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import Engine

from gis.settings import SAMPLE_ADDRESSES, StoreSettings
from gis.usecases import boundaries, pages
from gis.usecases.runtime import running
from gis.usecases.sample import SAMPLE_LOADER, load_sample, load_sample_incidents
from maps.grids import NO_DATA, PALETTE, classes
from tests.browser.conftest import empty_tables, serving
from tests.browser.test_maps_browser import open_page
from tests.principals import OWNER

POINT = (116.3553, 40.0073)  # inside one of the sample's grids

MAP_OF_PAGE = "Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)"


@pytest.fixture(scope="module")
def server(store_settings: StoreSettings, engine: Engine) -> Iterator[str]:
    """`gridmap serve` over the sample (31 areas) and 80 of its incidents, drawing grid maps
    of over 10 areas from tiles."""
    empty_tables(engine)
    with running(store_settings, pool_size=1) as rt:
        load_sample(rt)
        boundaries.import_addresses(rt, SAMPLE_ADDRESSES, acting=SAMPLE_LOADER)
        load_sample_incidents(rt, count=80)
    with ExitStack() as stack:
        with pytest.MonkeyPatch.context() as patch:  # the server's environment only
            patch.setenv("GRIDMAP_MAP_TILES_ABOVE", "10")
            base = stack.enter_context(serving(store_settings))
        yield base


def _grid_at(server: str, lon: float, lat: float) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server}/areas?level=grid") as answer:
        features = json.load(answer)["features"]
    point = shapely.Point(lon, lat)
    found: dict[str, Any] = next(
        f["properties"] for f in features if shapely.geometry.shape(f["geometry"]).covers(point)
    )
    return found


def _on_screen(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where the map of ``page`` draws the point, in the page's coordinates."""
    name = page.evaluate(MAP_OF_PAGE)
    x, y = page.evaluate(
        f"(() => {{ const p = window[{json.dumps(name)}].latLngToContainerPoint("
        f"[{lat}, {lon}]); return [p.x, p.y]; }})()"
    )
    box = page.locator(".leaflet-container").bounding_box()
    return box["x"] + x, box["y"] + y


def test_issue16_the_grid_map_draws_tiles_and_fetches_popups(
    server: str, browser: Any, artifacts: Path
) -> None:
    assert "GRIDMAP_MAP_TILES_ABOVE" not in os.environ  # only the server was given it
    asked: list[str] = []
    page, errors, foreign = open_page(browser, f"{server}/maps/grids.html", asked)
    assert "MultiPolygon" not in page.content()  # no geometry written into the page
    requested = [url for url in asked if "/tiles/" in url]
    assert requested and all(
        url.startswith(f"{server}/ogc/collections/") and "/tiles/WebMercatorQuad/" in url
        for url in requested
    )
    assert {url.split("/collections/")[1].split("/")[0] for url in requested} == {
        "districts",
        "subdistricts",
        "communities",
        "grids",
    }
    page.locator(".leaflet-tile path.leaflet-interactive").first.wait_for()  # the grids drawn
    assert (
        page.locator(".leaflet-tile path").count()
        > page.locator(".leaflet-tile path.leaflet-interactive").count()
    )  # and the outlines of the levels above
    grid = _grid_at(server, *POINT)
    x, y = _on_screen(page, *POINT)
    with page.expect_response(lambda r: r.url.endswith(f"/areas/{grid['code']}")):
        page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert grid["name"] in popup.inner_text() and grid["code"] in popup.inner_text()
    assert popup.locator("td", has_text=grid["name"]).count() == 1
    page.screenshot(path=str(artifacts / "grids-tiles.png"))
    assert errors == [] and foreign == []


def test_issue16_tiled_grids_are_coloured_outlined_and_told_from_their_tiles_facts(
    server: str, browser: Any, artifacts: Path, store_settings: StoreSettings
) -> None:
    asked: list[str] = []
    url = f"{server}/maps/grids.html?measure=incidents_per_100_households"
    page, errors, foreign = open_page(browser, url, asked)
    facts = [u for u in asked if "/maps/grids/facts/" in u]
    assert facts and all("measure=incidents_per_100_households" in u for u in facts)
    grids = page.locator(".leaflet-tile path.leaflet-interactive")
    grids.first.wait_for()
    page.wait_for_function(  # the facts arrive after the tiles: every grid restyled
        "[...document.querySelectorAll('.leaflet-tile path.leaflet-interactive')]"
        ".every(p => p.getAttribute('stroke-dasharray'))"
    )
    fills = {grids.nth(i).get_attribute("fill") for i in range(grids.count())}
    assert fills and fills <= {*PALETTE, NO_DATA}  # every grid restyled by its class
    assert len(fills - {NO_DATA}) >= 2  # the sample's incidents spread over the classes
    dashes = {grids.nth(i).get_attribute("stroke-dasharray") for i in range(grids.count())}
    assert dashes == {"6 4"}  # no roster in this fixture: every grid is unstaffed
    legend = page.locator(".gm-legend").inner_text()
    assert "每百户事件数" in legend and "无专职网格员的网格: 23" in legend
    grid = _grid_at(server, *POINT)
    x, y = _on_screen(page, *POINT)
    fill = page.evaluate(  # the grid's own path, under the point
        f"document.elementFromPoint({x}, {y}).getAttribute('fill')"
    )
    with running(store_settings, pool_size=1) as rt:  # the classes the server drew by
        whole = pages.grids_page(rt, acting=OWNER, measure="incidents_per_100_households")
    assert whole.values is not None
    colours, _ = classes(whole.values)
    assert fill == dict(zip(whole.values.index, colours, strict=True))[grid["code"]]
    with page.expect_response(lambda r: r.url.endswith(f"/areas/{grid['code']}")):
        page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert grid["name"] in text and "网格长" in text and "未办结事件" in text, text
    page.screenshot(path=str(artifacts / "grids-tiles-measure.png"))
    assert errors == [] and foreign == []


@pytest.mark.parametrize("path", ["/maps/hazards.html?category=all", "/maps/stations.html"])
def test_issue16_the_hazard_and_station_maps_draw_their_grids_from_tiles(
    server: str, browser: Any, path: str
) -> None:
    asked: list[str] = []
    page, errors, foreign = open_page(browser, f"{server}{path}", asked)
    with urllib.request.urlopen(f"{server}/areas?level=grid") as answer:
        codes = [f["properties"]["code"] for f in json.load(answer)["features"]]
    html = page.content()  # stations may bring circles and isochrones: polygons, but no grid
    assert codes and not [code for code in codes if f'"code": "{code}"' in html]
    tiles = [u for u in asked if "/tiles/" in u]
    assert tiles and all("/ogc/collections/grids/tiles/WebMercatorQuad/" in u for u in tiles)
    page.locator(".leaflet-tile path").first.wait_for()  # the grids' outlines drawn
    assert errors == [] and foreign == []
