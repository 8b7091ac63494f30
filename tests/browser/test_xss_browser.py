"""Issue 11, item 1: hostile text in every field neither runs nor breaks any page, in Chromium.

The store is filled through the real paths (the boundary load, ``POST /stations``,
``POST /incidents``, transitions, ``POST /plans``) with text built to escape each context a
page puts text in: HTML, attributes, JSON inside ``<script>``, JS template literals. Each page
is then loaded, every overlay switched on, every popup and tooltip opened; nothing may run
(``window.__x`` stays undefined), nothing may fail, every feature stored must be drawn, and
the hostile text must show as the text it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy import Engine

from gis.areas import ORDER, Level
from gis.io import read_boundaries
from gis.settings import SAMPLE_DIR, StoreSettings
from gis.usecases import boundaries
from gis.usecases.runtime import running
from gis.usecases.sample import SAMPLE_FILES, load_sample_extras
from tests.browser.conftest import empty_tables, serving
from tests.principals import OWNER, operator_headers

PAYLOADS = [
    "${window.__x=1}",
    "`+(window.__x=2)+`",
    "</script><script>window.__x=3</script>",
    '<img src=x onerror="window.__x=4">',
    "\"'><svg onload=window.__x=5>",
    "a\u2028b\u2029c",
    "\\",
    "\\\\`+(window.__x=6)+\\\\`\\u{",  # a backquote after a backslash: folium leaves it as is
]
EVERYTHING = "".join(PAYLOADS)
HOSTILE = [*PAYLOADS, EVERYTHING]
SCOPE = "110108010018"  # the community the plan redraws

# Every Leaflet layer the page declares, down to the leaves; for each leaf, open its popup and
# its tooltip the way a click and a hover do, and return what they show.
OPEN_EVERYTHING = """() => {
    const map = Object.values(window).find((v) => v instanceof L.Map);
    const leaves = new Set();
    const walk = (layer) => {
        if (layer.getLayers) { layer.getLayers().forEach(walk); } else { leaves.add(layer); }
    };
    for (const key of Object.keys(window)) {
        const value = window[key];
        if (value instanceof L.Layer && !(value instanceof L.Map)) walk(value);
    }
    const read = (selector) => Array.from(document.querySelectorAll(selector), (e) => e.textContent);
    const popups = [], tooltips = [];
    const content = (overlay) => overlay.getElement().textContent;
    map.on("popupopen", (e) => popups.push(content(e.popup)));
    map.on("tooltipopen", (e) => tooltips.push(content(e.tooltip)));
    let clustered = 0;
    for (const leaf of leaves) {
        const at = leaf.getLatLng ? leaf.getLatLng() : (leaf.getBounds ? leaf.getBounds().getCenter() : null);
        if (!at) continue;
        if (!leaf._map && leaf.getPopup && leaf.getPopup()) {  // a marker inside a cluster
            clustered += 1;
            leaf.getPopup().setLatLng(at).openOn(map);
        } else {
            leaf.fire("click", {latlng: at}, true);  // true: its layer group hears it too
        }
        map.closePopup();
        leaf.fire("mouseover", {latlng: at}, true);
        leaf.fire("mouseout", {latlng: at}, true);
    }
    return {popups, tooltips, clustered, leaves: leaves.size,
            labels: read(".gm-label"), boxes: read(".gm-legend, .gm-note")};
}"""


def _hostile_boundaries(store_settings: StoreSettings) -> None:
    """The sample's areas, each name ending in one of the payloads, each grid worker one too."""
    with running(store_settings, pool_size=1) as rt:
        for level in ORDER:
            boundary = read_boundaries(SAMPLE_DIR / SAMPLE_FILES[level], level=level)
            areas = boundary.areas
            areas["name"] = [
                f"{name}{HOSTILE[i % len(HOSTILE)]}" for i, name in enumerate(areas["name"])
            ]
            if level is Level.GRID:
                areas["attributes"] = [
                    {"worker": HOSTILE[i % len(HOSTILE)]} for i in range(len(areas))
                ]
            boundaries.load(rt, boundary, acting=OWNER, level=level)
        load_sample_extras(rt)


AUTH: dict[str, str] = {}
"""The bearer header the hostile records are written with (set by `hostile`)."""


def _send(url: str, body: Any, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type, **AUTH}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as refused:
        raise AssertionError(f"{url}: {refused.code} {refused.read().decode()}") from None


def _get(url: str) -> Any:
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


