"""The in-memory caches: lookup indexes rebuilt after a commit, a few past ones kept."""

from pathlib import Path

from gis.usecases.lookup import LookupCache
from gis.usecases.runtime import Runtime
from tests.stores import MOVED, load_hierarchy, move_shared_edge


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
