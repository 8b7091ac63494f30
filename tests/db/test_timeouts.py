"""Issue 11, item 9: a slow or frozen store answers 503 in bounded time, never hangs a request.

The frozen store is a throwaway cluster of its own (never the shared one), stopped with
SIGSTOP — the postmaster and every backend — and always continued afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.errors import TIMED_OUT
from gis.db import cluster
from gis.db.engine import connect, make_engine, transaction
from gis.errors import StoreTimeout, StoreUnavailable
from gis.settings import StoreSettings
from tests.clusters import frozen, throwaway_cluster


@pytest.fixture(scope="module")
def throwaway() -> Iterator[tuple[cluster.Cluster, str]]:
    """A cluster of this module's own, with a PostGIS database; stopped and removed after."""
    with throwaway_cluster() as found:
        yield found


def test_item9_healthz_answers_503_within_2s_when_the_store_is_frozen(
    throwaway: tuple[cluster.Cluster, str],
) -> None:
    local, url = throwaway
    with TestClient(create_app(StoreSettings(database_url=url))) as client:
        assert client.get("/healthz").status_code == 200  # a pooled connection, now frozen
        with frozen(local):
            for _ in range(2):  # the second shares the probe still hanging
                started = time.monotonic()
                response = client.get("/healthz")
                elapsed = time.monotonic() - started
                assert response.status_code == 503, response.text
                assert response.json() == {"detail": TIMED_OUT, "code": "StoreTimeout"}
                assert elapsed < 2.0
        deadline = time.monotonic() + 10
        while client.get("/healthz").status_code != 200:  # thawed: the probe answers again
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_item9_a_request_needing_a_new_connection_gives_up_at_the_connect_timeout(
    throwaway: tuple[cluster.Cluster, str],
) -> None:
    local, url = throwaway
    with TestClient(create_app(StoreSettings(database_url=url))) as client, frozen(local):
        started = time.monotonic()
        response = client.get("/areas", params={"level": "grid"})
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"detail": TIMED_OUT, "code": "StoreTimeout"}
    assert elapsed < 4.0  # libpq's least connect timeout is 2 s


def test_item9_timeouts_are_set_on_every_connection(database_url: str) -> None:
    settings = StoreSettings(statement_timeout=7, lock_timeout=0.25, idle_in_transaction_timeout=9)
    engine = make_engine(database_url, timeouts=settings)
    with connect(engine) as conn:
        shown = [conn.execute(text(f"SHOW {name}")).scalar() for name in NAMES]
    engine.dispose()
    assert shown == ["7s", "250ms", "9s"]


NAMES = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")


def test_item9_a_long_statement_is_cancelled_as_store_timeout(database_url: str) -> None:
    engine = make_engine(database_url, timeouts=StoreSettings(statement_timeout=0.2))
    started = time.monotonic()
    with pytest.raises(StoreTimeout, match="statement timeout"), connect(engine) as conn:
        conn.execute(text("SELECT pg_sleep(5)"))
    engine.dispose()
    assert time.monotonic() - started < 2


def test_item9_an_idle_transaction_is_ended_by_the_server(database_url: str) -> None:
    engine = make_engine(database_url, timeouts=StoreSettings(idle_in_transaction_timeout=0.2))
    with pytest.raises(StoreUnavailable), transaction(engine) as conn:
        conn.execute(text("SELECT 1"))
        time.sleep(1)
        conn.execute(text("SELECT 1"))
    engine.dispose()


@contextmanager
def areas_locked(engine: Engine) -> Iterator[None]:
    """Another session holds the areas table exclusively (as a stuck load would)."""
    with engine.connect() as other:
        other.execute(text("LOCK TABLE areas IN ACCESS EXCLUSIVE MODE"))
        yield
        other.rollback()


def test_item9_a_lock_wait_is_a_503_with_a_code(
    store_settings: StoreSettings, engine: Engine
) -> None:
    settings = store_settings.model_copy(update={"lock_timeout": 0.3})
    with TestClient(create_app(settings)) as client, areas_locked(engine):
        started = time.monotonic()
        response = client.get("/areas", params={"level": "grid"})
    assert response.status_code == 503
    assert response.json() == {"detail": TIMED_OUT, "code": "StoreTimeout"}
    assert time.monotonic() - started < 3


def test_item9_a_lock_wait_is_one_cli_line(
    cli_env: StoreSettings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDMAP_LOCK_TIMEOUT", "0.3")
    with areas_locked(engine):
        result = CliRunner().invoke(cli, ["areas", "list", "--level", "grid"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("error: database: a lock was not granted within the lock timeout")
    assert lines[0].endswith("[StoreTimeout]")
