"""SQL behind the lookup indexes: the areas version number and a consistent snapshot of areas.

Every transaction that changes ``areas`` moves ``store_meta.areas_version`` once, when it
commits (migrations 0003 and 0016). `VersionReader` reads that number — one prepared query on a
dedicated autocommit connection — so that the lookup cache (`gis.usecases.lookup.LookupCache`)
can tell when to rebuild.
"""

from __future__ import annotations

import contextlib
import select as sockets
import threading
import time
from datetime import datetime
from typing import Any

import geopandas as gpd
from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from gis.db.areas import area_frame, find_area_rows
from gis.db.models import Area
from gis.errors import StoreTimeout, StoreUnavailable

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

    REPEATABLE READ and read-only: the version number and the rows belong together. The
    rows are decoded after the snapshot is closed (`find_area_rows`).
    """
    conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with conn.begin():
        version, first = areas_version(conn), first_valid_from(conn)
        rows = find_area_rows(conn, as_of=as_of)
    return version, first, area_frame(rows)


class VersionReader:
    """Reads ``store_meta.areas_version`` on one dedicated autocommit connection, within a deadline.

    The statement is prepared on the server, so a read is one round trip of a few tens of
    microseconds. It is sent and awaited through libpq's non-blocking calls, so that a store
    that stops answering (frozen, or a network that drops packets) costs a question at most
    ``seconds`` (then `StoreTimeout`) instead of hanging it; a caller waits as long for another
    one's read. Thread-safe; a broken connection is replaced once, then `StoreUnavailable`.
    """

    def __init__(
        self, engine: Engine, *, application_name: str = APPLICATION_NAME, seconds: float = 2.0
    ) -> None:
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"application_name": application_name, "connect_timeout": 2},
        )
        self._seconds = seconds
        self._lock = threading.Lock()
        self._raw: Any = None
        self._pgconn: Any = None  # libpq's connection (psycopg.pq.PGconn)

    def read(self) -> int:
        """The current version number."""
        if not self._lock.acquire(timeout=self._seconds):
            raise StoreTimeout("database: the areas version was not read in time")
        try:
            deadline = time.monotonic() + self._seconds
            for attempt in (1, 2):
                was_open = self._pgconn is not None
                try:
                    return self._read(deadline)
                except StoreTimeout:
                    self._reset()
                    raise
                except (DBAPIError, self._engine.dialect.loaded_dbapi.Error, OSError) as exc:
                    self._reset()
                    if attempt == 2 or not was_open:  # a new connection failed: no use again
                        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                        raise StoreUnavailable(
                            f"database: cannot read the areas version: {reason}"
                        ) from exc
        finally:
            self._lock.release()
        raise AssertionError("unreachable")

    def _read(self, deadline: float) -> int:
        if self._pgconn is None:
            self._raw = self._engine.raw_connection()
            pgconn = self._raw.driver_connection.pgconn
            _result(pgconn.prepare(VERSION_NAME, VERSION_SQL.encode()), pgconn)
            pgconn.nonblocking = 1
            self._pgconn = pgconn
        pgconn = self._pgconn
        pgconn.send_query_prepared(VERSION_NAME, None)
        while pgconn.flush():  # the query is small: this hardly ever loops
            _wait(pgconn.socket, deadline, write=True)
        while pgconn.is_busy():
            _wait(pgconn.socket, deadline)
            pgconn.consume_input()
        found = _result(pgconn.get_result(), pgconn)
        while pgconn.get_result() is not None:  # the end of the answer
            pass
        return int(found.get_value(0, 0))

    def _reset(self) -> None:
        raw, self._raw, self._pgconn = self._raw, None, None
        if raw is not None:
            # closing a dead connection may fail too; it is gone either way
            with contextlib.suppress(Exception):
                raw.invalidate()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._reset()
        self._engine.dispose()


VERSION_NAME = b"gridmap_areas_version"
TUPLES_OK, COMMAND_OK = 2, 1  # libpq's ExecStatus values


def _wait(socket: int, deadline: float, *, write: bool = False) -> None:
    """Until the socket is ready, or `StoreTimeout` at the deadline.

    ``poll``, not ``select``: a server holding many connections has descriptors above
    ``select``'s limit of 1024.
    """
    poller = sockets.poll()
    poller.register(socket, sockets.POLLOUT if write else sockets.POLLIN)
    if not poller.poll(max(deadline - time.monotonic(), 0) * 1000):
        raise StoreTimeout("database: the areas version was not read in time")


def _result(result: Any, pgconn: Any) -> Any:
    """``result`` when it succeeded; else the server's message as `StoreUnavailable`."""
    if result is None or result.status not in (TUPLES_OK, COMMAND_OK):
        message = (result.error_message if result is not None else pgconn.error_message) or b""
        reason = message.decode(errors="replace").strip().splitlines()[:1]
        raise StoreUnavailable(f"database: cannot read the areas version: {''.join(reason)}")
    return result
