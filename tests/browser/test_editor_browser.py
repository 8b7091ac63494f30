"""Issue 14: the planner's workbench, driven with the mouse in Chromium.

A planner signed in through the login page starts a draft of a community from the plans page,
merges two grids by
clicking them and the merge button, splits a grid by drawing a line across it, watches the
findings and the household balance change, undoes the split, and publishes; the lookup then
answers with the merged grid. No request leaves the service and the page logs no error;
screenshots of each step are test artifacts.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import shapely
from playwright.sync_api import expect
from shapely.geometry import shape

COMMUNITY = "110108010021"  # the sample's community with four grids


def _call(server: str, path: str, auth: dict[str, str], body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {**auth, "Content-Type": "application/json"} if data else auth
    method = "POST" if data is not None or path.startswith("/plans?") else "GET"
    request = urllib.request.Request(f"{server}{path}", data=data, headers=headers, method=method)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def _adjacent_pair(areas: dict[str, Any]) -> tuple[str, str]:
    """Two grids of the plan that share the longest edge."""
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in areas["features"]}
    pairs = [
        (shapely.intersection(a.boundary, b.boundary).length, ca, cb)
        for ca, a in shapes.items()
        for cb, b in shapes.items()
        if ca < cb
    ]
    _, first, second = max(pairs)
    return first, second


def _pixel(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is on the screen: the editor's map converts, the map's box offsets."""
    point = page.evaluate(
        "([lat, lon]) => { const p = window.gridmapEditor.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator("#map").bounding_box()
    return box["x"] + point[0], box["y"] + point[1]


def _click_at(page: Any, lon: float, lat: float) -> None:
    x, y = _pixel(page, lon, lat)
    page.mouse.click(x, y)


def _balance(page: Any) -> dict[str, str]:
    rows = page.locator("#balance .bar")
    return {
        rows.nth(i).get_attribute("data-code"): rows.nth(i).locator(".value").inner_text()
        for i in range(rows.count())
    }


def _ready(page: Any, errors: list[str]) -> None:
    """Wait until the page is idle (no request of its own pending); its errors if it fails."""
    try:
        expect(page.locator("#editor")).to_have_attribute("data-ready", "true", timeout=20_000)
    except AssertionError as failed:
        raise AssertionError(f"the editor is not ready; its errors: {errors}") from failed


def test_issue14_a_planner_merges_splits_undoes_and_publishes_with_the_mouse(
    server: str, browser: Any, auth: dict[str, str], artifacts: Path
) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 900})
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    try:
        # from the plans page: a new draft of the community, opened in the workbench
        page.goto(f"{server}/maps/plans.html")
        page.select_option("#scope", COMMUNITY)
        page.fill("#note", "browser")
        page.click("#new-plan button[type=submit]")
        page.wait_for_url(f"{server}/maps/plans/*/edit.html")
        plan = {"id": int(page.url.rsplit("/", 2)[-2])}
        _ready(page, errors)
        first, second = _adjacent_pair(_call(server, f"/plans/{plan['id']}", auth)["areas"])
        before = _call(server, f"/plans/{plan['id']}/workbench", auth)
        households = {
            f["properties"]["code"]: f["properties"]["households"]
            for f in before["areas"]["features"]
        }
        inside = {
            f["properties"]["code"]: shapely.point_on_surface(shape(f["geometry"])).coords[0]
            for f in before["areas"]["features"]
        }
        assert len(_balance(page)) == len(households)
        page.screenshot(path=str(artifacts / "editor-1-open.png"))

        # merge: click the two grids, then the button
        _click_at(page, *inside[first])
        _click_at(page, *inside[second])
        page.click("button[data-tool=merge]")
        expect(page.locator("#notice .ok")).to_contain_text("已合并", timeout=20_000)
        _ready(page, errors)
        merged = _balance(page)
        assert second not in merged and len(merged) == len(households) - 1
        assert merged[first] == f"{households[first] + households[second]}户"
        page.screenshot(path=str(artifacts / "editor-2-merged.png"))
        findings_after_merge = page.locator("#findings").inner_text()

        # split the merged grid with a line drawn across it (west to east through its middle)
        merged_shape = shape(
            next(
                f["geometry"]
                for f in _call(server, f"/plans/{plan['id']}", auth)["areas"]["features"]
                if f["properties"]["code"] == first
            )
        )
        west, _, east, _ = merged_shape.bounds
        middle = shapely.point_on_surface(merged_shape)
        line = [
            (west - 0.0005, middle.y),
            (middle.x, middle.y + 0.00005),
            (east + 0.0005, middle.y),
        ]
        page.click("button[data-tool=split]")
        for lon, lat in line[:-1]:
            _click_at(page, lon, lat)
        x, y = _pixel(page, *line[-1])
        page.mouse.dblclick(x, y)
        expect(page.locator("#notice .ok")).to_contain_text("已拆分", timeout=20_000)
        _ready(page, errors)
        split = _balance(page)
        assert len(split) == len(merged) + 1
        page.screenshot(path=str(artifacts / "editor-3-split.png"))
        assert page.locator("#findings").inner_text() != "" and findings_after_merge

        # undo the split: the merged grid is back
        page.click("button[data-tool=undo]")
        expect(page.locator("#notice .ok")).to_contain_text("已撤销", timeout=20_000)
        _ready(page, errors)
        assert _balance(page) == merged

        # publish; the lookup answers with the merged grid where the second grid was
        page.click("#publish-plan")
        expect(page.locator("#notice .ok")).to_contain_text("已发布", timeout=30_000)
        expect(page.locator("#status")).to_contain_text("published")
        page.screenshot(path=str(artifacts / "editor-4-published.png"))
        lon, lat = inside[second]
        found = _call(server, f"/lookup?lon={lon}&lat={lat}", auth)
        assert found["grid"]["code"] == first, found
    finally:
        page.close()
    assert not errors, errors
    assert not foreign, foreign
