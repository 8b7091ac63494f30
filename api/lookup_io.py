"""Batches of points in and answers out: CSV (``lon,lat[,id]``) and GeoJSON in; CSV and NDJSON out.

Readers yield chunks (`lookup_service.Chunk`) with the input fields to echo; a row that cannot
be read (wrong number of fields, not a Point) gets its error and goes on with the others. Only
problems with the whole input (no header, no ``lon`` column, not a FeatureCollection) raise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

import numpy as np
import orjson

from api.lookup_service import ANSWER_COLUMNS, CHUNK_ROWS, LEVEL_COLUMNS, Chunk
from gis.errors import UnreadableFile

Rows = list[list[Any]]


class CsvPoints:
    r"""A CSV stream with a header naming the longitude and latitude columns (case ignored).

    Examples
    --------
    >>> points = CsvPoints(io.StringIO("id,LON,lat\na,116.3,39.9\nb,1\n"))
    >>> [(rows, chunk.errors.tolist()) for rows, chunk in points.chunks()]
    [([['a', '116.3', '39.9'], ['b', '1', '']], ['', 'fields: expected 3, got 2'])]
    """

    def __init__(self, stream: IO[str], *, lon_field: str = "lon", lat_field: str = "lat") -> None:
        self._reader = csv.reader(stream)
        header = next(self._reader, None)
        if not header or not any(field.strip() for field in header):
            raise UnreadableFile(f"csv: empty; expected a header {lon_field},{lat_field}[,id]")
        self.header = [field.strip().lstrip("\ufeff") for field in header]
        self.lon_index = self._column(lon_field, lat_field, lon_field)
        self.lat_index = self._column(lon_field, lat_field, lat_field)

    def _column(self, lon_field: str, lat_field: str, name: str) -> int:
        lowered = [field.lower() for field in self.header]
        if name.lower() not in lowered:
            found = ",".join(self.header)[:200]
            raise UnreadableFile(
                f"csv: no {name!r} column in the header {found!r}; "
                f"expected {lon_field},{lat_field}[,id]"
            )
        return lowered.index(name.lower())

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[tuple[Rows, Chunk]]:
        """Rows (fields padded or cut to the header) and their coordinates, ``size`` at a time."""
        width = len(self.header)
        rows: Rows = []
        errors: list[str] = []
        for fields in self._reader:
            if not fields:
                continue  # a blank line
            if len(fields) == width:
                errors.append("")
            else:
                errors.append(f"fields: expected {width}, got {len(fields)}")
                fields = [*fields[:width], *[""] * (width - len(fields))]
            rows.append(fields)
            if len(rows) == size:
                yield rows, self._chunk(rows, errors)
                rows, errors = [], []
        if rows:
            yield rows, self._chunk(rows, errors)

    def _chunk(self, rows: Rows, errors: list[str]) -> Chunk:
        lon = np.array([row[self.lon_index] for row in rows], dtype=object)
        lat = np.array([row[self.lat_index] for row in rows], dtype=object)
        fields = (self.header[self.lon_index], self.header[self.lat_index])
        return Chunk(lon, lat, np.array(errors, dtype=object), fields)


def geojson_features(body: bytes) -> list[Any]:
    """The features of a GeoJSON FeatureCollection (raises `UnreadableFile` otherwise)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(f"geojson: not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise UnreadableFile(f"geojson: expected a FeatureCollection of Points, got {kind!r}")
    features = document.get("features")
    if not isinstance(features, list):
        raise UnreadableFile("geojson: 'features' must be a list")
    return features


def geojson_chunks(features: list[Any], size: int = CHUNK_ROWS) -> Iterator[tuple[Rows, Chunk]]:
    """Rows ``[id, lon, lat]`` and their coordinates, ``size`` features at a time."""
    for start in range(0, len(features), size):
        rows: Rows = []
        errors: list[str] = []
        for feature in features[start : start + size]:
            row, error = _feature_row(feature)
            rows.append(row)
            errors.append(error)
        lon = np.array([row[1] for row in rows], dtype=object)
        lat = np.array([row[2] for row in rows], dtype=object)
        yield rows, Chunk(lon, lat, np.array(errors, dtype=object))


def _feature_row(feature: Any) -> tuple[list[Any], str]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [None, None, None], "feature: not a GeoJSON Feature"
    properties = feature.get("properties") or {}
    ident = feature.get("id", properties.get("id") if isinstance(properties, dict) else None)
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return [ident, None, None], "geometry: missing"
    if geometry.get("type") != "Point":
        return [ident, None, None], f"geometry: a Point is needed, got {geometry.get('type')!r}"
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return [ident, None, None], "geometry.coordinates: expected [lon, lat]"
    lon, lat = (None if isinstance(v, bool) else v for v in coordinates[:2])
    return [ident, lon, lat], ""


def _text(values: Any, digits: int) -> list[str]:
    return ["" if v != v else f"{v:.{digits}f}" for v in values.tolist()]


def answer_texts(answers: dict[str, Any]) -> list[list[str]]:
    """The answer columns as CSV text, column by column."""
    failed = answers["error"] != ""
    boundary = np.where(answers["on_boundary"], "true", "false").astype(object)
    boundary[failed] = ""
    columns = {
        "wgs84_lon": _text(answers["wgs84_lon"], 7),
        "wgs84_lat": _text(answers["wgs84_lat"], 7),
        "on_boundary": boundary.tolist(),
        "distance_m": _text(answers["distance_m"], 1),
    }
    return [columns.get(name) or answers[name].tolist() for name in ANSWER_COLUMNS]


def csv_text(rows: Rows, answers: dict[str, Any], header: list[str] | None = None) -> str:
    """CSV lines: each input row followed by its answers (and a header line first if given)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow([*header, *ANSWER_COLUMNS])
    texts = answer_texts(answers)
    writer.writerows(
        [*row, *answer] for row, answer in zip(rows, zip(*texts, strict=True), strict=True)
    )
    return out.getvalue()


def ndjson_lines(rows: Rows, answers: dict[str, Any], header: list[str]) -> bytes:
    """One JSON object per line: the input fields, then the answers (null where none)."""
    failed = (answers["error"] != "").tolist()
    lists = {name: answers[name].tolist() for name in ANSWER_COLUMNS}
    for name in (*LEVEL_COLUMNS, "nearest_grid_code", "error"):
        lists[name] = [v or None for v in lists[name]]
    lists["on_boundary"] = [
        None if bad else v for v, bad in zip(lists["on_boundary"], failed, strict=True)
    ]
    out = bytearray()
    for position, row in enumerate(rows):
        record = dict(zip(header, row, strict=True))
        record.update({name: values[position] for name, values in lists.items()})
        out += orjson.dumps(record)
        out += b"\n"
    return bytes(out)
