"""The in-memory caches: lookup indexes rebuilt after a commit, a few past ones kept."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from gis.errors import StoreUnavailable
from gis.usecases.lookup import LookupCache
from gis.usecases.runtime import Runtime
from tests.stores import MOVED, load_hierarchy, move_shared_edge
from tests.stores_down import database_down


def test_cache_rebuilds_after_a_commit(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    cache = LookupCache(rt.engine)
    try:
        first = cache.get()
        assert cache.get() is first  # nothing changed: the same index
        assert first.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019002"
        move_shared_edge(rt, tmp_path)
        second = cache.get()
        assert second.version > first.version
        assert second.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019001"
    finally:
        cache.close()


def test_cache_keeps_a_few_past_lookups(rt: Runtime, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    load_hierarchy(rt, tmp_path)
    times = [datetime.now(UTC)]
    move_shared_edge(rt, tmp_path)
    times.append(datetime.now(UTC))
    cache = LookupCache(rt.engine, past_slots=1)
    try:
        old = cache.get(times[0])
        assert cache.get(times[0]) is old
        assert old.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019002"
        new = cache.get(times[1])
        assert new.lookup.locate([MOVED[0]], [MOVED[1]])["grid_code"][0] == "110108010019001"
        assert cache.get(times[0]) is not old  # pushed out of the one slot
    finally:
        cache.close()


def test_item10_cache_serves_the_last_boundaries_read_while_down(
    rt: Runtime, tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LookupCache, "RETRY_SECONDS", 0.0)
    load_hierarchy(rt, tmp_path)
    cache = LookupCache(engine, stale_seconds=3600)
    strict = LookupCache(engine)  # stale_seconds=0: never from memory once the store is gone
    try:
        fresh, _ = cache.get(), strict.get()
        with database_down(engine):
            stale = cache.get()
            assert stale.stale and stale.version == fresh.version
            assert stale.lookup is fresh.lookup  # the index in memory, not a copy
            with pytest.raises(StoreUnavailable):
                strict.get()
        assert not cache.get().stale
    finally:
        cache.close()
        strict.close()
