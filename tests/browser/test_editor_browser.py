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


def _watched(browser: Any, server: str) -> tuple[Any, list[str], list[str]]:
    """A wide page, with the errors it reports and the requests it makes to other origins."""
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 900})
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    return page, errors, foreign


def _ready(page: Any, errors: list[str]) -> None:
    """Wait until the page is idle (no request of its own pending); its errors if it fails."""
    try:
        expect(page.locator("#editor")).to_have_attribute("data-ready", "true", timeout=20_000)
    except AssertionError as failed:
        raise AssertionError(f"the editor is not ready; its errors: {errors}") from failed


def test_issue14_a_planner_merges_splits_undoes_and_publishes_with_the_mouse(
    server: str, browser: Any, auth: dict[str, str], artifacts: Path
) -> None:
    page, errors, foreign = _watched(browser, server)
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


def _plan_of(page: Any, server: str) -> int:
    """Start a draft of the community from the plans page; the workbench it opens, ready."""
    page.goto(f"{server}/maps/plans.html")
    page.select_option("#scope", COMMUNITY)
    page.click("#new-plan button[type=submit]")
    page.wait_for_url(f"{server}/maps/plans/*/edit.html")
    return int(page.url.rsplit("/", 2)[-2])


def _grids(server: str, plan: int, auth: dict[str, str]) -> dict[str, Any]:
    areas = _call(server, f"/plans/{plan}/workbench", auth)["areas"]["features"]
    return {f["properties"]["code"]: shape(f["geometry"]) for f in areas}


def _bordering_blocks(
    server: str, plan: int, auth: dict[str, str], target: str, crs: str = "wgs84"
) -> list[list[float]]:
    """Points of the blocks of other grids that share an edge with ``target`` (in ``crs``)."""
    grids = _grids(server, plan, auth)
    stored = _call(server, f"/plans/{plan}/blocks", auth)["features"]
    drawn = _call(server, f"/plans/{plan}/blocks?crs={crs}", auth)["features"]
    edge = grids[target].boundary
    return [
        shown["properties"]["point"]
        for block, shown in zip(stored, drawn, strict=True)
        if block["properties"]["grid"] != target
        and shapely.intersection(shape(block["geometry"]).boundary, edge).length > 0.0002
    ]


def test_issue14_a_planner_paints_blocks_and_drags_a_vertex(
    server: str, browser: Any, auth: dict[str, str], artifacts: Path
) -> None:
    page, errors, foreign = _watched(browser, server)
    try:
        plan = _plan_of(page, server)
        _ready(page, errors)
        grids = _grids(server, plan, auth)
        target = max(grids, key=lambda code: grids[code].area)
        painted = _bordering_blocks(server, plan, auth, target)[:2]
        assert painted, "no block borders the target grid"

        # paint: select the grid, pick two of its neighbours' blocks, apply
        _click_at(page, *shapely.point_on_surface(grids[target]).coords[0])
        page.click("button[data-tool=paint]")
        for lon, lat in painted:
            _click_at(page, lon, lat)
        page.screenshot(path=str(artifacts / "editor-5-painting.png"))
        page.click("button[data-tool=apply]")
        expect(page.locator("#notice .ok")).to_contain_text("已划入街块", timeout=20_000)
        _ready(page, errors)
        after = _grids(server, plan, auth)
        for lon, lat in painted:
            assert after[target].contains(shapely.Point(lon, lat))
        assert after[target].area > grids[target].area

        # reshape: drag a vertex the grid shares with a neighbour, then apply
        outline = shapely.union_all(list(after.values())).boundary
        shared = [
            xy
            for xy in shapely.get_coordinates(after[target]).tolist()
            if shapely.Point(xy).distance(outline) > 0.00005
        ]
        assert shared, "the grid has no vertex inside the community"
        page.click("button[data-tool=reshape]")
        x, y = _pixel(page, *shared[len(shared) // 2])
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 12, y + 9, steps=5)
        page.mouse.up()
        page.click("button[data-tool=apply]")
        notice = page.locator("#notice div")
        expect(notice).to_have_count(1)
        expect(notice).not_to_contain_text("已划入街块", timeout=20_000)
        _ready(page, errors)
        page.screenshot(path=str(artifacts / "editor-6-reshaped.png"))
        assert "已修改边界" in notice.inner_text(), notice.inner_text()
        reshaped = _grids(server, plan, auth)
        assert not reshaped[target].equals(after[target])
        total = sum(g.area for g in after.values())
        assert abs(sum(g.area for g in reshaped.values()) - total) < total * 1e-6  # no gap
    finally:
        page.close()
    assert not errors, errors
    assert not foreign, foreign


def test_issue14_on_amap_the_workbench_draws_and_paints_in_gcj02(
    server: str, browser: Any, auth: dict[str, str], artifacts: Path
) -> None:
    """AMap's tiles are GCJ-02: the page draws there and the API takes its clicks back."""
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 900})
    errors: list[str] = []
    tiles: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    blank = (Path(__file__).parent / "blank.png").read_bytes()

    def tile(route: Any) -> None:  # AMap's tiles, answered here: no request leaves the test
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=blank)

    page.route("https://*.is.autonavi.com/**", tile)
    try:
        plan = _plan_of(page, server)
        page.goto(f"{server}/maps/plans/{plan}/edit.html?basemap=amap")
        _ready(page, errors)
        for _ in range(100):  # tiles are asked for as the map lays out, maybe after "ready"
            if tiles:
                break
            page.wait_for_timeout(100)
        assert tiles, "no AMap tile was asked for"
        assert page.locator("#editor").get_attribute("data-crs") == "gcj02"
        grids = _grids(server, plan, auth)
        target = max(grids, key=lambda code: grids[code].area)
        stored = _bordering_blocks(server, plan, auth, target)[:1]
        drawn = _bordering_blocks(server, plan, auth, target, crs="gcj02")[:1]
        centre = shapely.point_on_surface(grids[target])
        shifted = _call(server, f"/plans/{plan}/workbench?crs=gcj02", auth)["areas"]["features"]
        here = shapely.point_on_surface(
            next(shape(f["geometry"]) for f in shifted if f["properties"]["code"] == target)
        )
        assert here.x - centre.x > 0.004  # drawn ~500 m east of WGS84, where AMap has it
        _click_at(page, here.x, here.y)
        page.click("button[data-tool=paint]")
        _click_at(page, *drawn[0])
        page.click("button[data-tool=apply]")
        expect(page.locator("#notice .ok")).to_contain_text("已划入街块", timeout=20_000)
        _ready(page, errors)
        page.screenshot(path=str(artifacts / "editor-7-amap.png"))
        assert _grids(server, plan, auth)[target].contains(shapely.Point(stored[0]))
    finally:
        page.close()
    assert not errors, errors
