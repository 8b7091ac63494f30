"""Issue 14 item 1 (first part): plan operations over HTTP, the plan list by status, discarding
a draft."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

COMMUNITY, WEST, EAST = "110108010019", "110108010019001", "110108010019002"


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def box(w: float, s: float, e: float, n: float) -> dict[str, Any]:
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {"type": "Polygon", "coordinates": [ring]}


def draft(client: TestClient) -> int:
    made = client.post(f"/plans?scope={COMMUNITY}")
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def codes(answer: dict[str, Any]) -> list[str]:
    return sorted(f["properties"]["code"] for f in answer["areas"]["features"])


def test_issue14_split_merge_and_move_answer_the_grids_and_findings(client: TestClient) -> None:
    plan = draft(client)
    path = f"/plans/{plan}/operations"
    split = client.post(
        path, json={"op": "split", "grid": WEST, "line": line((116.345, 39.98), (116.345, 40.02))}
    )
    assert split.status_code == 200, split.text
    answer = split.json()
    new = answer["new_grid"]
    assert codes(answer) == sorted([WEST, EAST, new])
    assert all(f["properties"]["area_m2"] > 0 for f in answer["areas"]["features"])
    assert "summary" in answer["findings"] and answer["plan"]["status"] == "draft"
    moved = client.post(
        path,
        json={"op": "move", "piece": box(116.35, 39.99, 116.352, 40.01), "source": EAST, "to": new},
    )
    assert moved.status_code == 200, moved.text
    merged = client.post(path, json={"op": "merge", "grids": [WEST, new]})
    assert merged.status_code == 200 and codes(merged.json()) == [WEST, EAST]


def test_issue14_a_refused_operation_leaves_the_draft_unchanged(client: TestClient) -> None:
    plan = draft(client)
    path = f"/plans/{plan}/operations"
    before = client.get(f"/plans/{plan}").json()["areas"]
    for body, field in (
        ({"op": "split", "grid": WEST, "line": line((116.30, 39.0), (116.31, 39.1))}, "line"),
        (
            {"op": "split", "grid": WEST, "line": {"type": "Point", "coordinates": [116.3, 40]}},
            "line",
        ),
        ({"op": "split", "line": line((116.345, 39.98), (116.345, 40.02))}, "grid"),
        ({"op": "merge", "grids": [WEST]}, ""),
        ({"op": "move", "piece": box(116.30, 39.0, 116.31, 39.1), "source": EAST, "to": WEST}, ""),
    ):
        refused = client.post(path, json=body)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["detail"].startswith(field), refused.json()
    assert client.get(f"/plans/{plan}").json()["areas"] == before


def test_issue14_drafts_are_listed_by_status_and_discarded(client: TestClient) -> None:
    kept, discarded = draft(client), draft(client)
    assert {p["id"] for p in client.get("/plans?status=draft").json()} == {kept, discarded}
    assert client.delete(f"/plans/{discarded}").status_code == 204
    assert client.get(f"/plans/{discarded}").status_code == 404
    assert client.post(f"/plans/{kept}/publish", json={}).status_code == 200
    assert client.get("/plans?status=published").json()[0]["id"] == kept
    refused = client.delete(f"/plans/{kept}")
    assert refused.status_code == 409 and "only drafts" in refused.json()["detail"]
    assert client.get("/plans?status=shelved").status_code == 400


def test_issue14_undo_and_redo_step_through_the_edits(client: TestClient) -> None:
    plan = draft(client)
    path = f"/plans/{plan}/operations"
    nothing = client.post(path, json={"op": "undo"})
    assert nothing.status_code == 409 and "nothing to undo" in nothing.json()["detail"]
    split = client.post(
        path, json={"op": "split", "grid": WEST, "line": line((116.345, 39.98), (116.345, 40.02))}
    ).json()
    merged = client.post(path, json={"op": "merge", "grids": [WEST, split["new_grid"]]}).json()
    assert codes(merged) == [WEST, EAST]
    undone = client.post(path, json={"op": "undo"}).json()
    assert undone["step"] == "merge" and codes(undone) == codes(split)
    first = client.post(path, json={"op": "undo"}).json()
    assert first["step"] == "split" and codes(first) == [WEST, EAST]
    redone = client.post(path, json={"op": "redo"}).json()
    assert redone["step"] == "split" and codes(redone) == codes(split)
    client.post(path, json={"op": "move", "piece": box(116.35, 39.99, 116.352, 40.01),
                            "source": EAST, "to": split["new_grid"]})  # fmt: skip
    gone = client.post(path, json={"op": "redo"})  # a new edit forgets what was undone
    assert gone.status_code == 409 and "nothing to redo" in gone.json()["detail"]
