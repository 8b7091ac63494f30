"""API fixtures: a client over the tiny hierarchy, and one over the 学院路 sample."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.cli import load_sample
from gis.areas import ORDER
from gis.db import addresses as address_sql
from gis.db import load
from gis.io import read_boundaries
from gis.settings import StoreSettings
from tests import geoms


@pytest.fixture
def client(
    store_settings: StoreSettings, empty_store: Engine, tmp_path: Path
) -> Iterator[TestClient]:
    files = geoms.hierarchy_files(tmp_path)
    for level in ORDER:
        load.commit(empty_store, read_boundaries(files[level.value], level=level), level=level)
    with TestClient(create_app(store_settings)) as test_client:
        yield test_client


@pytest.fixture
def sample_client(store_settings: StoreSettings, empty_store: Engine) -> Iterator[TestClient]:
    load_sample(store_settings)
    with empty_store.begin() as conn:
        address_sql.upsert_addresses(
            conn,
            rows=[
                {
                    "address": "北京市海淀区学院路18号10号楼",
                    "normalized": "学院路18号10号楼",
                    "lon": 116.3492126,
                    "lat": 39.9981191,
                    "building": "10号楼",
                    "households": 60,
                    "source": "test",
                    "attributes": {},
                }
            ],
        )
    with TestClient(create_app(store_settings)) as test_client:
        yield test_client
