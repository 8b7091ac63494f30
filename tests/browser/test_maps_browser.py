"""Map pages in a real headless Chromium: no console errors, no other origin, layers, popups."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from gis.identity.roles import Grant
from gis.settings import StoreSettings
from gis.usecases import roster
from gis.usecases.runtime import running
from maps.grids import short_label
from tests.browser.conftest import sign_in
from tests.principals import OWNER, user_token

INSIDE = [(116.3553, 40.0073), (116.3561, 40.0069), (116.3498, 40.0011), (116.3465, 39.9990)]


# how many lines each element's text takes (a range has one client rect per line box)
LINES_OF_TEXT = """els => els.map(el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set(Array.from(range.getClientRects(), r => Math.round(r.top))).size;
})"""


def open_page(
    browser: Any, url: str, asked: list[str] | None = None
) -> tuple[Any, list[str], list[str]]:
    """Load ``url``; return the page, console errors and requests to other origins.

    ``asked`` receives the URL of every request (the resource timing buffer keeps only 250).
    """
    page = browser.new_page()
    if asked is not None:
        page.on("request", lambda r: asked.append(r.url))
    errors: list[str] = []
    foreign: list[str] = []
    origin = url.split("/maps")[0]
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on(
        "request",
        lambda r: (
            foreign.append(r.url)
            if not r.url.startswith(origin) and not r.url.startswith("data:")
            else None
        ),
    )
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, url
    return page, errors, foreign


def test_grid_map(
    server: str, browser: Any, artifacts: Path, store_settings: StoreSettings
) -> None:
    page, errors, foreign = open_page(browser, f"{server}/maps/grids.html")
    assert errors == [] and foreign == []
    grids = page.locator("path.leaflet-interactive")
    assert grids.count() == 23 + 6 + 1 + 1  # grids, communities, subdistrict, district outlines
    # the grids `roster check` reports (the fixture loads no roster; earlier tests may leave
    # some), outlined dashed and not interactive: a click reaches the grid below
    with running(store_settings, pool_size=1) as rt:
        unstaffed = len(roster.check_roster(rt, acting=OWNER))
    outlined = page.locator("path[stroke-dasharray='6 4']:not(.leaflet-interactive)")
    assert outlined.count() == unstaffed
    assert f"无专职网格员的网格: {unstaffed}" in page.locator(".gm-legend").inner_text()
    assert (
        page.locator(".leaflet-control-layers-overlays", has_text="无专职网格员的网格").count() == 1
    )
    assert page.locator(".gm-label.gm-grid").count() == 23
    assert page.locator(".gm-label.gm-community").count() == 6
    assert "© OpenStreetMap contributors" in page.content()
    page.screenshot(path=str(artifacts / "grids.png"))


def _toggle(page: Any, label: str) -> None:
    page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()


def test_layer_control_and_popup(server: str, browser: Any, artifacts: Path) -> None:
    page, errors, _ = open_page(browser, f"{server}/maps/grids.html")
    before = page.locator("path.leaflet-interactive").count()
    _toggle(page, "标注")
    assert page.locator(".gm-label.gm-grid").count() == 0
    for name in ("区/县", "街道/乡镇", "社区/村"):
        _toggle(page, name)
    assert page.locator("path.leaflet-interactive").count() == 23 < before
    x, y = page.evaluate("""() => {
        for (const p of document.querySelectorAll('path.leaflet-interactive')) {
            const r = p.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            if (document.elementFromPoint(x, y) === p) return [x, y];
        }
        return [0, 0];
    }""")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert "网格员" in popup.inner_text() and "110108010" in popup.inner_text()
    assert errors == []
    page.screenshot(path=str(artifacts / "grids-popup.png"))


def test_english_and_choropleth(server: str, browser: Any) -> None:
    page, errors, foreign = open_page(
        browser, f"{server}/maps/grids.html?lang=en&measure=closure_rate"
    )
    assert errors == [] and foreign == []
    assert page.locator(".leaflet-control-layers-overlays", has_text="Grids").count() == 1
    assert "Closure rate" in page.locator(".gm-legend").inner_text()


def _report(
    server: str, auth: dict[str, str], lon: float, lat: float, category: str = "hazard"
) -> None:
    body = json.dumps(
        {"category": category, "lon": lon, "lat": lat, "description": "测试"}
    ).encode()
    request = urllib.request.Request(
        f"{server}/incidents", data=body, headers={"Content-Type": "application/json", **auth}
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201


def test_hazard_map(server: str, browser: Any, artifacts: Path, auth: dict[str, str]) -> None:
    for lon, lat in INSIDE:
        _report(server, auth, lon, lat)
    _report(server, auth, 116.3500, 40.0050, category="sanitation")
    page, errors, foreign = open_page(browser, f"{server}/maps/hazards.html")
    assert errors == [] and foreign == []
    singles = page.locator("path.leaflet-interactive[fill='#d62728']").count()
    clustered = sum(int(t) for t in page.locator(".marker-cluster span").all_inner_texts())
    assert singles + clustered == len(INSIDE)  # the sanitation report is filtered out
    _toggle(page, "热力图")
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 1
    page.screenshot(path=str(artifacts / "hazards.png"))


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("grids.html?scope=999", "no current area '999'"),
        ("grids.html?measure=happiness", "measure: 'happiness'"),
        ("grids.html?basemap=google", "basemap: 'google'"),
        ("grids.html?basemap=tianditu", "needs a key"),
        (
            "hazards.html?start=2026-02-01&end=2026-01-01",
            "end: 2026-01-01 is not after start 2026-02-01",
        ),
    ],
)
def test_bad_input_is_a_page_not_a_blank_map(
    server: str, browser: Any, query: str, fragment: str
) -> None:
    page = browser.new_page()
    response = page.goto(f"{server}/maps/{query}")
    assert response is not None and 400 <= response.status < 500
    assert fragment in page.locator(".detail").inner_text()


def test_plan_map_shows_findings_and_moved_pieces(
    server: str, browser: Any, artifacts: Path, auth: dict[str, str]
) -> None:
    grids = json.loads(
        urllib.request.urlopen(f"{server}/areas?scope=110108010018&level=grid").read()
    )
    first = grids["features"][0]
    first["properties"] = {"code": first["properties"]["code"], "name": first["properties"]["name"]}
    # the plan drops the community's second grid: a gap the checks must show in red
    body = json.dumps({"type": "FeatureCollection", "features": [first]}).encode()
    request = urllib.request.Request(
        f"{server}/plans?scope=110108010018",
        data=body,
        headers={"Content-Type": "application/geo+json", **auth},
    )
    plan_id = json.loads(urllib.request.urlopen(request).read())["id"]
    page, errors, foreign = open_page(browser, f"{server}/maps/plans/{plan_id}.html")
    assert errors == [] and foreign == []
    gaps = page.locator("path.leaflet-interactive[stroke='#d62728']")
    assert gaps.count() >= 1  # the gap
    legend = page.locator(".gm-legend").inner_text()
    for entry in ("现行边界", "调整方案", "缝隙（", "网格标注：名称 · 户数"):
        assert entry in legend, legend
    assert page.locator(".gm-legend svg line[stroke-dasharray='6 4']").count() == 1
    (label,) = page.locator(".gm-label").all_inner_texts()
    assert re.fullmatch(rf"{short_label(first['properties']['name'])} · [\d,]+户", label), label
    # the finding's popup: the rule's Chinese name, its message, headers on one line each
    gaps.first.dispatch_event("click", {"bubbles": True, "clientX": 600, "clientY": 400})
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    headers = popup.locator("th").all_inner_texts()
    assert headers == ["问题", "级别", "网格", "量度", "说明"]
    lines = popup.locator("th").evaluate_all(LINES_OF_TEXT)
    assert lines == [1, 1, 1, 1, 1] and popup.locator("td").evaluate_all(LINES_OF_TEXT)[-1] >= 1
    assert "缝隙 " in popup.locator("td").all_inner_texts()[-1]
    page.screenshot(path=str(artifacts / "plan.png"))


def test_stations_map(server: str, browser: Any, artifacts: Path) -> None:
    page, errors, foreign = open_page(browser, f"{server}/maps/stations.html?type=红色驿站")
    assert errors == [] and foreign == []
    stations = json.loads(urllib.request.urlopen(f"{server}/stations?type=red_post").read())
    assert page.locator(".gm-station").count() == len(stations["features"]) > 0
    overlays = page.locator(".leaflet-control-layers-overlays").inner_text()
    assert (
        "15分钟圈（半径）" in overlays
        and "15分钟步行等时圈" in overlays
        and "未覆盖区域" in overlays
    )
    before = page.locator("path.leaflet-interactive").count()
    _toggle(page, "15分钟步行等时圈")
    assert page.locator("path.leaflet-interactive").count() > before
    page.screenshot(path=str(artifacts / "stations.png"))


def test_coverage_share_choropleth(server: str, browser: Any) -> None:
    page, errors, foreign = open_page(
        browser, f"{server}/maps/grids.html?measure=coverage_share&type=红色驿站"
    )
    assert errors == [] and foreign == []
    assert "一刻钟覆盖户数比例" in page.locator(".gm-legend").inner_text()


def test_issue12_a_community_viewer_sees_only_its_community(
    server: str, chromium: Any, engine: Engine
) -> None:
    """Signed in through the login page, a viewer of one community sees its 12 grids only."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE login = 'browser-viewer'"))
    user_token(engine, "browser-viewer", (Grant("viewer", "110108010019"),))
    context = chromium.new_context(viewport={"width": 1200, "height": 800})
    try:
        sign_in(context, server, "browser-viewer")
        page, errors, foreign = open_page(context, f"{server}/maps/grids.html")
        assert errors == [] and foreign == []
        assert page.locator(".gm-label.gm-grid").count() == 12
        assert page.locator(".gm-label.gm-community").all_text_contents() == [
            "中国农业大学东校区社区"
        ]
        assert page.locator("path.leaflet-interactive").count() == 12 + 1  # and the community
        elsewhere = page.goto(f"{server}/maps/grids.html?scope=110108010021")
        assert elsewhere is not None and elsewhere.status == 404
        refused = page.goto(f"{server}/maps/plans/1.html")  # a viewer reads no plans
        assert refused is not None and refused.status == 403
    finally:
        context.close()


def test_issue12_signed_out_pages_go_to_the_login_page(server: str, chromium: Any) -> None:
    context = chromium.new_context()
    try:
        page = context.new_page()
        response = page.goto(f"{server}/maps/hazards.html?lang=en")
        assert response is not None and response.status == 200
        assert page.url.startswith(f"{server}/login?next=")
        assert page.locator("input[name=password]").count() == 1
    finally:
        context.close()


def test_issue12_signing_out_from_the_index_ends_the_session(
    server: str, chromium: Any, engine: Engine
) -> None:
    """The index's sign-out form carries the session's CSRF token; afterwards pages ask again."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE login = 'browser-leaver'"))
    user_token(engine, "browser-leaver", (Grant("viewer", "110108"),))
    context = chromium.new_context()
    try:
        sign_in(context, server, "browser-leaver")
        page = context.new_page()
        page.goto(f"{server}/maps/")
        assert "browser-leaver" in page.locator(".gm-user").inner_text()
        page.click(".gm-user button")
        page.wait_for_url(f"{server}/login")
        assert "gridmap_session" not in {c["name"] for c in context.cookies()}
        page.goto(f"{server}/maps/grids.html")
        assert page.url.startswith(f"{server}/login?next=")
    finally:
        context.close()
