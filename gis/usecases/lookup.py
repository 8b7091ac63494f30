"""Point lookup: which grid, community, subdistrict and district a point — or a batch — is in.

A single point that is bad raises (the edge parsed it with `gis.values.parse_point`); in a batch
each bad row gets a message in the ``error`` column (naming the field and the reason) and the
others are answered. Answers come from the in-memory indexes of `LookupCache` (one per process,
`Runtime.lookup`), which reads the store's version before every answer: every statement that
changes ``areas`` bumps it (migration 0003), so an answer never uses boundaries older than the
last commit that returned before the question was asked — unless the store cannot be reached:
then the last boundaries read answer, marked ``stale``, for as long as the settings allow.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from gis import clock
from gis.crs import InputCRS, to_wgs84
from gis.db.engine import Engine, connect
from gis.db.lookup import VersionReader, boundary_snapshot
from gis.errors import InvalidInput, StoreUnavailable
from gis.lookup import LEVEL_COLUMNS, AreaLookup
from gis.pointfiles import Chunk, Rows
from gis.values import PointIn, parse_numbers, range_errors

if TYPE_CHECKING:
    from gis.usecases.runtime import Runtime

ANSWER_COLUMNS = [
    "wgs84_lon",
    "wgs84_lat",
    *LEVEL_COLUMNS,
    "on_boundary",
    "neighbours",
    "nearest_grid_code",
    "distance_m",
    "error",
]
LEVELS = tuple(column.removesuffix("_code") for column in LEVEL_COLUMNS[::2])
Answers = dict[str, Any]  # ANSWER_COLUMNS → arrays, one value per row


@dataclass(frozen=True)
class Boundaries:
    """An `AreaLookup` over the areas valid at ``as_of`` (None: current) in store ``version``.

    ``stale``: the store could not be reached, so these are the last boundaries read from it
    (they may have changed since).
    """

    version: int
    as_of: datetime | None
    first_valid_from: datetime | None
    lookup: AreaLookup
    names: dict[str, str]
    stale: bool = False


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
    gis.errors.InvalidInput: as_of: 2020-01-01T08:00:00+08:00 is before ... (the store has none)
    """
    if as_of is None or (first is not None and as_of >= first):
        return
    since = f"the first is valid from {clock.iso(first)}" if first else "the store has none"
    raise InvalidInput(f"as_of: {clock.iso(as_of)} is before any boundary existed ({since})")


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
    stale_seconds : float
        While the store cannot be reached, answer from the boundaries in memory for at most this
        long after the store last confirmed them (0: never; `StoreUnavailable` instead).

    Notes
    -----
    `get` reads the version number, then answers from memory when it matches, so an answer never
    uses boundaries older than the last commit that returned before the question was asked. A
    rebuild happens under a lock: concurrent callers wait for it and then use the new index.
    When the store fails, it is not asked again for `RETRY_SECONDS` (each question would
    otherwise wait for a connect timeout).
    """

    RETRY_SECONDS = 1.0

    def __init__(
        self,
        engine: Engine,
        *,
        past_slots: int = 4,
        nearest_m: float | None = None,
        stale_seconds: float = 0.0,
    ) -> None:
        self._engine = engine
        self._versions = VersionReader(engine)
        self._nearest_m = nearest_m
        self._build_lock = threading.Lock()
        self._current: Boundaries | None = None
        self._past: OrderedDict[tuple[int, datetime], Boundaries] = OrderedDict()
        self._past_slots = past_slots
        self._stale_seconds = stale_seconds
        self._confirmed = float("-inf")  # time.monotonic() of the last version read
        self._down: tuple[float, StoreUnavailable] | None = None  # until when, and why

    def get(self, as_of: datetime | None = None) -> Boundaries:
        """The boundaries valid at ``as_of`` (None: current) as of the store's latest commit.

        Raises
        ------
        StoreUnavailable
            The store cannot be reached and there are no boundaries in memory young enough
            (see ``stale_seconds``).
        """
        try:
            version = self._read_version()
            return self._current_at(version) if as_of is None else self._get_past(version, as_of)
        except StoreUnavailable as exc:
            return self._stale(as_of, exc)

    def _read_version(self) -> int:
        down = self._down
        if down is not None and time.monotonic() < down[0]:
            raise type(down[1])(down[1].detail)  # a new one: raising one again grows its traceback
        try:
            version = self._versions.read()
        except StoreUnavailable as exc:
            self._down = (time.monotonic() + self.RETRY_SECONDS, exc)
            raise
        self._down = None
        self._confirmed = time.monotonic()
        return version

    def _current_at(self, version: int) -> Boundaries:
        current = self._current
        if current is not None and current.version >= version:
            return current
        with self._build_lock:
            current = self._current
            if current is None or current.version < version:
                current = self._current = load_boundaries(self._engine, nearest_m=self._nearest_m)
                _freeze_once()
            return current

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

    def _stale(self, as_of: datetime | None, error: StoreUnavailable) -> Boundaries:
        """The last boundaries read for ``as_of``, marked stale, if young enough; else ``error``."""
        if as_of is None:
            found = self._current
        else:
            with self._build_lock:
                known = [b for (_, when), b in self._past.items() if when == as_of]
            found = max(known, key=lambda b: b.version, default=None)
        if found is None or time.monotonic() - self._confirmed > self._stale_seconds:
            raise error
        return replace(found, stale=True)

    def close(self) -> None:
        """Drop the indexes and close the version connection."""
        self._current = None
        self._past.clear()
        self._versions.close()


_frozen = threading.Event()


def _freeze_once() -> None:
    """Once a process: what is alive now lives as long as it (the modules, the first index).

    Out of the collector's sight (`gc.freeze`), a full collection walks only what came later
    instead of holding the GIL, and the event loop, for up to 0.8 s (measured during a batch of
    a million points). Once only: frozen objects that later become garbage in a cycle are never
    collected, and a rebuild's old index should be.
    """
    if not _frozen.is_set():
        _frozen.set()
        gc.freeze()


@dataclass(frozen=True)
class PointAnswer:
    """Where one point is: the area of each level (code, name) or None, and the details.

    ``neighbours``: on a boundary, the codes of the other grids sharing it at the point.
    ``stale``: answered from the last boundaries read, the store being unreachable.
    """

    point: PointIn
    areas: dict[str, dict[str, str] | None]  # grid, community, subdistrict, district
    on_boundary: bool
    neighbours: tuple[str, ...]
    nearest_grid: dict[str, str] | None
    distance_m: float | None
    as_of: datetime | None
    version: int
    stale: bool = False

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``GET /lookup`` (and ``gridmap lookup --json``)."""
        point = self.point
        return {
            "input": {"lon": point.x, "lat": point.y, "crs": str(point.crs)},
            "wgs84": {"lon": point.lon, "lat": point.lat},
            **self.areas,
            "on_boundary": self.on_boundary,
            "neighbours": list(self.neighbours),
            "nearest_grid": self.nearest_grid,
            "distance_m": self.distance_m,
            "as_of": clock.iso(self.as_of) if self.as_of else None,
        }


