"""Locating a table's points one part at a time, on this machine or on a Dask worker elsewhere.

The pieces every engine of ``gridmap assign`` shares for columnar input (Parquet, or CSV read
by Dask): where a table's points are (`PointColumns`: two coordinate columns, or a GeoParquet
geometry column), the points of one part (`frame_chunk`), and the typed answer columns written
back (`answer_frame`). A worker gets the boundaries once (`SnapshotPlugin`, which
`distributed` sends to every worker of a cluster, those joining later too) and builds one
`AreaLookup` from them per process, kept under the snapshot's key (`worker_lookup`): the parts
it locates afterwards use that one index.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from distributed.diagnostics.plugin import WorkerPlugin

from gis.errors import InvalidInput
from gis.lookup.hierarchy import AreaLookup
from gis.pointfiles import Chunk
from gis.tables import TableOptions, coordinate_columns

_GEOMETRY_NAMES = {1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint"}
_GEOMETRY_NAMES |= {5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


@dataclass(frozen=True)
class PointColumns:
    """Where a table's points are: its ``lon`` and ``lat`` columns, or a WKB ``geometry`` one.

    Examples
    --------
    >>> PointColumns(lon="经度", lat="纬度").fields, PointColumns(geometry="geom").fields
    (('经度', '纬度'), ('geom.x', 'geom.y'))
    """

    lon: str = ""
    lat: str = ""
    geometry: str = ""

    @property
    def fields(self) -> tuple[str, str]:
        """The names errors give the two coordinates."""
        if self.geometry:
            return f"{self.geometry}.x", f"{self.geometry}.y"
        return self.lon, self.lat


def point_columns(
    columns: Sequence[str], *, geometry: str | None = None, options: TableOptions | None = None
) -> PointColumns:
    """The columns holding a table's points: ``geometry`` if given, else lon/lat as a CSV's.

    The coordinate columns are found as `gis.tables.coordinate_columns` finds a CSV's.

    Examples
    --------
    >>> point_columns(["id", "LNG", "纬度"])
    PointColumns(lon='LNG', lat='纬度', geometry='')
    >>> point_columns(["id", "geometry"], geometry="geometry")
    PointColumns(lon='', lat='', geometry='geometry')
    """
    if geometry:
        return PointColumns(geometry=geometry)
    lon, lat = coordinate_columns(list(columns), options=options)
    return PointColumns(lon=columns[lon], lat=columns[lat])


def frame_chunk(frame: pd.DataFrame, points: PointColumns) -> Chunk:
    """The points of a table part, as `gis.usecases.lookup.answer_chunk` reads a CSV's chunk.

    Coordinate columns are given as they are (text or numbers; the answer parses them); a
    geometry column holds WKB, and a row whose geometry is missing, empty or not a Point gets
    an error instead of coordinates.

    Examples
    --------
    >>> wkb = shapely.to_wkb([shapely.Point(116.3, 40), shapely.box(0, 0, 1, 1), None])
    >>> chunk = frame_chunk(pd.DataFrame({"g": wkb}), PointColumns(geometry="g"))
    >>> chunk.lon.tolist()[0], chunk.errors.tolist()
    (116.3, ['', "g: a Point is needed, got 'Polygon'", 'g: missing'])
    """
    if not points.geometry:
        lon = frame[points.lon].to_numpy(dtype=object)
        lat = frame[points.lat].to_numpy(dtype=object)
        return Chunk(lon, lat, np.full(len(frame), "", dtype=object), points.fields)
    values = frame[points.geometry].to_numpy(dtype=object)
    known = np.array([v is not None and v == v for v in values], dtype=bool)  # NaN: missing
    geoms = np.full(values.size, None, dtype=object)
    geoms[known] = shapely.from_wkb(values[known], on_invalid="ignore")
    kinds = shapely.get_type_id(geoms)
    missing = (kinds < 0) | shapely.is_empty(geoms)
    errors = np.full(values.size, "", dtype=object)
    errors[missing] = f"{points.geometry}: missing"
    other = ~missing & (kinds != 0)
    errors[other] = [
        f"{points.geometry}: a Point is needed, got {_GEOMETRY_NAMES.get(k, 'Unknown')!r}"
        for k in kinds[other].tolist()
    ]
    lon, lat = np.full(values.size, None, dtype=object), np.full(values.size, None, dtype=object)
    point = errors == ""
    lon[point], lat[point] = shapely.get_x(geoms[point]), shapely.get_y(geoms[point])
    return Chunk(lon, lat, errors, points.fields)


def answer_frame(answers: dict[str, Any], index: pd.Index | None = None) -> pd.DataFrame:
    """The answer columns of a part as a table stores them (Parquet): typed, one per answer.

    Codes, names and errors are text ("" for none), ``on_boundary`` a bool, coordinates and
    ``distance_m`` floats (NaN for none), ``neighbours`` the other grids' codes joined by
    ``;`` as in the CSV answer.

    Examples
    --------
    >>> answers = {"grid_code": np.array(["a"], object), "neighbours": np.array([("b", "c")]),
    ...            "on_boundary": np.array([True]), "distance_m": np.array([np.nan])}
    >>> answer_frame(answers).to_dict("records")
    [{'grid_code': 'a', 'neighbours': 'b;c', 'on_boundary': True, 'distance_m': nan}]
    """
    columns: dict[str, Any] = {}
    for name, values in answers.items():
        if name == "neighbours":
            values = [";".join(codes) for codes in values.tolist()]
        if isinstance(values, list) or values.dtype == object:
            columns[name] = pd.array(values, dtype="string[pyarrow]")
        else:
            columns[name] = values
    return pd.DataFrame(columns, index=index)


# --- the boundaries on a worker


@dataclass(frozen=True)
class AreaSnapshot:
    """The areas of one read of the store, under ``key`` (their version, and ``as_of``).

    ``nearest_m``: passed to `AreaLookup` (None: its default).
    """

    key: str
    version: int
    areas: gpd.GeoDataFrame
    nearest_m: float | None = None

    def lookup(self) -> AreaLookup:
        """An `AreaLookup` over the areas."""
        if self.nearest_m is None:
            return AreaLookup(self.areas)
        return AreaLookup(self.areas, nearest_m=self.nearest_m)


_lookups: dict[str, AreaLookup] = {}  # this process's indexes, by snapshot key
_lookups_lock = threading.Lock()


def install(snapshot: AreaSnapshot) -> AreaLookup:
    """Build this process's index for ``snapshot`` (once for each key) and keep it."""
    with _lookups_lock:
        found = _lookups.get(snapshot.key)
        if found is None:
            found = _lookups[snapshot.key] = snapshot.lookup()
        return found


def uninstall(key: str) -> None:
    """Drop this process's index for ``key``, if any."""
    with _lookups_lock:
        _lookups.pop(key, None)


def worker_lookup(key: str) -> AreaLookup:
    """The index this process built for the snapshot ``key`` (sent by `SnapshotPlugin`).

    Raises
    ------
    InvalidInput
        No snapshot ``key`` reached this process: its worker has no gridmap plugin.
    """
    with _lookups_lock:
        found = _lookups.get(key)
    if found is None:
        raise InvalidInput(f"scheduler: a worker never got the boundaries {key}; restart it")
    return found


class SnapshotPlugin(WorkerPlugin):
    """Sends a snapshot to every worker once, which builds its index from it on arrival.

    Registered with ``Client.register_plugin``: the scheduler hands it to every worker, those
    that join later too; registering another under the same name replaces it (`teardown`).
    """

    name = "gridmap-boundaries"

    def __init__(self, snapshot: AreaSnapshot) -> None:
        self.snapshot = snapshot

    def setup(self, worker: Any) -> None:
        """Build the worker's index."""
        install(self.snapshot)

    def teardown(self, worker: Any) -> None:
        """Drop the worker's index."""
        uninstall(self.snapshot.key)
