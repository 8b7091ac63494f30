"""Value objects parsed and validated at the edges (HTTP, CLI); they raise `InvalidInput`."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import NamedTuple

from gis.errors import InvalidInput


class BBox(NamedTuple):
    """A (west, south, east, north) box in EPSG:4326 degrees."""

    west: float
    south: float
    east: float
    north: float


def parse_bbox(text: str, field: str = "bbox") -> BBox:
    """Read ``"west,south,east,north"`` in degrees.

    Examples
    --------
    >>> parse_bbox("116.34,39.99,116.36,40.01")
    BBox(west=116.34, south=39.99, east=116.36, north=40.01)
    >>> parse_bbox("116.36,39.99,116.34,40.01")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: bbox: west 116.36 is east of east 116.34; expected w,s,e,n
    """
    parts = text.split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInput(f"{field}: {text!r} is not four numbers west,south,east,north")
    box = BBox(*values)
    if not (-180 <= box.west <= 180 and -180 <= box.east <= 180):
        raise InvalidInput(f"{field}: longitudes must be within -180..180, got {text!r}")
    if not (-90 <= box.south <= 90 and -90 <= box.north <= 90):
        raise InvalidInput(f"{field}: latitudes must be within -90..90, got {text!r}")
    if box.west > box.east:
        raise InvalidInput(f"{field}: west {box.west} is east of east {box.east}; expected w,s,e,n")
    if box.south > box.north:
        raise InvalidInput(f"{field}: south {box.south} is north of north {box.north}")
    return box


def parse_time(text: str, field: str = "as_of") -> datetime:
    """Read an ISO 8601 date or time; a naive value is taken as UTC.

    Examples
    --------
    >>> parse_time("2026-01-01")
    datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not an ISO 8601 date or time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
