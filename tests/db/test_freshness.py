"""Lookups answer with the newest committed boundaries: the version trigger, the cache, two workers."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text

from gis.db import engine as db_engine
from gis.db.lookup import APPLICATION_NAME, areas_version
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from tests.stores import MOVED, load_hierarchy, move_shared_edge, scratch_database

GRIDMAP = Path(sys.executable).parent / "gridmap"
INSERT = text(
    "INSERT INTO areas (level, code, name, parent_code, geom) "
    "SELECT 'district', code, 'x', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326)) "
    "FROM unnest(CAST(:codes AS text[])) AS code"
)


def test_every_transaction_changing_areas_moves_the_version_once(empty_store: Engine) -> None:
    with empty_store.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")  # a statement, a transaction
        start = areas_version(conn)
        conn.execute(INSERT, {"codes": ["110101", "110102"]})  # one statement, two rows
        assert areas_version(conn) == start + 1
        conn.execute(
            text("UPDATE areas SET valid_to = now() + interval '1 day' WHERE code = '110101'")
        )
        assert areas_version(conn) == start + 2
        conn.execute(text("DELETE FROM areas WHERE code = '110102'"))
        assert areas_version(conn) == start + 3
        conn.execute(text("TRUNCATE areas CASCADE"))
        assert areas_version(conn) == start + 4
        conn.execute(text("SELECT count(*) FROM areas"))
        assert areas_version(conn) == start + 4


def test_many_statements_in_one_transaction_move_the_version_once(conn: Connection) -> None:
    """Not once a statement: a 200,000-row load through the driver's pipeline is 200,000
    statements, and updating one row that often in one transaction is quadratic."""
    start = areas_version(conn)
    for code in ("110101", "110102", "110103"):
        conn.execute(INSERT, {"codes": [code]})
    conn.execute(text("DELETE FROM areas WHERE code = '110102'"))
    assert areas_version(conn) == start + 1
    versions = conn.execute(text("SELECT count(*) FROM store_meta")).scalar_one()
    assert versions == 1


def test_a_rolled_back_savepoint_leaves_the_version_moved_by_the_rest(
    conn: Connection,
) -> None:
    start = areas_version(conn)
    savepoint = conn.begin_nested()
    conn.execute(INSERT, {"codes": ["110101"]})
    savepoint.rollback()  # its bump is undone with it
    assert areas_version(conn) == start
    conn.execute(INSERT, {"codes": ["110102"]})
    assert areas_version(conn) == start + 1


def test_the_version_moves_only_when_the_change_commits(
    engine: Engine, empty_store: Engine
) -> None:
    with engine.connect() as reader:
        before = areas_version(reader)
        with engine.connect() as writer:
            transaction = writer.begin()
            writer.execute(INSERT, {"codes": ["110101"]})
            reader.rollback()
            assert areas_version(reader) == before
            transaction.rollback()
        reader.rollback()
        assert areas_version(reader) == before


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_workers(store_settings: StoreSettings) -> Iterator[str]:
    """``gridmap serve --workers 2`` on a free port against the test database."""
    port = free_port()
    env = {**os.environ, "GRIDMAP_DATABASE_URL": store_settings.database_url or ""}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [str(GRIDMAP), "serve", "--workers", "2", "--no-access-log", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gridmap serve did not start"
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def grids(base: str, count: int) -> list[str]:
    """The grid of MOVED, asked ``count`` times on fresh connections (spread over workers)."""

    def ask(_: int) -> str:
        response = httpx.get(
            f"{base}/lookup", params={"lon": MOVED[0], "lat": MOVED[1]}, timeout=30
        )
        assert response.status_code == 200, response.text
        return str(response.json()["grid"]["code"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(ask, range(count)))


def workers_with_an_index(engine: Engine) -> int:
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = :name AND datname = current_database()"
    )
    with engine.connect() as conn:
        return int(conn.execute(query, {"name": APPLICATION_NAME}).scalar_one())


@pytest.mark.slow
def test_two_workers_answer_with_the_new_boundaries_right_after_a_commit(
    empty_store: Engine, rt: Runtime, tmp_path: Path, two_workers: str
) -> None:
    load_hierarchy(rt, tmp_path)
    answered: list[str] = []
    # each worker opens its version connection on its first lookup: wait until both have one
    for _ in range(50):
        answered += grids(two_workers, 20)
        if workers_with_an_index(empty_store) == 2:
            break
    assert workers_with_an_index(empty_store) == 2, "one worker never answered"
    assert set(answered) == {"110108010019002"}
    move_shared_edge(rt, tmp_path)
    assert set(grids(two_workers, 200)) == {"110108010019001"}


@pytest.fixture
def scratch(database_url: str) -> Iterator[str]:
    """A database of its own, at migration 0016, dropped afterwards."""
    with scratch_database(database_url, "issue16", "0016_areas_version_once") as url:
        yield url


def _moves(engine: Engine) -> int:
    """How far one transaction of two INSERTs moves the version."""
    with engine.begin() as connection:
        start = areas_version(connection)
        connection.execute(text("DELETE FROM areas"))
        connection.execute(INSERT, {"codes": ["110101"]})
        connection.execute(INSERT, {"codes": ["110102"]})
        return areas_version(connection) - start


def test_issue16_the_downgrade_moves_the_version_once_a_statement_again(scratch: str) -> None:
    sql = db_engine.make_engine(scratch)
    assert _moves(sql) == 1
    command.downgrade(db_engine.alembic_config(scratch), "0015_walk_edges_index")
    assert _moves(sql) == 3
    command.upgrade(db_engine.alembic_config(scratch), "0016_areas_version_once")
    assert _moves(sql) == 1
    sql.dispose()
