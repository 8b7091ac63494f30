"""Issue 14 (second part): a plan's street blocks, painting them into a grid, and reshaping a
grid, over HTTP on the tiny hierarchy with a small walking network of its own."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gis.crs import wgs84_to_gcj02
from gis.db import addresses as address_sql
from gis.db import stations as station_sql
from gis.network.graph import network_from_edges
from gis.usecases.runtime import Runtime
from tests.principals import bearer, role_token
from tests.stores import address_row

COMMUNITY, WEST, EAST = "110108010019", "110108010019001", "110108010019002"
COVERAGE_RULES = {"overlap", "gap", "outside-parent", "invalid-geometry", "empty-geometry"}
# block ids of the network below: the north row west to east, then the south row
NW, NORTH_MIDDLE, NORTH_EAST, SW, SOUTH_MIDDLE, SOUTH_EAST = range(6)
INSIDE = {NORTH_MIDDLE: (116.3475, 40.005), SOUTH_MIDDLE: (116.3475, 39.995)}


def forget_networks(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE walk_networks, walk_edges RESTART IDENTITY CASCADE"))


@pytest.fixture
def network(empty_store: Engine, rt: Runtime) -> str:
    """An east–west street along 40.0 across the community, a north–south one at 116.345."""
    forget_networks(empty_store)
    nodes = [(116.335, 40.0), (116.345, 40.0), (116.355, 40.0), (116.365, 40.0),
             (116.345, 39.985), (116.345, 40.015)]  # fmt: skip
    walk = network_from_edges(nodes, [0, 1, 2, 4, 1], [1, 2, 3, 1, 5], name="test streets")
    with rt.write() as conn:
        version, _ = station_sql.save_network(conn, network=walk)
    return version


def draft(client: TestClient) -> int:
    made = client.post(f"/plans?scope={COMMUNITY}")
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def grids(answer: dict[str, Any]) -> dict[str, shapely.Geometry]:
    return {
        f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
        for f in answer["areas"]["features"]
    }


def coverage_errors(answer: dict[str, Any]) -> list[str]:
    return [f["rule"] for f in answer["findings"]["findings"] if f["rule"] in COVERAGE_RULES]


def paint(client: TestClient, plan: int, **body: Any) -> Any:
    return client.post(f"/plans/{plan}/operations", json={"op": "assign_blocks", **body})


def test_issue14_blocks_cut_the_grids_along_the_network(client: TestClient, network: str) -> None:
    answer = client.get(f"/plans/{draft(client)}/blocks")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["type"] == "FeatureCollection" and found["network"] == network
    features = found["features"]
    assert [f["properties"]["id"] for f in features] == list(range(6))
    assert [f["properties"]["grid"] for f in features] == [WEST, WEST, EAST, WEST, WEST, EAST]
    block = features[NORTH_MIDDLE]["properties"]
    assert block["area_m2"] == pytest.approx(0.25 * 0.5 * 3.79e6, rel=0.01)
    assert shapely.geometry.shape(features[NORTH_MIDDLE]["geometry"]).equals(
        shapely.box(116.345, 40.0, 116.35, 40.01)
    )
    assert block["households"] is None  # no registry here


def test_issue14_without_a_network_the_blocks_are_the_grids(
    client: TestClient, empty_store: Engine
) -> None:
    forget_networks(empty_store)
    found = client.get(f"/plans/{draft(client)}/blocks").json()
    assert found["network"] is None and "no walking network" in found["note"]
    assert sorted(f["properties"]["grid"] for f in found["features"]) == [WEST, EAST]


def test_issue14_blocks_count_the_households_of_their_addresses(
    client: TestClient, network: str, rt: Runtime
) -> None:
    with rt.write() as conn:
        address_sql.upsert_addresses(
            conn, rows=[address_row("学院路1号", *INSIDE[NORTH_MIDDLE], households=40)]
        )
    features = client.get(f"/plans/{draft(client)}/blocks").json()["features"]
    assert [f["properties"]["households"] for f in features] == [0, 40, 0, 0, 0, 0]


def test_issue14_painted_blocks_move_into_the_grid(client: TestClient, network: str) -> None:
    plan = draft(client)
    moved = paint(client, plan, blocks=[NORTH_MIDDLE, SOUTH_MIDDLE], to=EAST)
    assert moved.status_code == 200, moved.text
    answer = moved.json()
    assert answer["op"] == "assign_blocks" and not coverage_errors(answer)
    now = grids(answer)
    assert now[WEST].equals(shapely.box(116.34, 39.99, 116.345, 40.01))
    assert now[EAST].equals(shapely.box(116.345, 39.99, 116.36, 40.01))
    # the old border is neither a grid's edge nor a street now: its blocks became one
    after = client.get(f"/plans/{plan}/blocks").json()["features"]
    assert [f["properties"]["grid"] for f in after] == [WEST, EAST, WEST, EAST]


def test_issue14_blocks_are_painted_at_gcj02_positions(client: TestClient, network: str) -> None:
    plan = draft(client)
    lon, lat = wgs84_to_gcj02(*zip(*INSIDE.values(), strict=True))
    positions = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
    moved = paint(client, plan, blocks=positions, to=EAST, crs="gcj02")
    assert moved.status_code == 200, moved.text
    stored = client.get(f"/plans/{plan}/workbench").json()  # the answer is in GCJ-02; this is not
    assert grids(stored)[WEST].equals(shapely.box(116.34, 39.99, 116.345, 40.01))
    # the same positions taken as WGS84 are ~530 m east, in the east grid's own blocks
    wrong = paint(client, draft(client), blocks=positions, to=EAST)
    assert wrong.status_code == 400 and "all in grid" in wrong.json()["detail"]


def test_issue14_blocks_drawn_in_gcj02_are_painted_at_their_points(
    client: TestClient, network: str
) -> None:
    plan = draft(client)
    drawn = client.get(f"/plans/{plan}/blocks?crs=gcj02").json()["features"]
    plain = client.get(f"/plans/{plan}/blocks").json()["features"]
    moved = shapely.geometry.shape(drawn[NORTH_MIDDLE]["geometry"]).centroid
    assert moved.x - shapely.geometry.shape(plain[NORTH_MIDDLE]["geometry"]).centroid.x > 0.005
    point = drawn[NORTH_MIDDLE]["properties"]["point"]
    assert shapely.geometry.shape(drawn[NORTH_MIDDLE]["geometry"]).contains(shapely.Point(point))
    painted = paint(client, plan, blocks=[point], to=EAST, crs="gcj02")
    assert painted.status_code == 200, painted.text
    assert grids(client.get(f"/plans/{plan}/workbench").json())[EAST].equals(
        shapely.box(116.345, 40.0, 116.36, 40.01) | shapely.box(116.35, 39.99, 116.36, 40.0)
    )


def test_issue14_blocks_are_painted_by_address(
    client: TestClient, network: str, rt: Runtime
) -> None:
    with rt.write() as conn:
        address_sql.upsert_addresses(conn, rows=[address_row("学院路2号", *INSIDE[SOUTH_MIDDLE])])
        address_id = conn.execute(text("SELECT max(id) FROM addresses")).scalar_one()
    moved = paint(client, draft(client), addresses=[address_id], to=EAST)
    assert moved.status_code == 200, moved.text
    west = grids(moved.json())[WEST]
    assert west.equals(shapely.box(116.34, 39.99, 116.35, 40.01) - shapely.box(116.345, 39.99,
                                                                                116.35, 40.0))  # fmt: skip


def test_issue14_undo_and_redo_a_painting(client: TestClient, network: str) -> None:
    plan = draft(client)
    before = client.get(f"/plans/{plan}").json()["areas"]
    painted = paint(client, plan, blocks=[NORTH_MIDDLE], to=EAST).json()
    undone = client.post(f"/plans/{plan}/operations", json={"op": "undo"})
    assert undone.status_code == 200 and undone.json()["step"] == "assign_blocks"
    assert client.get(f"/plans/{plan}").json()["areas"] == before
    redone = client.post(f"/plans/{plan}/operations", json={"op": "redo"}).json()
    assert grids(redone)[WEST].equals(grids(painted)[WEST])


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"to": EAST}, "blocks: this operation needs"),
        ({"blocks": [NORTH_MIDDLE]}, "to: this operation needs a grid code"),
        ({"blocks": [99], "to": EAST}, "blocks: no block 99 (the plan's blocks are 0 to 5)"),
        ({"blocks": [[116.30, 39.0]], "to": EAST}, "blocks: item 0 lies in no block"),
        ({"blocks": [[116.30, 39.0, 1.0]], "to": EAST}, "blocks: expected block ids or"),
        ({"blocks": [NW], "to": EAST}, f"blocks: the painted blocks do not touch grid {EAST}"),
        (
            {"blocks": [NORTH_EAST], "to": EAST},
            f"blocks: the painted blocks are all in grid {EAST}",
        ),
        (
            {"blocks": [NORTH_EAST, SOUTH_EAST], "to": WEST},
            f"blocks: the move would leave grid {EAST} empty; merge it instead",
        ),
        ({"addresses": [999_999], "to": EAST}, "addresses: no standard address 999999"),
    ],
)
def test_issue14_a_refused_painting_leaves_the_draft_unchanged(
    client: TestClient, network: str, body: dict[str, Any], said: str
) -> None:
    plan = draft(client)
    before = client.get(f"/plans/{plan}").json()["areas"]
    refused = paint(client, plan, **body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"].startswith(said), refused.json()
    assert client.get(f"/plans/{plan}").json()["areas"] == before


def polygon(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[*map(list, points), list(points[0])]]}


def test_issue14_a_reshaped_grid_takes_and_gives_land(client: TestClient) -> None:
    plan = draft(client)
    path = f"/plans/{plan}/operations"
    wider = polygon((116.34, 39.99), (116.352, 39.99), (116.352, 40.01), (116.34, 40.01))
    reshaped = client.post(path, json={"op": "reshape", "grid": WEST, "geometry": wider})
    assert reshaped.status_code == 200, reshaped.text
    answer = reshaped.json()
    assert not coverage_errors(answer)
    assert grids(answer)[EAST].equals(shapely.box(116.352, 39.99, 116.36, 40.01))
    undone = client.post(path, json={"op": "undo"}).json()
    assert undone["step"] == "reshape"
    assert grids(undone)[EAST].equals(shapely.box(116.35, 39.99, 116.36, 40.01))


def test_issue14_a_reshape_in_gcj02_keeps_the_untouched_edges(client: TestClient) -> None:
    corners = [(116.34, 39.99), (116.352, 39.99), (116.352, 40.01), (116.34, 40.01)]
    lon, lat = wgs84_to_gcj02(*zip(*corners, strict=True))
    shifted = polygon(*((float(x), float(y)) for x, y in zip(lon, lat, strict=True)))
    plan = draft(client)
    body = {"op": "reshape", "grid": WEST, "geometry": shifted, "crs": "gcj02"}
    reshaped = client.post(f"/plans/{plan}/operations", json=body)
    assert reshaped.status_code == 200, reshaped.text
    assert not coverage_errors(reshaped.json())
    stored = client.get(f"/plans/{plan}/workbench").json()  # in WGS84 (the answer is GCJ-02)
    west_edge = shapely.LineString([(116.34, 39.99), (116.34, 40.01)])
    assert shapely.covers(grids(stored)[WEST], west_edge)


CROSSED = polygon((116.34, 39.99), (116.352, 40.01), (116.352, 39.99), (116.34, 40.01))
SHRUNK_FROM_THE_EDGE = polygon((116.342, 39.99), (116.35, 39.99), (116.35, 40.01), (116.342, 40.01))
EVERYTHING = polygon((116.34, 39.99), (116.36, 39.99), (116.36, 40.01), (116.34, 40.01))


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            {"geometry": CROSSED},
            "geometry: the reshaped grid crosses itself near (116.346000, 40.000000)",
        ),
        (
            {"geometry": SHRUNK_FROM_THE_EDGE},
            "geometry: the edit leaves a gap at the community's edge",
        ),
        ({"geometry": EVERYTHING}, f"geometry: the reshaped grid covers grid {EAST} entirely"),
        (
            {"geometry": {"type": "LineString", "coordinates": [[116.3, 40], [116.4, 40]]}},
            "geometry",
        ),
        ({}, "geometry: this operation needs a Polygon or MultiPolygon"),
    ],
)
def test_issue14_a_refused_reshape_leaves_the_draft_unchanged(
    client: TestClient, body: dict[str, Any], said: str
) -> None:
    plan = draft(client)
    before = client.get(f"/plans/{plan}").json()["areas"]
    refused = client.post(f"/plans/{plan}/operations", json={"op": "reshape", "grid": WEST, **body})
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"].startswith(said), refused.json()
    assert client.get(f"/plans/{plan}").json()["areas"] == before


def test_issue14_another_communitys_planner_sees_no_blocks(
    client: TestClient, network: str, rt: Runtime
) -> None:
    plan = draft(client)
    other = bearer(role_token(rt, "planner", "110108010021"))
    hidden = client.get(f"/plans/{plan}/blocks", headers=other)
    missing = client.get("/plans/999999/blocks", headers=other)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == f"plan: no plan {plan}"
    assert paint(client, plan, blocks=[NORTH_MIDDLE], to=EAST).status_code == 200
    refused = client.post(
        f"/plans/{plan}/operations",
        json={"op": "assign_blocks", "blocks": [SOUTH_MIDDLE], "to": EAST},
        headers=other,
    )
    assert refused.status_code == 403