def _hostile_records(base: str) -> int:
    """Stations and incidents with a payload in every text field, and a plan with a hostile note."""
    grids = _get(f"{base}/areas?level=grid")["features"]
    inside = [shapely.geometry.shape(f["geometry"]).representative_point() for f in grids]
    for i, text in enumerate(HOSTILE):
        point = inside[i]
        _send(
            f"{base}/stations",
            {
                "type": "red_post",
                "name": f"站{i}{text}",
                "lon": point.x,
                "lat": point.y,
                "opening_hours": text,
                "source_id": f"xss-{i}",
                "attributes": {"note": text, text[:20]: text},
            },
        )
        incident = _send(
            f"{base}/incidents",
            {
                "category": "hazard",
                "lon": point.x,
                "lat": point.y,
                "description": text,
                "address": f"学院路{text}",
                "attributes": {"note": text, "media_url": text},
            },
        )
        _send(
            f"{base}/incidents/{incident['id']}/transitions",
            {"status": "triaged", "actor": text[:100], "note": text},
        )
    own = [f for f in grids if f["properties"]["code"].startswith(SCOPE)]
    for i, feature in enumerate(own):  # renamed; the second one dropped: a gap to show
        feature["properties"] = {
            "code": feature["properties"]["code"],
            "name": f"方案{HOSTILE[-1 - i]}",
        }
    note = urllib.parse.quote(EVERYTHING)
    plan = _send(
        f"{base}/plans?scope={SCOPE}&note={note}",
        json.dumps({"type": "FeatureCollection", "features": own[:1]}).encode(),
        "application/geo+json",
    )
    return int(plan["id"])


class Hostile(NamedTuple):
    """The server's base URL and the hostile plan's id."""

    base: str
    plan_id: int


@pytest.fixture(scope="module")
def hostile(store_settings: StoreSettings, engine: Engine) -> Iterator[Hostile]:
    """A server over a store where every text field holds a payload."""
    empty_tables(engine)
    _hostile_boundaries(store_settings)
    AUTH.update(operator_headers(store_settings))
    with serving(store_settings) as base:
        yield Hostile(base, _hostile_records(base))
    with engine.begin() as conn:  # the stations it added (the sample's are upserted anyway)
        conn.execute(sa.text("DELETE FROM stations WHERE source_id LIKE 'xss-%'"))


@pytest.fixture(scope="module")
def login_base(hostile: Hostile) -> str:
    """The browser signs in on the hostile server."""
    return hostile.base


def _open(browser: Any, url: str) -> tuple[Any, list[str]]:
    """Load ``url``; the page and every error it reports (scripts, console, failed requests)."""
    page = browser.new_page()
    errors: list[str] = []
    origin = url.split("/maps")[0]
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on(
        "request",
        lambda r: None if r.url.startswith((origin, "data:")) else errors.append(r.url),
    )
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, url
    return page, errors


def _shown(browser: Any, url: str) -> tuple[Any, dict[str, Any], list[str]]:
    """Open the page with every overlay on, and every popup and tooltip in it."""
    page, errors = _open(browser, url)
    assert page.evaluate("typeof window.__x") == "undefined", url
    assert errors == [], url
    assert page.evaluate("Object.values(window).some((v) => v instanceof L.Map)"), url
    page.evaluate(  # every overlay on (the list can be taller than the window)
        "() => document.querySelectorAll('.leaflet-control-layers-overlays input:not(:checked)')"
        ".forEach((box) => box.click())"
    )
    shown = page.evaluate(OPEN_EVERYTHING)
    page.wait_for_timeout(500)  # an <img src=x> that got in would be asked for now
    assert page.evaluate("typeof window.__x") == "undefined", url
    assert errors == [], url
    return page, shown, errors


def _every_payload_in(texts: list[str], *, limit: int | None = None) -> None:
    """Each payload shows, as it is, in one of ``texts`` (cut to ``limit`` characters)."""
    joined = "\n".join(texts)
    for text in HOSTILE if limit is None else PAYLOADS:
        assert text[:limit] in joined, text


def test_item1_grid_map(hostile: Hostile, browser: Any) -> None:
    page, shown, _ = _shown(browser, f"{hostile.base}/maps/grids.html")
    assert page.locator("path.leaflet-interactive").count() == 23 + 6 + 1 + 1
    assert len(shown["labels"]) == 23 + 6  # the grids' and the communities' names
    _every_payload_in(shown["tooltips"])  # every level's names, district to grid
    _every_payload_in(shown["labels"])
    _every_payload_in(shown["popups"])  # the grid workers
    assert len(shown["popups"]) == 23


@pytest.mark.parametrize(
    "query", ["lang=en&measure=closure_rate", "measure=coverage_share&type=红色驿站"]
)
def test_item1_grid_map_with_a_measure(hostile: Hostile, browser: Any, query: str) -> None:
    page, shown, _ = _shown(browser, f"{hostile.base}/maps/grids.html?{query}")
    assert page.locator(".gm-legend").count() == 1
    _every_payload_in(shown["popups"])


