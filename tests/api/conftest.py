"""API fixtures: a client over the tiny hierarchy, and one over the 学院路 sample.

Both send the token of a user who holds every scoped role everywhere (`tests.principals`):
their tests are about what a route does; who may call it is tested in ``test_access*.py``.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis.db import addresses as address_sql
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.principals import bearer, operator_token
from tests.stores import address_row, load_hierarchy


@pytest.fixture
def client(store_settings: StoreSettings, rt: Runtime, tmp_path: Path) -> Iterator[TestClient]:
    load_hierarchy(rt, tmp_path)
    token = operator_token(rt)
    with TestClient(create_app(store_settings), headers=bearer(token)) as test_client:
        yield test_client


@pytest.fixture
def sample_client(store_settings: StoreSettings, rt: Runtime) -> Iterator[TestClient]:
    load_sample(rt)
    with rt.write() as conn:
        row = address_row(
            "北京市海淀区学院路18号10号楼", 116.3492126, 39.9981191, building="10号楼"
        )
        address_sql.upsert_addresses(conn, rows=[row])
    token = operator_token(rt)
    with TestClient(create_app(store_settings), headers=bearer(token)) as test_client:
        yield test_client
