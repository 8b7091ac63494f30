"""Plans and checks over HTTP."""

import json
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient

from tests import geoms

COMMUNITY = "110108010019"


def collection(rows: list[tuple[str, str, shapely.Geometry]]) -> dict:
    return json.loads(geoms.frame(rows).to_json())


MOVED = [
    ("110108010019001", "w", shapely.box(116.34, 39.99, 116.352, 40.01)),
    ("110108010019002", "e", shapely.box(116.352, 39.99, 116.36, 40.01)),
]
GAP = [
    ("110108010019001", "w", shapely.box(116.34, 39.99, 116.349, 40.01)),
    ("110108010019002", "e", shapely.box(116.35, 39.99, 116.36, 40.01)),
]


def test_check_geojson_body(client: TestClient) -> None:
    response = client.post("/checks", params={"parent": COMMUNITY}, json=collection(GAP))
    assert response.status_code == 200
    body = response.json()
    assert body["summary"]["errors"] == 1 and body["findings"][0]["rule"] == "gap"


def test_check_file_upload_as_geojson_output(client: TestClient, tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(GAP), tmp_path / "g.gpkg")
    with path.open("rb") as handle:
        response = client.post(
            "/checks",
            params={"parent": COMMUNITY, "format": "geojson"},
            files={"file": ("grids.gpkg", handle, "application/octet-stream")},
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.json()["features"][0]["properties"]["rule"] == "gap"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (
            {"content": b"hello", "headers": {"content-type": "text/plain"}},
            "is not a boundary file",
        ),
        (
            {"files": {"file": ("grids.xlsx", b"PK", "application/octet-stream")}},
            "unknown format '.xlsx'",
        ),
        ({"content": b"{", "headers": {"content-type": "application/geo+json"}}, "cannot read"),
    ],
)
def test_upload_that_is_not_a_boundary_file(
    client: TestClient, kwargs: dict, fragment: str
) -> None:
    response = client.post("/checks", **kwargs)
    assert response.status_code == 400
    assert response.json()["code"] == "UnreadableFile" and fragment in response.json()["detail"]


def test_plan_life_cycle(client: TestClient) -> None:
    created = client.post(
        "/plans", params={"scope": COMMUNITY, "note": "widen west"}, json=collection(MOVED)
    )
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    plan = client.get(f"/plans/{plan_id}").json()
    assert plan["status"] == "draft" and len(plan["areas"]["features"]) == 2
    assert client.get(f"/plans/{plan_id}/check").json()["summary"]["errors"] == 0
    diff = client.get(f"/plans/{plan_id}/diff").json()
    assert diff["transfers"][0]["from_code"] == "110108010019002"
    pieces = client.get(f"/plans/{plan_id}/diff", params={"format": "geojson"})
    assert pieces.headers["content-type"] == "application/geo+json"
    published = client.post(f"/plans/{plan_id}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = client.post(f"/plans/{plan_id}/publish")
    assert again.status_code == 409 and again.json()["code"] == "Conflict"
    history = client.get("/areas/110108010019001/history").json()
    assert len(history["features"]) == 2


def test_publish_with_errors_needs_force_and_reason(client: TestClient) -> None:
    plan_id = client.post("/plans", params={"scope": COMMUNITY}, json=collection(GAP)).json()["id"]
    refused = client.post(f"/plans/{plan_id}/publish")
    assert refused.status_code == 409 and "gap" in refused.json()["detail"]
    no_reason = client.post(f"/plans/{plan_id}/publish", json={"force": True})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    forced = client.post(
        f"/plans/{plan_id}/publish", json={"force": True, "reason": "survey pending"}
    )
    assert forced.status_code == 200


def test_plan_errors(client: TestClient) -> None:
    outside = [("110108010020001", "x", geoms.GRIDS[0])]
    assert (
        client.post("/plans", params={"scope": COMMUNITY}, json=collection(outside)).status_code
        == 400
    )
    assert client.post("/plans", params={"scope": "999999999999"}).json()["code"] == "NotFound"
    assert client.get("/plans/4242").status_code == 404
    assert client.post("/plans/4242/publish").json() == {
        "detail": "plan: no plan 4242",
        "code": "NotFound",
    }


def test_plan_copy_of_current_without_body(client: TestClient) -> None:
    created = client.post("/plans", params={"scope": COMMUNITY})
    assert created.status_code == 201
    assert len(client.get(f"/plans/{created.json()['id']}").json()["areas"]["features"]) == 2


def test_plan_with_a_point_feature_is_kept_and_reported_not_a_500(client: TestClient) -> None:
    point = {
        "type": "Feature",
        "properties": {"code": "110108010019002", "name": "点"},
        "geometry": {"type": "Point", "coordinates": [116.355, 40.0]},
    }
    body = collection(MOVED[:1])
    body["features"].append(point)
    created = client.post("/plans", params={"scope": COMMUNITY}, json=body)
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    rules = {f["rule"] for f in client.get(f"/plans/{plan_id}/check").json()["findings"]}
    assert "empty-geometry" in rules or "invalid-geometry" in rules
    forced = client.post(f"/plans/{plan_id}/publish", json={"force": True, "reason": "test"})
    assert forced.status_code == 400 and "have no polygon" in forced.json()["detail"]


@pytest.mark.parametrize("kind", ["json", "multipart"])
def test_upload_over_the_limit_is_413(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from api import uploads

    monkeypatch.setattr(uploads, "MAX_BYTES", 1000)
    big = collection(MOVED)
    big["features"][0]["properties"]["note"] = "x" * 5000
    payload = json.dumps(big).encode()
    if kind == "json":
        response = client.post(
            "/checks", content=payload, headers={"content-type": "application/geo+json"}
        )
    else:
        response = client.post(
            "/checks", files={"file": ("g.geojson", payload, "application/geo+json")}
        )
    assert response.status_code == 413 and response.json()["code"] == "PayloadTooLarge"


def test_item15_plan_areas_say_where_their_households_come_from(client: TestClient) -> None:
    plan_id = client.post("/plans", params={"scope": COMMUNITY}).json()["id"]
    features = client.get(f"/plans/{plan_id}").json()["areas"]["features"]
    assert all("households_source" in f["properties"] for f in features)
    summary = client.get(f"/plans/{plan_id}/diff").json()["summary"]
    assert {"households_before", "households_after"} <= set(summary[0])


def test_item16_renumber_route_keeps_codes_unless_all(client: TestClient) -> None:
    swapped = [
        ("110108010019002", "w", shapely.box(116.34, 39.99, 116.35, 40.01)),
        ("110108010019001", "e", shapely.box(116.35, 39.99, 116.36, 40.01)),
    ]
    plan_id = client.post("/plans", params={"scope": COMMUNITY}, json=collection(swapped)).json()
    kept = client.post(f"/plans/{plan_id['id']}/renumber")
    assert kept.status_code == 200, kept.text
    assert sorted(c["code"] for c in kept.json()["changed"]) == [
        "110108010019001",
        "110108010019002",
    ]  # the file swapped two codes; each grid gets its own back
    assert client.get(f"/plans/{plan_id['id']}/diff").json()["transfers"] == []
    again = client.post(f"/plans/{plan_id['id']}/renumber", json={"all": True})
    assert again.status_code == 200 and again.json() == {"changed": [], "incidents": []}
    assert client.post("/plans/4242/renumber").json()["code"] == "NotFound"


def test_item16_renumber_route_refuses_an_id_beyond_bigint(client: TestClient) -> None:
    response = client.post("/plans/9223372036854775808/renumber")
    assert response.status_code in (400, 404, 422) and "code" in response.json()