def test_item1_hazard_map(hostile: Hostile, browser: Any) -> None:
    page, shown, _ = _shown(browser, f"{hostile.base}/maps/hazards.html")
    markers = page.evaluate(
        "() => Object.values(window).filter((v) => L.MarkerClusterGroup && "
        "v instanceof L.MarkerClusterGroup).reduce((n, c) => n + c.getLayers().length, 0)"
    )
    assert markers == len(HOSTILE)
    _every_payload_in(shown["popups"], limit=60)  # descriptions, cut to 60 characters
    _every_payload_in(shown["tooltips"], limit=None)  # the grids' names
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 1


@pytest.mark.parametrize(
    ("query", "stored_of"), [("", ""), ("?type=红色驿站&mode=circle", "?type=red_post")]
)
def test_item1_stations_map(hostile: Hostile, browser: Any, query: str, stored_of: str) -> None:
    page, shown, _ = _shown(browser, f"{hostile.base}/maps/stations.html{query}")
    stored = _get(f"{hostile.base}/stations{stored_of}")["features"]
    assert page.locator(".gm-station").count() == len(stored)
    names = [f"站{i}{text}" for i, text in enumerate(HOSTILE)]
    assert all(name in shown["tooltips"] for name in names)
    assert all(any(name in p for p in shown["popups"]) for name in names)
    hours = [p.partition("开放时间: ")[2].rstrip("×") for p in shown["popups"]]
    assert all(text in hours for text in HOSTILE)
    assert page.locator(".leaflet-control-layers-overlays").inner_text().count("分钟") >= 2


def test_item1_plan_map(hostile: Hostile, browser: Any) -> None:
    page, shown, _ = _shown(browser, f"{hostile.base}/maps/plans/{hostile.plan_id}.html")
    assert page.locator("path.leaflet-interactive[stroke='#d62728']").count() >= 1  # the gap
    assert any("石油大院" in t for t in shown["tooltips"])  # the current grids' names
    assert any(f"方案{HOSTILE[-1]}" in t for t in shown["tooltips"])  # the plan's own name
    assert any(EVERYTHING in box for box in shown["boxes"])  # the plan's note


def test_item1_maps_index(hostile: Hostile, browser: Any) -> None:
    page, errors = _open(browser, f"{hostile.base}/maps?lang=en")
    assert page.locator("a").count() == 4 and errors == []  # three maps and the plans


def test_issue14_the_workbench_and_the_plans_page_show_text_as_text(
    hostile: Hostile, browser: Any
) -> None:
    page, errors = _open(browser, f"{hostile.base}/maps/plans/{hostile.plan_id}/edit.html")
    ready = page.locator("#editor[data-ready=true]")
    ready.wait_for(timeout=20_000)
    labels = page.locator(".gm-grid-label").all_inner_texts()
    assert any(f"方案{HOSTILE[-1]}" in label for label in labels), labels
    assert EVERYTHING in page.locator("#status").inner_text()  # the plan's note
    page.fill("#note-text", EVERYTHING)
    page.click("#note-form button[type=submit]")
    page.locator("#notes li").last.wait_for()
    page.wait_for_function("document.querySelector('#notes').textContent.includes('svg onload')")
    assert EVERYTHING in page.locator("#notes").inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__x") == "undefined"
    assert errors == []
    listing, errors = _open(browser, f"{hostile.base}/maps/plans.html")
    assert EVERYTHING in listing.locator("td.note").first.inner_text()
    assert listing.evaluate("typeof window.__x") == "undefined" and errors == []


@pytest.mark.parametrize("kind", ["grids", "hazards", "stations"])
def test_item1_standalone_pages(
    hostile: Hostile, browser: Any, store_settings: StoreSettings, tmp_path: Path, kind: str
) -> None:
    """``gridmap map`` writes the same pages with the assets inlined: just as inert."""
    out = tmp_path / f"{kind}.html"
    subprocess.run(
        [str(Path(sys.executable).parent / "gridmap"), "map", kind, "--out", str(out)],
        env={**os.environ, "GRIDMAP_DATABASE_URL": str(store_settings.database_url)},
        check=True,
        capture_output=True,
    )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(r.url))
    page.goto(out.as_uri(), wait_until="load")
    shown = page.evaluate(OPEN_EVERYTHING)
    assert page.evaluate("typeof window.__x") == "undefined" and errors == []
    assert shown["leaves"] > 0 and (shown["tooltips"] or shown["popups"])


def test_item1_error_pages_show_the_input_as_text(hostile: Hostile, browser: Any) -> None:
    """A refused page names the input it refused: as text, not markup."""
    page = browser.new_page()
    scope = urllib.parse.quote('<img src=x onerror="window.__x=7">')
    response = page.goto(f"{hostile.base}/maps/grids.html?scope={scope}")
    assert response is not None and response.status == 404
    assert '<img src=x onerror="window.__x=7">' in page.locator(".detail").inner_text()
    assert page.evaluate("typeof window.__x") == "undefined"
