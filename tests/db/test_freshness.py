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
from shapely import box
from sqlalchemy import Connection, Engine, text

from gis.areas import ORDER, Level
from gis.db import load
from gis.db.lookup import APPLICATION_NAME, LookupCache, areas_version
from gis.io import read_boundaries
from gis.settings import StoreSettings
from tests import geoms

MOVED = (116.352, 40.0)  # in grid 002, then in 001 once the shared edge moves east
GRIDMAP = Path(sys.executable).parent / "gridmap"
INSERT = text(
    "INSERT INTO areas (level, code, name, parent_code, geom) "
    "SELECT 'district', code, 'x', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326)) "
    "FROM unnest(CAST(:codes AS text[])) AS code"
)


def load_hierarchy(engine: Engine, folder: Path) -> None:
    files = geoms.hierarchy_files(folder)
    for level in ORDER:
        load.commit(engine, read_boundaries(files[level.value], level=level), level=level)


def move_shared_edge(engine: Engine, folder: Path) -> None:
    rows = [
        ("110108010019001", "第01网格", box(116.34, 39.99, 116.355, 40.01)),
        ("110108010019002", "第02网格", box(116.355, 39.99, 116.36, 40.01)),
    ]
    path = geoms.write(geoms.frame(rows), folder / "moved.geojson")
    load.commit(engine, read_boundaries(path, level=Level.GRID), level=Level.GRID)


def test_every_statement_on_areas_bumps_the_version_once(conn: Connection) -> None:
    start = areas_version(conn)
    conn.execute(INSERT, {"codes": ["110101", "110102"]})  # one statement, two rows
    assert areas_version(conn) == start + 1
    conn.execute(text("UPDATE areas SET valid_to = now() + interval '1 day' WHERE code = '110101'"))
    assert areas_version(conn) == start + 2
    conn.execute(text("DELETE FROM areas WHERE code = '110102'"))
    assert areas_version(conn) == start + 3
    conn.execute(text("TRUNCATE areas CASCADE"))
    assert areas_version(conn) == start + 4
    conn.execute(text("SELECT count(*) FROM areas"))
    assert areas_version(conn) == start + 4


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


def test_cache_rebuilds_after_a_commit(empty_store: Engine, tmp_path: Path) -> None:
    load_hierarchy(empty_store, tmp_path)
    cache = LookupCache(empty_store)
    try:
        first = cache.get()
        assert cache.get() is first  # nothing changed: the same index
        assert first.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019002"
        move_shared_edge(empty_store, tmp_path)
        second = cache.get()
        assert second.version > first.version
        assert second.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019001"
    finally:
        cache.close()


def test_cache_keeps_a_few_past_lookups(empty_store: Engine, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    load_hierarchy(empty_store, tmp_path)
    times = [datetime.now(UTC)]
    move_shared_edge(empty_store, tmp_path)
    times.append(datetime.now(UTC))
    cache = LookupCache(empty_store, past_slots=1)
    try:
        old = cache.get(times[0])
        assert cache.get(times[0]) is old
        assert old.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019002"
        new = cache.get(times[1])
        assert new.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019001"
        assert cache.get(times[0]) is not old  # pushed out of the one slot
    finally:
        cache.close()


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
    empty_store: Engine, tmp_path: Path, two_workers: str
) -> None:
    load_hierarchy(empty_store, tmp_path)
    answered: list[str] = []
    # each worker opens its version connection on its first lookup: wait until both have one
    for _ in range(50):
        answered += grids(two_workers, 20)
        if workers_with_an_index(empty_store) == 2:
            break
    assert workers_with_an_index(empty_store) == 2, "one worker never answered"
    assert set(answered) == {"110108010019002"}
    move_shared_edge(empty_store, tmp_path)
    assert set(grids(two_workers, 200)) == {"110108010019001"}
