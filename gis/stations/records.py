"""Stations as they arrive (API body, GeoJSON feature, CSV row), validated at the edge.

Every value is checked and converted to WGS84 once, here; a file is read whole and refused
whole (naming the feature and the field) before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gis.errors import InvalidGeometry, InvalidInput, UnreadableFile
from gis.pointfiles import feature_collection, feature_point, table_records
from gis.stations.catalogue import StationCatalogue
from gis.tables import LAT_NAMES, LON_NAMES, TableOptions, coordinate_columns
from gis.values import parse_attributes, parse_point, parse_text, require_number

TYPE_FIELDS = ("type", "station_type", "类型")
NAME_FIELDS = ("name", "名称")
HOURS_FIELDS = ("opening_hours", "营业时间", "开放时间")
CAPACITY_FIELDS = ("capacity", "容量")
CAPACITY_MAX = 1_000_000
"""The most people a station may be said to hold (its column is a 32-bit integer)."""
ID_FIELDS = ("source_id", "id")
_KNOWN = {*TYPE_FIELDS, *NAME_FIELDS, *HOURS_FIELDS, *CAPACITY_FIELDS, *ID_FIELDS}
_KNOWN |= {*LON_NAMES, *LAT_NAMES}


@dataclass(frozen=True)
class StationIn:
    """A validated station: type code, name, WGS84 point, hours, capacity, attributes."""

    type: str
    name: str
    lon: float
    lat: float
    opening_hours: str | None = None
    capacity: int | None = None
    source_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Station:
    """A stored station: `StationIn` plus its id, the grid it lies in, and its times."""

    id: int
    type: str
    name: str
    lon: float
    lat: float
    opening_hours: str | None
    capacity: int | None
    grid_code: str | None
    outside_grid: bool
    source_id: str | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _first(data: Mapping[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        value = data.get(name)
        if value is not None and value != "":
            return value
    return None


def _capacity(value: Any, label: str) -> int | None:
    if value is None:
        return None
    number = require_number(value, f"{label}capacity")
    if not (0 <= number <= CAPACITY_MAX) or number != int(number):
        expected = f"a whole number from 0 to {CAPACITY_MAX:,}"
        raise InvalidInput(f"{label}capacity: {value!r} is not {expected}")
    return int(number)


def parse_station(
    data: Mapping[str, Any], catalogue: StationCatalogue, *, crs: str = "wgs84", label: str = ""
) -> StationIn:
    """Validate one station given as a flat mapping (lon/lat, type, name …).

    Examples
    --------
    >>> catalogue = StationCatalogue.load()
    >>> s = parse_station({"type": "调解室", "name": "A", "lon": 116.35, "lat": 40}, catalogue)
    >>> s.type, s.lon, s.capacity
    ('mediation_room', 116.35, None)
    """
    station_type = _first(data, TYPE_FIELDS)
    if station_type is None:
        raise InvalidInput(f"{label}type: missing; valid: {catalogue.valid()}")
    found = catalogue.find(station_type, field=f"{label}type")
    name = parse_text(_first(data, NAME_FIELDS), f"{label}name")
    if name is None:
        raise InvalidInput(f"{label}name: missing")
    point = parse_point(
        _first(data, LON_NAMES),
        _first(data, LAT_NAMES),
        crs,
        fields=(f"{label}lon", f"{label}lat"),
        where=f"{label}lon, lat",
    )
    hours = _first(data, HOURS_FIELDS)
    source_id = _first(data, ID_FIELDS)
    extra = {k: v for k, v in data.items() if k not in _KNOWN and v is not None and v != ""}
    return StationIn(
        type=found.code,
        name=name,
        lon=point.lon,
        lat=point.lat,
        opening_hours=parse_text(hours, f"{label}opening_hours"),
        capacity=_capacity(_first(data, CAPACITY_FIELDS), label),
        source_id=str(source_id) if source_id is not None else None,
        attributes=parse_attributes({**parse_attributes(data.get("attributes")), **extra}),
    )


def _features(content: bytes) -> list[dict[str, Any]]:
    rows = []
    for i, feature in enumerate(feature_collection(content, what="stations")):
        point = feature_point(feature)
        if point.error:
            raise InvalidGeometry(f"feature {i}: {point.error}")
        properties = dict(point.properties)
        if isinstance(feature, dict) and feature.get("id") is not None:
            properties.setdefault("source_id", feature["id"])
        rows.append({**properties, "lon": point.lon, "lat": point.lat})
    return rows


def _table(content: bytes, kind: str, options: TableOptions | None) -> list[dict[str, Any]]:
    """A table's rows with their coordinates as ``lon`` and ``lat`` (found as `gis.tables` does)."""
    header, records, _ = table_records(content, kind=kind, options=options, what="stations")
    if not records:
        return []
    lon, lat = (header[i] for i in coordinate_columns(header, options=options))
    rows = []
    for number, record in enumerate(records, start=2):
        if record.get("_error"):
            raise InvalidInput(f"row {number}: {record['_error']}")
        rest = {k: v for k, v in record.items() if k not in (lon, lat)}
        rows.append({**rest, "lon": record[lon], "lat": record[lat]})
    return rows


def read_stations(
    content: bytes,
    *,
    kind: str,
    catalogue: StationCatalogue,
    crs: str = "wgs84",
    options: TableOptions | None = None,
) -> list[StationIn]:
    """Parse a GeoJSON FeatureCollection of Points (``kind="geojson"``) or a ``csv``/``xlsx`` table.

    A table is read as `gis.tables` reads one (``options``: encoding, sheet, coordinate
    columns). All rows are validated first; the first bad one raises, naming its row and field.
    """
    rows = _features(content) if kind == "geojson" else _table(content, kind, options)
    if not rows:
        raise UnreadableFile("stations: no stations in the input")
    where = "feature" if kind == "geojson" else "row"
    seen: dict[str, str] = {}
    stations = []
    for i, row in enumerate(rows, start=0 if kind == "geojson" else 2):
        station = parse_station(row, catalogue, crs=crs, label=f"{where} {i}: ")
        key = station.source_id
        if key is not None and key in seen:
            raise InvalidInput(f"{where} {i}: source_id: {key!r} repeats {seen[key]}")
        if key is not None:
            seen[key] = f"{where} {i}"
        stations.append(station)
    return stations
