"""What a process keeps in memory between requests, each kept fresh against the store.

- `LookupCache`: the point-in-area indexes (`gis.lookup.AreaLookup`) of the current boundaries
  and of a few past ``as_of`` times, rebuilt when ``store_meta.areas_version`` moved;
- `AddressRegistry`: the standard addresses and their matcher, reloaded when the table changed;
- `NetworkCache`: the current walking network, rebuilt when another one became current.

They are built once at an entry point (`gis.usecases.runtime.Runtime`) and shared by every
request of the process; each is thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from gis.db import addresses as address_sql
from gis.db import stations as station_sql
from gis.db.engine import Connection, Engine, connect
from gis.db.lookup import VersionReader, boundary_snapshot
from gis.errors import InvalidInput, NotFound
from gis.incidents.addresses import AddressMatcher, StandardAddress
from gis.lookup import AreaLookup
from gis.network import WalkNetwork


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
        version, first, areas = boundary_snapshot(conn, as_of=as_of)
    check_as_of(as_of, first)
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
    `get` reads the version number, then answers from memory when it matches, so an answer never
    uses boundaries older than the last commit that returned before the question was asked. A
    rebuild happens under a lock: concurrent callers wait for it and then use the new index.
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


@dataclass(frozen=True)
class ResolvedAddress:
    """A free-text address matched to the registry: the address, how, and how well."""

    address: StandardAddress
    method: str  # address_exact | address_normalised | address_fuzzy
    score: float


class AddressRegistry:
    """The standard addresses in memory, reloaded when the table changes (count, last id, xmin).

    The freshness stamp is read only when an address has to be resolved.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._rows: list[StandardAddress] = []
        self._matcher = AddressMatcher([])

    def _fresh(self) -> tuple[list[StandardAddress], AddressMatcher]:
        with connect(self._engine) as conn:
            stamp = address_sql.registry_stamp(conn)
            with self._lock:
                if stamp != self._stamp:
                    self._rows = address_sql.registry(conn)
                    self._matcher = AddressMatcher([r.address for r in self._rows])
                    self._stamp = stamp
                return self._rows, self._matcher

    def resolve(self, address: str) -> ResolvedAddress | None:
        """The registry's address for a free-text one, the method and the score; None if unknown."""
        rows, matcher = self._fresh()
        found = matcher.match(address)
        if found is None:
            return None
        return ResolvedAddress(rows[found.position], f"address_{found.method}", found.score)


class NetworkCache:
    """The current stored walking network, rebuilt only when the current version changes."""

    def __init__(self) -> None:
        self._network: WalkNetwork | None = None
        self._lock = threading.Lock()

    def get(self, conn: Connection) -> WalkNetwork:
        """The current network (`NotFound` when none was loaded)."""
        row = station_sql.current_network(conn)
        if row is None:
            raise NotFound(
                "network: no walking network is loaded yet "
                "(an operator loads one from an OSM extract)"
            )
        with self._lock:
            if self._network is None or self._network.version != row["version"]:
                self._network = station_sql.load_network(conn, version=row["version"])
            return self._network

    def current(self, conn: Connection) -> WalkNetwork | None:
        """The current network, or None when none was loaded."""
        try:
            return self.get(conn)
        except NotFound:
            return None
