"""Issue 16: the tiled grid map's page, and the facts it asks for each tile's grids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import morecantile
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.api.test_ogc_tiles import CENTRE, _decoded, _tile_url
from tests.principals import bearer, operator_token

WMQ = morecantile.tms.get("WebMercatorQuad")
FACTS = "/maps/grids/facts/{}/{}/{}.json"  # zoom, row (y), column (x)


@pytest.fixture
def tiled(
    store_settings: StoreSettings, rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The sample (31 areas) served with tiled grid maps above 10 areas."""
    load_sample(rt)
    monkeypatch.setenv("GRIDMAP_MAP_TILES_ABOVE", "10")
    headers = bearer(operator_token(rt))
    with TestClient(create_app(store_settings), headers=headers) as test_client:
        yield test_client


def _facts(client: TestClient, tile: morecantile.Tile, **params: str) -> dict[str, Any]:
    answer = client.get(FACTS.format(tile.z, tile.y, tile.x), params=params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_issue16_a_tiles_facts_name_every_grid_the_tile_draws(tiled: TestClient) -> None:
    tile = WMQ.tile(*CENTRE, 15)
    drawn = {
        f["properties"]["code"]
        for f in _decoded(tiled.get(_tile_url("grids", tile)).content, "grids")
    }
    facts = _facts(tiled, tile)
    assert drawn and drawn <= set(facts["popup"])
    assert set(facts["unstaffed"]) <= set(facts["popup"])
    for rows in facts["popup"].values():
        assert {"grid_leader", "full_time", "open_incidents"} <= set(rows)
        assert isinstance(rows["open_incidents"], int)
    assert facts["values"] == {}  # no measure asked


def test_issue16_a_measure_is_answered_for_each_grid(tiled: TestClient) -> None:
    tile = WMQ.tile(*CENTRE, 15)
    facts = _facts(tiled, tile, measure="incidents_per_100_households")
    assert set(facts["values"]) == set(facts["popup"])
    whole = tiled.get("/stats", params={"level": "grid", "by": "current"}).json()
    rows = whole["areas"] if isinstance(whole, dict) else whole
    totals = {row["code"]: row["total"] for row in rows if row.get("code")}
    households = {
        f["properties"]["code"]: f["properties"]["households"]
        for f in tiled.get("/areas", params={"level": "grid"}).json()["features"]
    }
    for code, value in facts["values"].items():
        if value is not None:
            assert value == pytest.approx(totals[code] / households[code] * 100)
            assert facts["popup"][code]["measure"] == round(value, 3)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (FACTS.format(15, 6208, 99999), {}, "tileCol"),
        (FACTS.format(40, 0, 0), {}, "tileMatrix"),
        (FACTS.format(15, 6208, 26980), {"measure": "nonsense"}, "measure"),
        (FACTS.format(15, 6208, 26980), {"measure": "coverage_share"}, "type"),
    ],
)
def test_issue16_bad_facts_requests_are_refused_naming_the_field(
    tiled: TestClient, path: str, params: dict[str, str], field: str
) -> None:
    answer = tiled.get(path, params=params)
    assert 400 <= answer.status_code < 500, answer.text
    body = answer.json()
    assert field in body["detail"] and body["code"]


def test_issue16_over_the_limit_the_page_holds_no_grid_and_asks_for_facts(
    tiled: TestClient,
) -> None:
    page = tiled.get("/maps/grids.html", params={"measure": "closure_rate", "lang": "en"})
    assert page.status_code == 200
    html = page.text
    assert "MultiPolygon" not in html and "110108010019001" not in html  # no grid in the page
    assert "/maps/grids/facts/{z}/{y}/{x}.json?measure=closure_rate\\u0026lang=en" in html
    assert "Grids without a full-time worker: 23" in html  # the sample has no roster
    assert "Closure rate" in html  # the measure's legend
