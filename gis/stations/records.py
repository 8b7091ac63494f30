"""Stations as they arrive (API body, GeoJSON feature, CSV row), validated at the edge.

Every value is checked and converted to WGS84 once, here; a file is read whole and refused
whole (naming the feature and the field) before anything is written.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gis import crs as crslib
from gis.errors import CRSError, InvalidGeometry, InvalidInput, UnreadableFile
from gis.stations.catalogue import StationCatalogue

TYPE_FIELDS = ("type", "station_type", "类型")
NAME_FIELDS = ("name", "名称")
HOURS_FIELDS = ("opening_hours", "营业时间", "开放时间")
CAPACITY_FIELDS = ("capacity", "容量")
ID_FIELDS = ("source_id", "id")
LON_FIELDS = ("lon", "lng", "longitude", "x", "经度")
LAT_FIELDS = ("lat", "latitude", "y", "纬度")
_KNOWN = {*TYPE_FIELDS, *NAME_FIELDS, *HOURS_FIELDS, *CAPACITY_FIELDS, *ID_FIELDS}
_KNOWN |= {*LON_FIELDS, *LAT_FIELDS}


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


def _first(data: Mapping[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        value = data.get(name)
        if value is not None and value != "":
            return value
    return None


def _number(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise InvalidInput(f"{what}: {value!r} is not a finite number")
    return number


def _capacity(value: Any, label: str) -> int | None:
    if value is None:
        return None
    number = _number(value, f"{label}capacity")
    if number < 0 or number != int(number):
        raise InvalidInput(f"{label}capacity: {value!r} must be a whole number >= 0")
    return int(number)


def to_wgs84(x: Any, y: Any, crs: str, label: str = "") -> tuple[float, float]:
    """Check one coordinate pair in ``crs`` and convert it to WGS84 lon/lat.

    Examples
    --------
    >>> to_wgs84("116.35", 40.0, "wgs84")
    (116.35, 40.0)
    >>> to_wgs84(40.0, 116.35, "wgs84")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.CRSError: coordinates out of range for wgs84: latitude 116.35 is > 90: ...
    """
    source = crslib.parse_crs(crs)
    x_value, y_value = _number(x, f"{label}lon"), _number(y, f"{label}lat")
    try:
        crslib.check_coordinates(x_value, y_value, source)
    except CRSError as exc:
        raise CRSError(f"{label}{exc.detail}") from None
    lon, lat = crslib.to_wgs84(x_value, y_value, source)
    return float(lon), float(lat)


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
    name = str(_first(data, NAME_FIELDS) or "").strip()
    if not name:
        raise InvalidInput(f"{label}name: missing")
    lon, lat = to_wgs84(_first(data, LON_FIELDS), _first(data, LAT_FIELDS), crs, label)
    hours = _first(data, HOURS_FIELDS)
    source_id = _first(data, ID_FIELDS)
    extra = {k: v for k, v in data.items() if k not in _KNOWN and v is not None and v != ""}
    return StationIn(
        type=found.code,
        name=name[:200],
        lon=lon,
        lat=lat,
        opening_hours=str(hours) if hours is not None else None,
        capacity=_capacity(_first(data, CAPACITY_FIELDS), label),
        source_id=str(source_id) if source_id is not None else None,
        attributes={**dict(data.get("attributes") or {}), **extra},
    )


def _features(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise UnreadableFile("stations: expected a GeoJSON FeatureCollection")
    rows = []
    for i, feature in enumerate(doc.get("features") or []):
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") != "Point" or len(geometry.get("coordinates") or []) < 2:
            raise InvalidGeometry(f"feature {i}: geometry must be a Point")
        x, y = geometry["coordinates"][:2]
        properties = dict(feature.get("properties") or {})
        if feature.get("id") is not None:
            properties.setdefault("source_id", feature["id"])
        rows.append({**properties, "lon": x, "lat": y})
    return rows


def read_stations(
    content: bytes, *, kind: str, catalogue: StationCatalogue, crs: str = "wgs84"
) -> list[StationIn]:
    """Parse a GeoJSON FeatureCollection of Points (``kind="geojson"``) or a CSV with lon/lat.

    All rows are validated first; the first bad one raises, naming its row and field.
    """
    try:
        text = content.decode("utf-8-sig")
        rows = (
            _features(json.loads(text))
            if kind == "geojson"
            else list(csv.DictReader(io.StringIO(text)))
        )
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise UnreadableFile(f"stations: cannot read the {kind}: {exc}") from exc
    if not rows:
        raise UnreadableFile("stations: no stations in the input")
    where = "feature" if kind == "geojson" else "row"
    return [
        parse_station(row, catalogue, crs=crs, label=f"{where} {i}: ")
        for i, row in enumerate(rows, start=0 if kind == "geojson" else 2)
    ]
