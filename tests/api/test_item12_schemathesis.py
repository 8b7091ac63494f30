"""Issue 11, item 12: the server keeps its OpenAPI contract under schemathesis.

Every operation of ``/openapi.json`` is fuzzed (valid and invalid inputs, derandomised so a run is
repeatable) against the real app on the 学院路 sample (areas, addresses, walking network,
stations): no 5xx, every status and body as
documented. (``schemathesis.pytest.from_fixture`` does not run under pytest 9, so the schema is
read from an app built at import; its lifespan, which needs the store, runs in a fixture.)
"""

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy import Engine, text

from api.app import create_app
from gis.settings import SAMPLE_OSM, SAMPLE_STATIONS, StoreSettings
from gis.stations.records import read_stations
from gis.usecases import stations
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample
from tests.conftest import _test_settings
from tests.principals import OWNER, operator_headers

APP = create_app(_test_settings())
# A schema-valid request may still name something that does not exist or does not fit (an
# area code, a CRS, a point outside China, a token that is not one): gridmap answers 400/401/
# 404/409 naming the field, which a schema cannot express — or 403 for an area outside every
# scope the caller holds (a made-up code such as "J" is in none); a 422 there would mean the
# schema lies about a type, and fails.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
            }
        }
    }
)
AUTH: dict[str, str] = {}
"""The all-roles user's bearer header: every operation is called as someone who may."""

schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def served(store_settings: StoreSettings, engine: Engine) -> Iterator[None]:
    """The sample's areas and addresses, its walking network and stations, loaded once."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE areas, plans, plan_areas, incidents, incident_events, incident_links, "
                "idempotency_keys, addresses, stations, station_isochrones, walk_networks, "
                "walk_edges RESTART IDENTITY CASCADE"
            )
        )
    with running(store_settings, pool_size=2) as rt:
        load_sample(rt)
        stations.load_network(rt, SAMPLE_OSM, acting=OWNER)
        found = read_stations(
            SAMPLE_STATIONS.read_bytes(), kind="geojson", catalogue=rt.station_types
        )
        stations.import_stations(rt, found, acting=OWNER)
    AUTH.update(operator_headers(store_settings))
    with TestClient(APP):  # runs the lifespan: the app's Runtime on the test store
        yield


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_item12_every_operation_keeps_the_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH)
