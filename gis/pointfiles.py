"""Files of points as people send them: GeoJSON FeatureCollections of Points, and tables.

One reader per format for every caller (point lookups, incident imports, station imports); a
table (CSV in UTF-8 or GBK, or an .xlsx) is decoded by `gis.tables`, which also finds its
coordinate columns. The readers are lenient per row — a feature that is not a Point, a CSV row
with the wrong number of fields, gets an error naming the field and goes on with the others —
and strict about the whole input (not JSON, not a FeatureCollection, no header, not text),
which raises `UnreadableFile`. Callers that must refuse a file whole (stations) raise on the
first row error themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import ijson
import numpy as np
import numpy.typing as npt
import orjson

from gis import tables
from gis.errors import PayloadTooLarge, UnreadableFile
from gis.limits import LOOKUP_CHUNK_ROWS as CHUNK_ROWS
from gis.tables import TableOptions

ObjectArray = npt.NDArray[np.object_]
Rows = list[Sequence[Any]]  # each row's fields, as given
Record = dict[str, Any]


def feature_collection(content: bytes | str, what: str = "geojson") -> list[Any]:
    """The features of a GeoJSON FeatureCollection (raises `UnreadableFile` otherwise).

    Examples
    --------
    >>> feature_collection('{"type": "FeatureCollection", "features": []}')
    []
    >>> feature_collection('{"type": "Feature"}')
    Traceback (most recent call last):
    ...
    gis.errors.UnreadableFile: geojson: expected a FeatureCollection of Points, got 'Feature'
    """
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(f"{what}: not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise UnreadableFile(f"{what}: expected a FeatureCollection of Points, got {kind!r}")
    features = document.get("features")
    if not isinstance(features, list):
        raise UnreadableFile(f"{what}: 'features' must be a list")
    return features


class FeaturePoint(NamedTuple):
    """One feature read as a point: its id, lon and lat as given, properties, and any error."""

    id: Any
    lon: Any
    lat: Any
    properties: Record
    error: str  # "" when the feature is a readable Point


def feature_point(feature: Any, *, geometry_required: bool = True) -> FeaturePoint:
    """Read one GeoJSON feature as a point (the id from the feature, else its properties).

    Without ``geometry_required`` a feature with no geometry is no error (its properties may
    locate it, e.g. by address).

    Examples
    --------
    >>> feature_point({"type": "Feature", "id": 7, "properties": {"a": 1},
    ...                "geometry": {"type": "Point", "coordinates": [116.3, 40.0]}})
    FeaturePoint(id=7, lon=116.3, lat=40.0, properties={'a': 1}, error='')
    >>> feature_point({"type": "Feature", "geometry": None}).error
    'geometry: missing'
    """
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return FeaturePoint(None, None, None, {}, "feature: not a GeoJSON Feature")
    properties = feature.get("properties")
    properties = dict(properties) if isinstance(properties, dict) else {}
    ident = feature.get("id")
    if ident is None:  # absent or null: no id (RFC 7946), so the properties may name one
        ident = properties.get("id")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return FeaturePoint(ident, None, None, properties, _missing(geometry_required))
    if geometry.get("type") != "Point":
        error = f"geometry: a Point is needed, got {geometry.get('type')!r}"
        return FeaturePoint(ident, None, None, properties, error)
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        error = "geometry.coordinates: expected [lon, lat]"
        return FeaturePoint(ident, None, None, properties, error)
    lon, lat = (None if isinstance(v, bool) else v for v in coordinates[:2])
    return FeaturePoint(ident, lon, lat, properties, "")


def _missing(required: bool) -> str:
    return "geometry: missing" if required else ""


def records_of(rows: Iterable[Sequence[str]], what: str = "csv") -> tuple[list[str], list[Record]]:
    """The header and the rows (as dicts keyed by the header's names) of a table's rows.

    Blank rows are skipped; a row shorter than the header has None in the fields it lacks, and
    one longer carries the reason in ``_error``.

    Examples
    --------
    >>> records_of([["a ", "b"], ["1", "2"], [], ["3"], ["4", "5", "6"]])  # doctest: +ELLIPSIS
    (['a', 'b'], [{'a': '1', 'b': '2'}, {'a': '3', 'b': None}, {..., '_error': 'fields: ...'}])
    """
    found = iter(rows)
    header = tables.header_of(next(found, []))
    if not any(header):
        raise UnreadableFile(f"{what}: empty; expected a header line")
    records: list[Record] = []
    for row in found:
        if not row:
            continue
        record: Record = dict(zip(header, [*row, *[None] * (len(header) - len(row))], strict=False))
        if len(row) > len(header):
            record["_error"] = f"fields: expected {len(header)}, got {len(row)}"
        records.append(record)
    return header, records


def table_records(
    source: bytes | Path,
    *,
    kind: str = "csv",
    options: TableOptions | None = None,
    what: str = "csv",
) -> PointTable:
    r"""The header, rows (as dicts) and encoding of a table: a CSV (UTF-8 or GBK) or an .xlsx.

    Examples
    --------
    >>> found = table_records("经度,纬度\n116.3,40\n".encode("gbk"))
    >>> found.records, found.encoding
    ([{'经度': '116.3', '纬度': '40'}], 'gb18030')
    """
    rows, encoding = tables.read_table(source, kind=kind, options=options, what=what)
    return PointTable(*records_of(rows, what), encoding)


class PointTable(NamedTuple):
    """A table of points read whole: its header, its rows as dicts, and a CSV's encoding."""

    header: list[str]
    records: list[Record]
    encoding: str | None  # None: not a CSV (a workbook, GeoJSON)


@dataclass
class Chunk:
    """A slice of a batch of points: the coordinate values as given, and errors found reading.

    ``fields`` name the two coordinate columns in error messages.
    """

    lon: npt.NDArray[Any]  # objects as given, or floats when all are floats
    lat: npt.NDArray[Any]
    errors: ObjectArray  # "" where the row was read fine
    fields: tuple[str, str] = ("lon", "lat")
    ids: npt.NDArray[Any] | None = None  # a GeoJSON feature's id (`point_features`)


class CsvPoints:
    r"""A table of points: a header, and the rows under it, read in chunks (`chunks`).

    ``source`` is a CSV text stream or the rows of a table (`gis.tables.Table.rows`, a CSV's
    or a workbook's), the header first. The coordinate columns are found by their usual names
    or named (`gis.tables.coordinate_columns`). A file of millions of rows is never held whole
    as objects.

    Examples
    --------
    >>> points = CsvPoints(io.StringIO("id,LNG,纬度\na,116.3,39.9\nb,1\n"))
    >>> [(rows, chunk.errors.tolist()) for rows, chunk in points.chunks()]
    [([['a', '116.3', '39.9'], ['b', '1', '']], ['', 'fields: expected 3, got 2'])]
    """

    def __init__(
        self,
        source: io.TextIOBase | Iterator[list[str]],
        *,
        lon_field: str | None = None,
        lat_field: str | None = None,
        options: TableOptions | None = None,
    ) -> None:
        self._reader = csv.reader(source) if isinstance(source, io.TextIOBase) else source
        try:
            header = next(self._reader, None)
        except csv.Error as exc:
            raise UnreadableFile(f"csv: cannot read the header line: {exc}") from None
        if not header or not any(field.strip() for field in header):
            raise UnreadableFile("csv: empty; expected a header lon,lat[,id]")
        self.header = tables.header_of(header)
        self.lon_index, self.lat_index = tables.coordinate_columns(
            self.header, lon_field, lat_field, options=options
        )

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[tuple[Rows, Chunk]]:
        """Rows (fields padded or cut to the header) and their coordinates, ``size`` at a time."""
        width = len(self.header)
        rows: Rows = []
        errors: list[str] = []
        for fields, unreadable in self._rows():
            if not fields and not unreadable:
                continue  # a blank line
            if unreadable:
                errors.append(unreadable)
            elif len(fields) == width:
                errors.append("")
            else:
                errors.append(f"fields: expected {width}, got {len(fields)}")
            rows.append([*fields[:width], *[""] * (width - len(fields))])
            if len(rows) == size:
                yield rows, self._chunk(rows, errors)
                rows, errors = [], []
        if rows:
            yield rows, self._chunk(rows, errors)

    def _rows(self) -> Iterator[tuple[list[str], str]]:
        """Each row's fields, or no fields and why the row cannot be read (it alone is lost).

        A field over the csv module's limit (128 KiB) raises in the middle of the row: the
        reader drops the rest of that line and goes on with the next, so the row becomes an
        error and the batch goes on.
        """
        while True:
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield [], _unreadable_row(exc)
                continue
            yield fields, ""

    def _chunk(self, rows: Rows, errors: list[str]) -> Chunk:
        lon = np.array([row[self.lon_index] for row in rows], dtype=object)
        lat = np.array([row[self.lat_index] for row in rows], dtype=object)
        fields = (self.header[self.lon_index], self.header[self.lat_index])
        return Chunk(lon, lat, np.array(errors, dtype=object), fields)


def _unreadable_row(exc: csv.Error) -> str:
    """The ``error`` of a row the csv module cannot read (never its text: it may be huge).

    Examples
    --------
    >>> _unreadable_row(csv.Error("field larger than field limit (131072)"))
    'row: a field is longer than 131,072 characters'
    """
    limit = csv.field_size_limit()
    if "field limit" in str(exc):
        return f"row: a field is longer than {limit:,} characters"
    return f"row: not readable as CSV ({exc})"


def point_features(
    stream: IO[bytes], *, max_rows: int, size: int = CHUNK_ROWS, what: str = "geojson"
) -> list[Chunk]:
    """The Points of a GeoJSON FeatureCollection read from ``stream``, ``size`` features a chunk.

    The document is parsed incrementally (ijson), one feature at a time, and each feature is
    kept only as its id, lon, lat and error (`Chunk.ids`): memory grows by about a hundred
    bytes a point, not by the parsed JSON objects (~1.5 kB a point with `feature_collection`).
    The whole document is read before this returns, so a body that is not JSON, not a
    collection, or over ``max_rows`` raises before any answer is sent. A document with a
    ``features`` array of features is read as a collection whatever its ``type`` says
    (checking it would take a second pass); one without is refused as `feature_collection`
    refuses it.

    Raises
    ------
    UnreadableFile
        Not JSON, or not a FeatureCollection.
    PayloadTooLarge
        More than ``max_rows`` features.

    Examples
    --------
    >>> body = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "id": 1,'
    >>> body += b' "geometry": {"type": "Point", "coordinates": [116.3, 40]}}, {"id": 2}]}'
    >>> [chunk] = point_features(io.BytesIO(body), max_rows=10)
    >>> chunk.ids.tolist(), chunk.lon.tolist(), chunk.errors.tolist()
    ([1, None], [116.3, None], ['', 'feature: not a GeoJSON Feature'])
    >>> point_features(io.BytesIO(b'[1, 2]'), max_rows=10)
    Traceback (most recent call last):
    ...
    gis.errors.UnreadableFile: geojson: expected a FeatureCollection of Points, got 'list'
    """
    chunks: list[Chunk] = []
    # plain values in four lists: a list of a million tracked objects (tuples, dicts) would
    # make every full garbage collection walk them, holding the GIL (and the event loop)
    ids: list[Any] = []
    lon: list[Any] = []
    lat: list[Any] = []
    errors: list[str] = []
    try:
        for feature in ijson.items(stream, "features.item", use_float=True):
            point = feature_point(feature)
            ids.append(point.id)
            lon.append(point.lon)
            lat.append(point.lat)
            errors.append(point.error)
            if len(ids) == size:
                chunks.append(_feature_chunk(ids, lon, lat, errors))
                ids, lon, lat, errors = [], [], [], []
                _check_count(len(chunks) * size, max_rows)
        _check_count(len(chunks) * size + len(ids), max_rows)
        if not chunks and not ids:
            stream.seek(0)
            _check_collection(stream, what)
    except ijson.JSONError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise UnreadableFile(f"{what}: not valid JSON: {reason}") from None
    if ids:
        chunks.append(_feature_chunk(ids, lon, lat, errors))
    return chunks


def _check_count(count: int, max_rows: int) -> None:
    if count > max_rows:
        raise PayloadTooLarge(f"body: over the limit of {max_rows:,} points; split the batch")


def _feature_chunk(ids: list[Any], lon: list[Any], lat: list[Any], errors: list[str]) -> Chunk:
    return Chunk(_compact(lon), _compact(lat), np.array(errors, dtype=object), ids=_compact(ids))


def _compact(values: list[Any]) -> npt.NDArray[Any]:
    """The values as a number array when all are floats (or all ints), else as objects.

    A float in an object array takes 32 bytes, in a float array 8; the values read back
    (``tolist``) are the same.

    Examples
    --------
    >>> [_compact(v).dtype.name for v in ([1.5, 2.0], [1, 2], [1, 2.5], ["a"], [True], [[1]])]
    ['float64', 'int64', 'object', 'object', 'object', 'object']
    """
    kinds = set(map(type, values))
    if kinds == {float}:
        return np.array(values, dtype=np.float64)
    if kinds == {int} and all(-(2**63) <= v < 2**63 for v in values):
        return np.array(values, dtype=np.int64)
    found = np.empty(len(values), dtype=object)
    found[:] = values  # element by element: a value may itself be a list
    return found


def feature_rows(chunk: Chunk) -> Rows:
    """The rows ``(id, lon, lat)`` of a chunk of `point_features`, as given.

    Tuples: the garbage collector stops tracking a tuple of plain values, so a chunk of rows
    does not add to what every full collection walks (a list would).
    """
    ids = chunk.ids if chunk.ids is not None else np.full(len(chunk.lon), None, dtype=object)
    return list(zip(ids.tolist(), chunk.lon.tolist(), chunk.lat.tolist(), strict=True))


def _check_collection(stream: IO[bytes], what: str) -> None:
    """Raise as `feature_collection` would for a document without features (read as events)."""
    kind: Any = None
    features = None
    for prefix, event, value in ijson.parse(stream, use_float=True):
        if prefix == "" and event not in ("start_map", "map_key", "end_map"):
            kind = "list" if event == "start_array" else type(value).__name__
            raise UnreadableFile(f"{what}: expected a FeatureCollection of Points, got {kind!r}")
        if prefix == "type" and kind is None:
            kind = value
        elif prefix == "features" and features is None:
            features = event
    if kind != "FeatureCollection":
        raise UnreadableFile(f"{what}: expected a FeatureCollection of Points, got {kind!r}")
    if features != "start_array":
        raise UnreadableFile(f"{what}: 'features' must be a list")


def geojson_chunks(features: list[Any], size: int = CHUNK_ROWS) -> Iterator[tuple[Rows, Chunk]]:
    """Rows ``[id, lon, lat]`` and their coordinates, ``size`` features at a time."""
    for start in range(0, len(features), size):
        points = [feature_point(feature) for feature in features[start : start + size]]
        rows: Rows = [[p.id, p.lon, p.lat] for p in points]
        lon = np.array([p.lon for p in points], dtype=object)
        lat = np.array([p.lat for p in points], dtype=object)
        yield rows, Chunk(lon, lat, np.array([p.error for p in points], dtype=object))


def read_point_table(path: Path, options: TableOptions | None = None) -> PointTable:
    """The rows of a table (a CSV or an .xlsx, with a header) or of a GeoJSON FeatureCollection.

    A table is read as `gis.tables` reads one (``options``: its encoding and sheet). A GeoJSON
    feature becomes its properties with ``id``, ``lon`` and ``lat``; one that is not a Point
    carries the reason in ``_error`` (a feature without geometry is no error: its properties
    may locate it).
    """
    if not path.is_file():
        raise UnreadableFile(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xls", ".geojson", ".json"):
        raise UnreadableFile(f"{path.name}: expected .csv, .xlsx or .geojson")
    if suffix not in (".geojson", ".json"):
        kind = tables.table_kind(path.name, what=path.name)
        return table_records(path, kind=kind, options=options, what=path.name)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{path.name}: cannot read it: {exc.strerror}") from None
    header: dict[str, None] = {"id": None, "lon": None, "lat": None}
    records = []
    for feature in feature_collection(content, what=path.name):
        point = feature_point(feature, geometry_required=False)
        record: Record = {**point.properties, "id": point.id, "lon": point.lon, "lat": point.lat}
        header.update(dict.fromkeys(record))
        if point.error:
            record["_error"] = point.error
        records.append(record)
    return PointTable(list(header), records, None)