def locate_point(rt: Runtime, point: PointIn, *, as_of: datetime | None = None) -> PointAnswer:
    """The areas of one point, with the boundaries valid at ``as_of`` (default: current)."""
    boundaries = rt.lookup.get(as_of)
    row = boundaries.lookup.locate_one(point.lon, point.lat)
    areas: dict[str, dict[str, str] | None] = {}
    for level in LEVELS:
        code = str(row[f"{level}_code"])
        areas[level] = {"code": code, "name": str(row[f"{level}_name"])} if code else None
    nearest = str(row["nearest_grid_code"] or "")
    distance = row["distance_m"]
    return PointAnswer(
        point=point,
        areas=areas,
        on_boundary=bool(row["on_boundary"]),
        neighbours=tuple(row["neighbours"]),  # type: ignore[arg-type]
        nearest_grid={"code": nearest, "name": boundaries.names.get(nearest, "")}
        if nearest
        else None,
        distance_m=round(float(distance), 2) if isinstance(distance, float) else None,
        as_of=boundaries.as_of,
        version=boundaries.version,
        stale=boundaries.stale,
    )


@dataclass
class BatchAnswers:
    """A batch's answers as they are computed: the store version, then chunk after chunk.

    ``stale``: answered from the last boundaries read, the store being unreachable.
    """

    version: int
    chunks: Iterator[tuple[Rows, Answers]]
    stale: bool = False


def locate_batch(
    rt: Runtime,
    chunks: Iterator[tuple[Rows, Chunk]],
    crs: InputCRS,
    *,
    as_of: datetime | None = None,
) -> BatchAnswers:
    """Answer a batch chunk by chunk (lazily), all against one set of boundaries."""
    boundaries = rt.lookup.get(as_of)
    answered = ((rows, answer_chunk(boundaries, chunk, crs)) for rows, chunk in chunks)
    return BatchAnswers(boundaries.version, answered, stale=boundaries.stale)


def answer_chunk(boundaries: Boundaries, chunk: Chunk, crs: InputCRS) -> Answers:
    """`ANSWER_COLUMNS` (as arrays) for every row of ``chunk``; bad rows get only an ``error``."""
    return locate_chunk(boundaries.lookup, chunk, crs)


def locate_chunk(lookup: AreaLookup, chunk: Chunk, crs: InputCRS) -> Answers:
    """`answer_chunk` with an index (a Dask worker has its own, not a `Boundaries`)."""
    x, x_errors = parse_numbers(chunk.fields[0], chunk.lon)
    y, y_errors = parse_numbers(chunk.fields[1], chunk.lat)
    errors = _first_error(chunk.errors, x_errors, y_errors)
    readable = np.flatnonzero(errors == "")
    errors[readable] = range_errors(x[readable], y[readable], crs, fields=chunk.fields)
    good = np.flatnonzero(errors == "")
    answers = blank_answers(x.size)
    answers["wgs84_lon"][good], answers["wgs84_lat"][good] = to_wgs84(x[good], y[good], crs)
    if good.size:
        found = lookup.locate(answers["wgs84_lon"][good], answers["wgs84_lat"][good])
        for column in found.columns:
            if column in answers:
                answers[column][good] = found[column].to_numpy()
    answers["error"] = errors
    return answers


def blank_answers(size: int) -> Answers:
    """`ANSWER_COLUMNS` for ``size`` rows with no answer yet."""
    blank: Answers = {
        "wgs84_lon": np.full(size, np.nan),
        "wgs84_lat": np.full(size, np.nan),
    }
    blank.update({column: np.full(size, "", dtype=object) for column in LEVEL_COLUMNS})
    blank["on_boundary"] = np.zeros(size, dtype=bool)
    blank["neighbours"] = np.empty(size, dtype=object)
    blank["neighbours"].fill(())
    blank["nearest_grid_code"] = np.full(size, "", dtype=object)
    blank["distance_m"] = np.full(size, np.nan)
    blank["error"] = np.full(size, "", dtype=object)
    return blank


def _first_error(*columns: np.ndarray) -> np.ndarray:
    errors = np.array(columns[0], dtype=object, copy=True)
    for column in columns[1:]:
        missing = errors == ""
        errors[missing] = column[missing]
    return errors
