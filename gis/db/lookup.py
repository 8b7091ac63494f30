"""Point lookup against the store: in-memory `AreaLookup` indexes kept fresh by a version number.

Every statement that changes ``areas`` bumps ``store_meta.areas_version`` in its own transaction
(migration 0003). `LookupCache` reads that number before each answer — one prepared query on a
dedicated autocommit connection — and rebuilds its index when the number moved, so an answer
never uses boundaries older than the last commit that returned before the question was asked.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from gis.db.areas import find_areas
from gis.db.engine import connect
from gis.db.models import Area
from gis.errors import InvalidInput, StoreUnavailable
from gis.lookup import AreaLookup

VERSION_SQL = "SELECT areas_version FROM store_meta"
APPLICATION_NAME = "gridmap-lookup"


def areas_version(conn: Connection) -> int:
    """The current version number of the ``areas`` table (moves on every committed change)."""
    return int(conn.execute(text(VERSION_SQL)).scalar_one())


def first_valid_from(conn: Connection) -> datetime | None:
    """When the oldest stored boundary became valid; None when the store has none."""
    value: datetime | None = conn.execute(select(func.min(Area.valid_from))).scalar_one()
    return value


@dataclass(frozen=True)
class Boundaries:
    """An `AreaLookup` over the areas valid at ``as_of`` (None: current) in store ``version``."""

    version: int
    as_of: datetime | None
    first_valid_from: datetime | None
    lookup: AreaLookup
    names: dict[str, str]


def load_boundaries(
    engine: Engine, *, as_of: datetime | None = None, nearest_m: float | None = None
) -> Boundaries:
    """Read the areas valid at ``as_of`` and the version they belong to, from one snapshot.

    Parameters
    ----------
    engine : Engine
        The store.
    as_of : datetime, optional
        The time the boundaries were valid at; None for the current ones.
    nearest_m : float, optional
        Passed to `AreaLookup`: how far to look for the nearest grid of an outside point.

    Raises
    ------
    InvalidInput
        When ``as_of`` is before the first boundary the store has.
    """
    with connect(engine) as conn:
        # REPEATABLE READ: the version number and the rows come from the same snapshot
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            version = areas_version(conn)
            first = first_valid_from(conn)
            check_as_of(as_of, first)
            areas = find_areas(conn, as_of=as_of)
    names = dict(zip(areas["code"], areas["name"], strict=True))
    lookup = AreaLookup(areas) if nearest_m is None else AreaLookup(areas, nearest_m=nearest_m)
    return Boundaries(version, as_of, first, lookup, names)


def check_as_of(as_of: datetime | None, first: datetime | None) -> None:
    """Raise `InvalidInput` when ``as_of`` is before the first stored boundary (or there is none).

    Examples
    --------
    >>> from datetime import UTC
    >>> check_as_of(None, None) is None
    True
    >>> check_as_of(datetime(2020, 1, 1, tzinfo=UTC), None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: as_of: 2020-01-01T00:00:00+00:00 is before ... (the store has none)
    """
    if as_of is None or (first is not None and as_of >= first):
        return
    since = f"the first is valid from {first.isoformat()}" if first else "the store has none"
    raise InvalidInput(f"as_of: {as_of.isoformat()} is before any boundary existed ({since})")


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
            connect_args={"application_name": application_name},
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


class LookupCache:
    """Fresh `Boundaries` for each question: the current ones always kept, past ones in an LRU.

    Parameters
    ----------
    engine : Engine
        The store.
    past_slots : int
        How many ``as_of`` lookups to keep besides the current one.
    nearest_m : float, optional
        Passed to `AreaLookup`: how far to look for the nearest grid of an outside point.

    Notes
    -----
    `get` reads the version number, then answers from memory when it matches. A rebuild happens
    under a lock: concurrent callers wait for it and then use the new index.
    """

    def __init__(
        self, engine: Engine, *, past_slots: int = 4, nearest_m: float | None = None
    ) -> None:
        self._engine = engine
        self._versions = VersionReader(engine)
        self._nearest_m = nearest_m
        self._build_lock = threading.Lock()
        self._current: Boundaries | None = None
        self._past: OrderedDict[tuple[int, datetime], Boundaries] = OrderedDict()
        self._past_slots = past_slots

    def version(self) -> int:
        """The store's version number now."""
        return self._versions.read()

    def get(self, as_of: datetime | None = None) -> Boundaries:
        """The boundaries valid at ``as_of`` (None: current) as of the store's latest commit."""
        version = self._versions.read()
        if as_of is None:
            current = self._current
            if current is not None and current.version >= version:
                return current
            with self._build_lock:
                current = self._current
                if current is None or current.version < version:
                    current = self._current = load_boundaries(
                        self._engine, nearest_m=self._nearest_m
                    )
                return current
        return self._get_past(version, as_of)

    def _get_past(self, version: int, as_of: datetime) -> Boundaries:
        with self._build_lock:
            found = self._past.get((version, as_of))
            if found is None:
                found = load_boundaries(self._engine, as_of=as_of, nearest_m=self._nearest_m)
                self._past[(found.version, as_of)] = found
                while len(self._past) > self._past_slots:
                    self._past.popitem(last=False)
            else:
                self._past.move_to_end((version, as_of))
            return found

    def close(self) -> None:
        """Drop the indexes and close the version connection."""
        self._current = None
        self._past.clear()
        self._versions.close()
