"""Issue 14: the API's check findings speak Chinese by default; the plan page in either language."""

import json

import shapely
from fastapi.testclient import TestClient

from tests import geoms

COMMUNITY = "110108010019"
GAP = [
    ("110108010019001", "w", shapely.box(116.34, 39.99, 116.349, 40.01)),
    ("110108010019002", "e", shapely.box(116.35, 39.99, 116.36, 40.01)),
]


def _gap_plan(client: TestClient) -> int:
    body = json.loads(geoms.frame(GAP).to_json())
    created = client.post("/plans", params={"scope": COMMUNITY}, json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _as_json(text: str) -> str:
    return json.dumps(text)[1:-1]


def _gap_message(findings: list[dict]) -> str:
    (gap,) = [f for f in findings if f["rule"] == "gap"]
    return str(gap["message"])


def test_posted_check_answers_in_chinese(client: TestClient) -> None:
    body = json.loads(geoms.frame(GAP).to_json())
    answer = client.post("/checks", params={"parent": COMMUNITY}, json=body).json()
    assert _gap_message(answer["findings"]).startswith("缝隙 ")
    assert "位于 110108010019001 和 110108010019002 之间" in _gap_message(answer["findings"])
    geojson = client.post(
        "/checks", params={"parent": COMMUNITY, "format": "geojson"}, json=body
    ).json()
    assert _gap_message([f["properties"] for f in geojson["features"]]).startswith("缝隙 ")


def test_plan_check_answers_in_chinese(client: TestClient) -> None:
    plan_id = _gap_plan(client)
    answer = client.get(f"/plans/{plan_id}/check").json()
    assert _gap_message(answer["findings"]).startswith("缝隙 ")
    assert answer["summary"]["by_rule"]["gap"] == 1  # rule codes stay codes


def test_plan_page_findings_in_chinese_or_english(client: TestClient) -> None:
    plan_id = _gap_plan(client)
    chinese = client.get(f"/maps/plans/{plan_id}.html").text
    english = client.get(f"/maps/plans/{plan_id}.html", params={"lang": "en"}).text
    # folium writes the features as ASCII JSON: the messages as JSON strings
    assert _as_json("缝隙 ") in chinese and "gap of " not in chinese
    assert "gap of " in english and _as_json("缝隙 ") not in english
    assert f'"rule_name": "{_as_json("缝隙")}"' in chinese and '"rule_name": "Gap"' in english
    refused = client.get(f"/maps/plans/{plan_id}.html", params={"lang": "fr"})
    assert refused.status_code == 400
