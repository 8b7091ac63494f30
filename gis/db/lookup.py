"""SQL behind the lookup indexes: the areas version number and a consistent snapshot of areas.

Every statement that changes ``areas`` bumps ``store_meta.areas_version`` in its own transaction
(migration 0003). `VersionReader` reads that number — one prepared query on a dedicated
autocommit connection — so that the lookup cache (`gis.usecases.lookup.LookupCache`) can tell
when to rebuild.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime
from typing import Any

import geopandas as gpd
from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from gis.db.areas import find_areas
from gis.db.models import Area
from gis.errors import StoreUnavailable

VERSION_SQL = "SELECT areas_version FROM store_meta"
APPLICATION_NAME = "gridmap-lookup"


def areas_version(conn: Connection) -> int:
    """The current version number of the ``areas`` table (moves on every committed change)."""
    return int(conn.execute(text(VERSION_SQL)).scalar_one())


def first_valid_from(conn: Connection) -> datetime | None:
    """When the oldest stored boundary became valid; None when the store has none."""
    value: datetime | None = conn.execute(select(func.min(Area.valid_from))).scalar_one()
    return value


def boundary_snapshot(
    conn: Connection, *, as_of: datetime | None = None
) -> tuple[int, datetime | None, gpd.GeoDataFrame]:
    """The version, the first ``valid_from`` and the areas valid at ``as_of``, from one snapshot.

    REPEATABLE READ and read-only: the version number and the rows belong together.
    """
    conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with conn.begin():
        return areas_version(conn), first_valid_from(conn), find_areas(conn, as_of=as_of)


class VersionReader:
    """Reads ``store_meta.areas_version`` on one dedicated autocommit connection.

    The statement is prepared on the server, so a read is one round trip of a few tens of
    microseconds. Thread-safe; a broken connection is replaced once, then `StoreUnavailable`.
    """

    def __init__(self, engine: Engine, *, application_name: str = APPLICATION_NAME) -> None:
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            # a store that does not answer must not hold lookups for longer than this
            connect_args={"application_name": application_name, "connect_timeout": 2},
        )
        self._lock = threading.Lock()
        self._raw: Any = None
        self._cursor: Any = None

    def read(self) -> int:
        """The current version number."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    return self._read()
                except (DBAPIError, self._engine.dialect.loaded_dbapi.Error) as exc:
                    self._reset()
                    if attempt == 2:
                        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                        raise StoreUnavailable(
                            f"database: cannot read the areas version: {reason}"
                        ) from exc
        raise AssertionError("unreachable")

    def _read(self) -> int:
        if self._cursor is None:
            self._raw = self._engine.raw_connection()
            driver = self._raw.driver_connection
            driver.autocommit = True
            self._cursor = driver.cursor()
        row = self._cursor.execute(VERSION_SQL, prepare=True).fetchone()
        return int(row[0])

    def _reset(self) -> None:
        raw, self._raw, self._cursor = self._raw, None, None
        if raw is not None:
            # closing a dead connection may fail too; it is gone either way
            with contextlib.suppress(Exception):
                raw.invalidate()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._reset()
        self._engine.dispose()
