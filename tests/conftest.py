"""Shared fixtures: a real PostGIS test database (never SQLite, never a mock).

Unless DATABASE_URL / GRIDMAP_DATABASE_URL names an external PostGIS, the session starts the
project's embedded cluster (``gridmap db up``) and uses a separate ``gridmap_test`` database in
it (``GRIDMAP_TEST_DATABASE`` names another). PostGIS tests never skip: if the store cannot be had, they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, make_url, text

from gis.db import engine as db_engine
from gis.db import store
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime, running

# another name lets two test runs share one cluster without touching each other
TEST_DATABASE = os.environ.get("GRIDMAP_TEST_DATABASE", "gridmap_test")


def _test_settings() -> StoreSettings:
    base = StoreSettings()
    if base.database_url:
        url = make_url(base.database_url).set(database=TEST_DATABASE)
        return StoreSettings(database_url=url.render_as_string(hide_password=False))
    return StoreSettings(database_name=TEST_DATABASE)


@pytest.fixture(scope="session")
def store_settings() -> StoreSettings:
    """Settings of the test store, with the store prepared (started, created, migrated)."""
    settings = _test_settings()
    try:
        url = store.prepare(settings, echo=lambda line: None)
    except Exception as exc:  # a PostGIS test must fail, never skip
        pytest.fail(f"PostGIS test store unavailable: {exc}")
    return StoreSettings(database_url=url)


@pytest.fixture(scope="session")
def database_url(store_settings: StoreSettings) -> str:
    assert store_settings.database_url
    return store_settings.database_url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    sql = db_engine.make_engine(database_url)
    yield sql
    sql.dispose()


def truncate(engine: Engine) -> Engine:
    """Empty every table but the audit log (TRUNCATE bypasses the row triggers on purpose).

    ``audit_log`` is left alone: it refuses TRUNCATE; tests read the rows after a known id.
    """
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE areas, plans, plan_areas, incidents, incident_events, incident_links, "
                "idempotency_keys, addresses, stations, station_isochrones, users, user_grants, "
                "api_tokens, sessions, people, duties, plan_steps, plan_notes RESTART IDENTITY"
            )
        )
    return engine


@pytest.fixture
def empty_store(engine: Engine) -> Engine:
    """The test database with no areas and no users (`truncate`)."""
    return truncate(engine)


@pytest.fixture
def rt(store_settings: StoreSettings, empty_store: Engine) -> Iterator[Runtime]:
    """A `Runtime` on the emptied test store (what the use cases take), closed afterwards."""
    with running(store_settings, pool_size=2) as runtime:
        yield runtime


@pytest.fixture
def conn(empty_store: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with empty_store.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def cli_env(store_settings: StoreSettings, monkeypatch: pytest.MonkeyPatch) -> StoreSettings:
    """Point the CLI (which reads settings from the environment) at the test store."""
    assert store_settings.database_url
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", store_settings.database_url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return store_settings


def pytest_report_header() -> list[str]:
    return [f"gridmap test store: {os.environ.get('GRIDMAP_DATABASE_URL') or 'embedded cluster'}"]
