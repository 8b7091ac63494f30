"""Issue 14: the workbench's page and its reads (the draft now, the context), over HTTP."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from gis.crs import wgs84_to_gcj02
from gis.identity.roles import Grant
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample_extras
from tests.principals import bearer, user_token

COMMUNITY = "110108010021"


@pytest.fixture
def plan_id(sample_client: TestClient) -> int:
    made = sample_client.post(f"/plans?scope={COMMUNITY}")
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_issue14_the_workbench_read_is_the_operations_answer(
    sample_client: TestClient, plan_id: int
) -> None:
    now = sample_client.get(f"/plans/{plan_id}/workbench")
    assert now.status_code == 200, now.text
    body = now.json()
    assert body["plan"]["id"] == plan_id and body["plan"]["status"] == "draft"
    codes = sorted(f["properties"]["code"] for f in body["areas"]["features"])
    assert len(codes) == 4 and all(c.startswith(COMMUNITY) for c in codes)
    assert all(f["properties"]["area_m2"] > 0 for f in body["areas"]["features"])
    assert set(body["findings"]) == {"summary", "findings"}
    undone = sample_client.post(f"/plans/{plan_id}/operations", json={"op": "undo"})
    assert undone.status_code == 409  # nothing to undo yet: the same draft as before
    merged = sample_client.post(
        f"/plans/{plan_id}/operations", json={"op": "merge", "grids": codes[1:3]}
    ).json()
    again = sample_client.get(f"/plans/{plan_id}/workbench").json()
    assert again["areas"]["features"] == merged["areas"]["features"]
    assert again["findings"] == merged["findings"]


def test_issue14_the_workbench_answers_in_gcj02_for_amap(
    sample_client: TestClient, plan_id: int
) -> None:
    wgs = sample_client.get(f"/plans/{plan_id}/workbench").json()
    gcj = sample_client.get(f"/plans/{plan_id}/workbench?crs=gcj02").json()
    first_wgs = shapely.get_coordinates(shape(wgs["areas"]["features"][0]["geometry"]))[0]
    first_gcj = shapely.get_coordinates(shape(gcj["areas"]["features"][0]["geometry"]))[0]
    expected = [float(v) for v in wgs84_to_gcj02(*first_wgs)]
    assert first_gcj == pytest.approx(expected, abs=1e-9)
    assert first_gcj[0] - first_wgs[0] > 0.004  # Beijing: about 500 m east
    bad = sample_client.get(f"/plans/{plan_id}/workbench?crs=mars")
    assert bad.status_code == 422 and "crs" in bad.text


def test_issue14_the_context_is_address_points_with_households_only(
    sample_client: TestClient, plan_id: int
) -> None:
    found = sample_client.get(f"/plans/{plan_id}/context")
    assert found.status_code == 200, found.text
    points = found.json()["addresses"]["features"]
    assert points and all(f["geometry"]["type"] == "Point" for f in points)
    assert {k for f in points for k in f["properties"]} == {"households"}
    assert sum(f["properties"]["households"] for f in points) > 0


def test_issue14_the_editor_page_is_scoped_and_loads_only_its_own_assets(
    sample_client: TestClient, plan_id: int, rt: Runtime
) -> None:
    page = sample_client.get(f"/maps/plans/{plan_id}/edit.html")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "connect-src 'self'" in csp
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert sample_client.get(source).status_code == 200, source
    assert 'data-band-min="300"' in page.text and 'data-band-max="500"' in page.text
    assert 'data-may-publish="true"' in page.text
    amap = sample_client.get(f"/maps/plans/{plan_id}/edit.html?basemap=amap")
    assert 'data-crs="gcj02"' in amap.text
    assert "https://*.is.autonavi.com" in amap.headers["content-security-policy"]

    other = user_token(rt, "planner-elsewhere", (Grant("planner", "110108010019"),))
    refused = sample_client.get(f"/maps/plans/{plan_id}/edit.html", headers=bearer(other))
    missing = sample_client.get("/maps/plans/999999/edit.html", headers=bearer(other))
    assert refused.status_code == missing.status_code == 404
    assert f"no plan {plan_id}" in refused.text and "no plan 999999" in missing.text
    viewer = user_token(rt, "viewer-here", (Grant("viewer", COMMUNITY),))
    assert (
        sample_client.get(f"/maps/plans/{plan_id}/edit.html", headers=bearer(viewer)).status_code
        == 403
    )
    drafter = user_token(rt, "drafter-here", (Grant("drafter", COMMUNITY),))
    drafting = sample_client.get(f"/maps/plans/{plan_id}/edit.html", headers=bearer(drafter))
    assert drafting.status_code == 200 and 'data-may-publish="false"' in drafting.text


def test_issue14_the_diff_pieces_come_as_geojson_after_a_merge(
    sample_client: TestClient, plan_id: int
) -> None:
    codes = sorted(
        f["properties"]["code"]
        for f in sample_client.get(f"/plans/{plan_id}/workbench").json()["areas"]["features"]
    )
    sample_client.post(f"/plans/{plan_id}/operations", json={"op": "merge", "grids": codes[1:3]})
    pieces = sample_client.get(f"/plans/{plan_id}/diff?format=geojson")
    assert pieces.status_code == 200, pieces.text
    moved = [f["properties"] for f in pieces.json()["features"]]
    assert {(p["from_code"], p["to_code"]) for p in moved} == {(codes[2], codes[1])}


def test_issue14_an_unchanged_draft_has_no_diff_pieces(
    sample_client: TestClient, plan_id: int
) -> None:
    pieces = sample_client.get(f"/plans/{plan_id}/diff?format=geojson")
    assert pieces.status_code == 200, pieces.text
    assert pieces.json()["features"] == []


def test_issue14_the_plans_page_lists_plans_and_offers_a_new_draft(
    sample_client: TestClient, plan_id: int, rt: Runtime
) -> None:
    sample_client.post(f"/plans?scope={COMMUNITY}&note=<b>east</b>")
    page = sample_client.get("/maps/plans.html")
    assert page.status_code == 200
    assert f'href="/maps/plans/{plan_id}/edit.html"' in page.text
    assert "&lt;b&gt;east&lt;/b&gt;" in page.text and "<b>east" not in page.text
    assert f'<option value="{COMMUNITY}">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'href="/maps/plans.html"' in sample_client.get("/maps").text

    viewer = user_token(rt, "viewer-plans", (Grant("viewer", COMMUNITY),))
    assert sample_client.get("/maps/plans.html", headers=bearer(viewer)).status_code == 403
    assert 'href="/maps/plans.html"' not in sample_client.get("/maps", headers=bearer(viewer)).text
    elsewhere = user_token(rt, "planner-019", (Grant("planner", "110108010019"),))
    theirs = sample_client.get("/maps/plans.html", headers=bearer(elsewhere)).text
    assert f"/maps/plans/{plan_id}.html" not in theirs  # another community's plans: not listed
    assert f'<option value="{COMMUNITY}">' not in theirs
    assert '<option value="110108010019">' in theirs


def test_issue14_findings_speak_chinese_by_default_and_english_on_request(
    sample_client: TestClient, plan_id: int
) -> None:
    codes = sorted(
        f["properties"]["code"]
        for f in sample_client.get(f"/plans/{plan_id}/workbench").json()["areas"]["features"]
    )
    merge = {"op": "merge", "grids": codes[:2]}
    english = sample_client.post(f"/plans/{plan_id}/operations?lang=en", json=merge).json()
    messages = [f["message"] for f in english["findings"]["findings"]]
    assert messages and all("households" in m for m in messages), messages
    chinese = sample_client.get(f"/plans/{plan_id}/check").json()["findings"]
    assert chinese and all("户" in f["message"] for f in chinese)
    assert [f["rule"] for f in chinese] == [f["rule"] for f in english["findings"]["findings"]]
    checked = sample_client.get(f"/plans/{plan_id}/check?lang=en").json()["findings"]
    assert checked[0]["message"].startswith(messages[0])  # plus where households come from
    assert (
        sample_client.get(f"/plans/{plan_id}/workbench?lang=en").json()["findings"]
        == (english["findings"])
    )
    refused = sample_client.post(f"/plans/{plan_id}/operations?lang=fr", json={"op": "undo"})
    assert refused.status_code == 400 and refused.json()["detail"].startswith("lang:")
    still = sample_client.get(f"/plans/{plan_id}/workbench").json()["areas"]["features"]
    assert len(still) == len(codes) - 1  # the refused undo did not run


def test_issue14_an_operation_answers_in_the_crs_it_was_sent_in(
    sample_client: TestClient, plan_id: int
) -> None:
    codes = sorted(
        f["properties"]["code"]
        for f in sample_client.get(f"/plans/{plan_id}/workbench").json()["areas"]["features"]
    )
    merged = sample_client.post(
        f"/plans/{plan_id}/operations", json={"op": "merge", "grids": codes[:2], "crs": "gcj02"}
    ).json()
    wgs = sample_client.get(f"/plans/{plan_id}/workbench").json()
    for drawn, stored in zip(merged["areas"]["features"], wgs["areas"]["features"], strict=True):
        xy = shapely.get_coordinates(shape(stored["geometry"]))
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        got = shapely.get_coordinates(shape(drawn["geometry"]))
        assert np.abs(got - np.column_stack([lon, lat])).max() < 1e-9


def test_issue14_painting_real_blocks_leaves_no_slits_gaps_or_overlaps(
    sample_client: TestClient, plan_id: int, rt: Runtime
) -> None:
    """On the sample's streets a block's corners are computed crossings, a hair off the edge."""
    load_sample_extras(rt)  # the walking network the blocks are cut along
    now = sample_client.get(f"/plans/{plan_id}/workbench").json()["areas"]["features"]
    grids = {f["properties"]["code"]: shape(f["geometry"]) for f in now}
    target = max(grids, key=lambda code: grids[code].area)
    blocks = sample_client.get(f"/plans/{plan_id}/blocks").json()
    assert blocks["network"] is not None
    edge = grids[target].boundary
    bordering = [
        b["properties"]["point"]
        for b in blocks["features"]
        if b["properties"]["grid"] != target
        and shapely.intersection(shape(b["geometry"]).boundary, edge).length > 0.0002
    ]
    painted = sample_client.post(
        f"/plans/{plan_id}/operations",
        json={"op": "assign_blocks", "blocks": bordering, "to": target},
    )
    assert painted.status_code == 200, painted.text
    after = {
        f["properties"]["code"]: shape(f["geometry"]) for f in painted.json()["areas"]["features"]
    }
    assert all(not ring for g in after.values() for p in g.geoms for ring in p.interiors)
    rules = {f["rule"] for f in painted.json()["findings"]["findings"]}
    assert not rules & {"gap", "overlap", "invalid-geometry", "sliver"}, rules
    whole = shapely.union_all(list(grids.values()))
    assert abs(shapely.union_all(list(after.values())).area - whole.area) < whole.area * 1e-9
