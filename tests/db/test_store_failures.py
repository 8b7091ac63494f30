"""Issue 11, item 14: store failures are one clear line, never a traceback."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, make_url, text
from typer.testing import CliRunner

from api.cli import app
from gis.db.engine import make_engine, transaction
from gis.errors import StoreUnavailable

SCRATCH = "gridmap_item14"


@pytest.fixture
def bare_database(engine: Engine) -> Iterator[str]:
    """A database without PostGIS (and a login that may not create extensions in it)."""
    admin = make_engine(
        engine.url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH}"))
        conn.execute(text(f"CREATE DATABASE {SCRATCH}"))
        conn.execute(text("DROP ROLE IF EXISTS gridmap_limited"))
        conn.execute(text("CREATE ROLE gridmap_limited LOGIN"))
    url = make_url(engine.url.render_as_string(hide_password=False)).set(database=SCRATCH)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)"))
        conn.execute(text("DROP ROLE IF EXISTS gridmap_limited"))
    admin.dispose()


def migrate(url: str, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", url)
    return CliRunner().invoke(app, ["db", "migrate"])


def test_item14_migrate_creates_postgis_where_it_may(
    bare_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = migrate(bare_database, monkeypatch)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    checked = make_engine(bare_database)
    with checked.connect() as conn:
        assert conn.execute(text("SELECT postgis_lib_version()")).scalar()
    checked.dispose()


def test_item14_migrate_says_what_to_run_where_it_may_not(
    bare_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = make_url(bare_database).set(username="gridmap_limited")
    result = migrate(limited.render_as_string(hide_password=False), monkeypatch)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and "Traceback" not in result.output  # type: ignore[attr-defined]
    assert "run: CREATE EXTENSION postgis; CREATE EXTENSION btree_gist" in lines[0]


def test_item14_a_connection_lost_mid_transaction_is_store_unavailable(engine: Engine) -> None:
    with pytest.raises(StoreUnavailable, match="^database: "), transaction(engine) as conn:
        conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        conn.execute(text("SELECT 1"))
