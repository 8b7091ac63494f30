"""Issue 11, item 6: the areas write lock is held for writing, never while Python computes.

A publish used to take ``LOCK areas`` first and then run every check with the transaction
idle, blocking every boundary load meanwhile. The watch below asks PostgreSQL itself how long a
session has sat idle in transaction holding that lock.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import Engine, text

from gis.db import lookup as lookup_sql
from gis.db.engine import connect, make_engine
from gis.settings import StoreSettings
from gis.stations.records import read_stations
from gis.usecases import boundaries, planning, stations
from gis.usecases.lookup import load_boundaries
from gis.usecases.runtime import Runtime, running
from gis.usecases.sample import load_sample
from tests.principals import OWNER
from tests.stores import load_hierarchy

COMMUNITY = "110108010019"
ROOT = Path(__file__).resolve().parents[2]
OSM = ROOT.parent / "shared" / "data" / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
SAMPLE = ROOT / "data" / "stations" / "xueyuanlu_stations.geojson"
IDLE_WITH_LOCK = text(
    "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - a.state_change)), 0) "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.relation = 'areas'::regclass AND l.mode = 'ShareRowExclusiveLock' AND l.granted "
    "AND a.state = 'idle in transaction'"
)


class LockWatch:
    """The longest any session held the areas write lock idle in transaction, while watching."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.longest = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        with connect(self.engine) as conn:
            while not self._done.is_set():
                self.longest = max(self.longest, float(conn.execute(IDLE_WITH_LOCK).scalar_one()))
                time.sleep(0.01)

    def __enter__(self) -> LockWatch:
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()


def dense_grids(count: int = 900, per_side: int = 30) -> gpd.GeoDataFrame:
    """Grids tiling the test community, each edge cut in 100 pieces (slow enough to check)."""
    side = 0.02 / per_side
    i = np.arange(count)
    x, y = 116.34 + (i % per_side) * side, 39.99 + (i // per_side) * side
    squares = shapely.segmentize(shapely.box(x, y, x + side, y + side), side / 100)
    codes = [f"{COMMUNITY}{k + 1:03d}" for k in range(count)]
    return gpd.GeoDataFrame(
        {"code": codes, "name": codes, "households": None, "population": None},
        geometry=shapely.multipolygons(squares, indices=np.arange(count)),
        crs=4326,
    )


@pytest.fixture
def store(rt: Runtime, tmp_path: Path) -> Runtime:
    return load_hierarchy(rt, tmp_path)


def test_item6_the_watch_sees_a_lock_held_idle(engine: Engine) -> None:
    with LockWatch(engine) as watch, engine.begin() as conn:
        conn.execute(text("LOCK TABLE areas IN SHARE ROW EXCLUSIVE MODE"))
        time.sleep(0.5)
    assert watch.longest >= 0.4


def test_item6_publish_does_not_hold_the_areas_lock_while_it_checks(
    store: Runtime, engine: Engine
) -> None:
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=dense_grids()
    ).id
    started = time.monotonic()
    planning.check_plan(store, plan_id, acting=OWNER)
    checking = time.monotonic() - started
    with LockWatch(engine) as watch:
        planning.publish(store, acting=OWNER, plan_id=plan_id, force=True, reason="item 6")
    assert checking > 0.5  # the checks take long enough to be seen
    assert watch.longest < checking / 4, (watch.longest, checking)
    assert len(boundaries.children(store, COMMUNITY)) == 900


def test_item9_a_read_never_sits_idle_in_a_transaction(database_url: str) -> None:
    engine = make_engine(database_url, timeouts=StoreSettings(idle_in_transaction_timeout=0.2))
    with connect(engine) as conn:
        conn.execute(text("SELECT 1"))
        time.sleep(0.6)  # Python computing between two statements of one read
        assert conn.execute(text("SELECT 2")).scalar_one() == 2
    engine.dispose()


def test_item9_isochrones_are_computed_with_no_transaction_idle(
    store_settings: StoreSettings, rt: Runtime, engine: Engine
) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stations, station_isochrones RESTART IDENTITY CASCADE"))
    load_sample(rt)
    stations.load_network(rt, OSM, acting=OWNER)
    found = read_stations(SAMPLE.read_bytes(), kind="geojson", catalogue=rt.station_types)
    stations.import_stations(rt, found, acting=OWNER)
    brief = store_settings.model_copy(update={"idle_in_transaction_timeout": 0.2})
    with running(brief, pool_size=2) as impatient:
        started = time.monotonic()
        reach, count = stations.cache_isochrones(impatient)
        computing = time.monotonic() - started
    assert count == len(found) and reach.polygons
    assert computing > 0.4  # long enough that a transaction open meanwhile would have been ended


def test_item9_a_large_plan_is_made_and_published_with_no_transaction_idle(
    store_settings: StoreSettings, store: Runtime
) -> None:
    # longer than writing 900 detailed areas takes, shorter than working them out
    brief = store_settings.model_copy(update={"idle_in_transaction_timeout": 0.5})
    with running(brief, pool_size=2) as impatient:
        started = time.monotonic()
        plan_id = planning.create_plan(
            impatient, acting=OWNER, scope_code=COMMUNITY, areas=dense_grids()
        ).id
        making = time.monotonic() - started
        started = time.monotonic()
        planning.publish(impatient, acting=OWNER, plan_id=plan_id, force=True, reason="item 9")
        publishing = time.monotonic() - started
    # each long enough that one transaction open throughout would have been ended
    assert making > 1.0 and publishing > 1.0, (making, publishing)
    assert len(boundaries.children(store, COMMUNITY)) == 900


def test_issue16_boundaries_are_decoded_after_their_snapshot_is_closed(
    store_settings: StoreSettings, rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A province's 200,000 areas take seconds to decode: not while a snapshot sits idle."""
    load_hierarchy(rt, tmp_path)
    decode = lookup_sql.area_frame

    def slow(rows: list[Any]) -> Any:
        time.sleep(0.6)  # decoding a province, three times the idle allowed
        return decode(rows)

    monkeypatch.setattr(lookup_sql, "area_frame", slow)
    brief = store_settings.model_copy(update={"idle_in_transaction_timeout": 0.2})
    with running(brief, pool_size=1) as impatient:
        found = load_boundaries(impatient.engine)
    assert found.lookup.grid_codes(116.345, 40.0) == ["110108010019001"]
