"""Putting the tiny hierarchy of `tests.geoms` into a test store, and redrawing it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from shapely import box
from sqlalchemy import make_url, text

from gis.areas import ORDER, Level
from gis.db import engine as db_engine
from gis.io import read_boundaries
from gis.usecases import boundaries
from gis.usecases.runtime import Runtime
from tests import geoms
from tests.principals import OWNER

MOVED = (116.352, 40.0)  # in grid 002, then in 001 once the shared edge moves east


def load_hierarchy(rt: Runtime, folder: Path) -> Runtime:
    """Commit district → subdistrict → community → the two grids of `tests.geoms.HIERARCHY`."""
    files = geoms.hierarchy_files(folder)
    for level in ORDER:
        boundaries.load(
            rt, read_boundaries(files[level.value], level=level), acting=OWNER, level=level
        )
    return rt


def move_shared_edge(rt: Runtime, folder: Path) -> None:
    """Redraw the two grids with their shared edge at 116.355 instead of 116.35."""
    rows = [
        ("110108010019001", "第01网格", box(116.34, 39.99, 116.355, 40.01)),
        ("110108010019002", "第02网格", box(116.355, 39.99, 116.36, 40.01)),
    ]
    path = geoms.write(geoms.frame(rows), folder / "moved.geojson")
    boundaries.load(rt, read_boundaries(path, level=Level.GRID), acting=OWNER, level=Level.GRID)


def address_row(address: str, lon: float, lat: float, households: int = 60, **more: object) -> dict:
    """A standard-address registry row (normalised by the registry's own rule)."""
    from gis.incidents.addresses import normalise

    return {
        "address": address,
        "normalized": normalise(address),
        "lon": lon,
        "lat": lat,
        "building": None,
        "households": households,
        "source": "test",
        "attributes": {},
        **more,
    }


@contextmanager
def scratch_database(database_url: str, suffix: str, revision: str) -> Iterator[str]:
    """A database of its own beside ``database_url``'s, migrated to ``revision``, then dropped.

    For the tests of a migration's upgrade and downgrade; yields the scratch database's URL.
    """
    url = make_url(database_url)
    name = f"{url.database}_{suffix}"
    scratch_url = url.set(database=name).render_as_string(hide_password=False)
    db_engine.ensure_database(scratch_url)
    command.upgrade(db_engine.alembic_config(scratch_url), revision)
    try:
        yield scratch_url
    finally:
        admin = db_engine.make_engine(
            url.set(database="postgres").render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
