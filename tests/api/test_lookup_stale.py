"""Issue 11, item 10: with the store down, lookups answer from memory (saying so); writes 503."""

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from gis.db.engine import migrate
from gis.settings import StoreSettings
from gis.usecases.lookup import LookupCache
from gis.usecases.runtime import Runtime, running
from tests.clusters import frozen, throwaway_cluster
from tests.principals import operator_headers
from tests.stores import load_hierarchy
from tests.stores_down import database_down

INSIDE_001 = (116.345, 40.0)
CSV = "id,lon,lat\na,116.345,40.0\n"


@pytest.fixture
def loaded(rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setattr(LookupCache, "RETRY_SECONDS", 0.0)  # ask the store again at once
    return load_hierarchy(rt, tmp_path)


def serve(
    store_settings: StoreSettings, monkeypatch: pytest.MonkeyPatch, stale_seconds: str
) -> TestClient:
    monkeypatch.setenv("GRIDMAP_LOOKUP_STALE_SECONDS", stale_seconds)
    return TestClient(create_app(store_settings), headers=operator_headers(store_settings))


def lookup(client: TestClient, **params: str) -> object:
    lon, lat = INSIDE_001
    return client.get("/lookup", params={"lon": str(lon), "lat": str(lat), **params})


def test_item10_store_down_answers_from_memory_marked_stale(
    store_settings: StoreSettings,
    loaded: Runtime,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve(store_settings, monkeypatch, "3600") as client:
        fresh = lookup(client)
        assert fresh.status_code == 200 and "x-areas-stale" not in fresh.headers
        version = fresh.headers["x-areas-version"]
        with database_down(engine):
            stale = lookup(client)
            assert stale.status_code == 200, stale.text
            assert stale.headers["x-areas-stale"] == "true"
            assert stale.headers["x-areas-version"] == version
            assert stale.json()["grid"]["code"] == "110108010019001"
            batch = client.post("/lookup", content=CSV, headers={"content-type": "text/csv"})
            assert batch.status_code == 200 and batch.headers["x-areas-stale"] == "true"
            assert "110108010019001" in batch.text
            unknown = lookup(client, as_of="2030-01-01")  # never loaded: nothing to answer from
            assert unknown.status_code == 503
            assert unknown.json()["code"] in ("StoreUnavailable", "StoreTimeout")
            station = {"type": "调解室", "name": "调解室", "lon": 116.345, "lat": 40.0}
            assert client.post("/stations", json=station).status_code == 503
        again = lookup(client)
        assert again.status_code == 200 and "x-areas-stale" not in again.headers


def test_item10_beyond_the_staleness_limit_lookups_are_503(
    store_settings: StoreSettings,
    loaded: Runtime,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve(store_settings, monkeypatch, "0") as client:
        assert lookup(client).status_code == 200
        with database_down(engine):
            down = lookup(client)
            assert down.status_code == 503 and set(down.json()) == {"detail", "code"}
            assert "x-areas-version" not in down.headers


def test_item10_a_frozen_store_is_answered_stale_within_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LookupCache, "RETRY_SECONDS", 0.0)  # every question asks the store
    with throwaway_cluster("lookup_frozen") as (local, url):
        migrate(url)
        settings = StoreSettings(database_url=url)
        with running(settings) as rt:
            load_hierarchy(rt, tmp_path)
        with serve(settings, monkeypatch, "3600") as client:
            assert lookup(client).status_code == 200  # the index built, the version connection open
            with frozen(local):
                for _ in range(2):  # the version connection, then a new one: each gives up
                    started = time.monotonic()
                    stale = lookup(client)
                    assert time.monotonic() - started < 3.5  # 2 s to read, or 2 s to connect
                    assert stale.status_code == 200 and stale.headers["x-areas-stale"] == "true"
