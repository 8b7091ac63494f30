"""Value objects parsed and validated at the edges (HTTP, CLI); they raise `InvalidInput`.

One parser per kind of value — a number, a point in a CRS, a bbox, a time, a period — used by
every route and command alike, so that the same mistake gets the same answer everywhere. Each
takes the name of the field it reads, and every error names that field and the reason.
The batch forms (`parse_numbers`, `range_errors`) answer per row instead of raising.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
import pandas as pd

from gis import clock
from gis.crs import WGS84, InputCRS, check_coordinates, parse_crs, to_wgs84
from gis.errors import CRSError, InvalidInput
from gis.limits import ATTRIBUTES_BYTES, NAME_CHARS

ObjectArray = npt.NDArray[np.object_]
_SHOWN = 40  # characters of a bad value repeated in an error
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


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


def parse_time(text: str | datetime, field: str = "as_of") -> datetime:
    """Read an ISO 8601 date or time; a naive value is in the configured zone (`gis.clock`).

    Times before 1900 or from 2100 on are refused: no boundary, report or station is dated
    there, and the extremes cannot be stored or shifted between zones.

    Examples
    --------
    >>> parse_time("2026-01-01").isoformat()
    '2026-01-01T00:00:00+08:00'
    >>> parse_time("2026-01-01T00:00Z").isoformat()
    '2026-01-01T00:00:00+00:00'
    >>> parse_time("yesterday", "reported_at")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: reported_at: 'yesterday' is not an ISO 8601 date or time
    >>> parse_time("0001-01-01T00:00+14:00", "reported_at")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: reported_at: '0001-01-01T00:00+14:00' is not between 1900 and 2099
    """
    if isinstance(text, datetime):
        value = text
    else:
        try:
            value = datetime.fromisoformat(str(text))
        except ValueError:
            shown = str(text)[:_SHOWN]
            raise InvalidInput(f"{field}: {shown!r} is not an ISO 8601 date or time") from None
    value = clock.local(value) if value.tzinfo is None else value
    try:
        within = _EARLIEST <= value < _LATEST
    except OverflowError:
        within = False
    if not within:
        shown = str(text)[:_SHOWN]
        raise InvalidInput(f"{field}: {shown!r} is not between 1900 and 2099")
    return value


def optional_time(text: str | datetime | None, field: str) -> datetime | None:
    """`parse_time`, or None for a missing value (None or blank)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return parse_time(text, field)


@dataclass(frozen=True)
class Period:
    """A validated time span ``[start, end)``; either end may be open (None)."""

    start: datetime | None = None
    end: datetime | None = None


ANY_TIME = Period()
"""No bounds: every time."""


def parse_period(
    start: str | None, end: str | None, fields: tuple[str, str] = ("start", "end")
) -> Period:
    """Read a period whose end, when both are given, is after its start.

    Examples
    --------
    >>> parse_period("2026-01-01", None).start.year
    2026
    >>> parse_period("2026-02-01", "2026-01-01", ("from", "to"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: to: 2026-01-01 is not after from 2026-02-01
    """
    first, last = optional_time(start, fields[0]), optional_time(end, fields[1])
    if first is not None and last is not None and last <= first:
        raise InvalidInput(f"{fields[1]}: {end} is not after {fields[0]} {start}")
    return Period(first, last)


def parse_text(value: object, field: str, limit: int = NAME_CHARS) -> str | None:
    """Text trimmed, None when missing or blank; longer than ``limit`` characters is refused.

    Examples
    --------
    >>> parse_text("  学院路18号 ", "address"), parse_text("", "address")
    ('学院路18号', None)
    >>> parse_text("x" * 201, "name")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: name: 201 characters; at most 200
    """
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInput(f"{field}: {len(text)} characters; at most {limit}")
    return storable(text, field)


def storable(text: str, field: str) -> str:
    r"""``text`` if it can be stored: no NUL character, no lone UTF-16 surrogate.

    JSON can carry both (``"\u0000"``, ``"\ud800"``); PostgreSQL text and UTF-8 cannot.

    Examples
    --------
    >>> storable("学院路", "name")
    '学院路'
    >>> storable("a\x00b", "description")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: description: contains a NUL character (U+0000)
    >>> storable("a\ud800", "description")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: description: contains a lone surrogate (U+D800); expected UTF-8 text
    """
    if "\x00" in text:
        raise InvalidInput(f"{field}: contains a NUL character (U+0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = ord(text[exc.start])
        raise InvalidInput(
            f"{field}: contains a lone surrogate (U+{bad:04X}); expected UTF-8 text"
        ) from None
    return text


def parse_attributes(value: object, field: str = "attributes") -> dict[str, object]:
    """A JSON object of free attributes (None: none), at most `ATTRIBUTES_BYTES` as JSON.

    Examples
    --------
    >>> parse_attributes(None), parse_attributes({"floor": 3})
    ({}, {'floor': 3})
    >>> parse_attributes("3")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: attributes: expected a JSON object, got str
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field}: expected a JSON object, got {type(value).__name__}")
    dumped = storable(json.dumps(value, ensure_ascii=False, default=str), field)
    if "\\u0000" in dumped:  # JSON escapes NUL; PostgreSQL's jsonb refuses it
        raise InvalidInput(f"{field}: contains a NUL character (U+0000)")
    size = len(dumped.encode())
    if size > ATTRIBUTES_BYTES:
        raise InvalidInput(f"{field}: {size:,} bytes as JSON; at most {ATTRIBUTES_BYTES:,}")
    return dict(value)


def _shown(value: object) -> str:
    return repr(str(value).strip()[:_SHOWN]) if isinstance(value, str) else repr(value)


def _read_number(value: object) -> float | str | None:
    """The finite number in ``value``, None when missing, else why it is not one.

    Text is read as Python reads it (full-width digits too: Excel on Chinese Windows writes
    them); booleans are not numbers.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return f"{value!r} is not a number"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"{_shown(value)} is not a number"
    if not math.isfinite(number):
        return f"{_shown(value)} is not a finite number"
    return number


def parse_number(value: object, field: str) -> float | None:
    """A finite number from a number or text; None when missing (None or blank).

    Examples
    --------
    >>> parse_number("116.3", "lon"), parse_number("", "lon"), parse_number("１１６", "lon")
    (116.3, None, 116.0)
    >>> parse_number("NaN", "lat")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: lat: 'NaN' is not a finite number
    >>> parse_number(True, "severity")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: severity: True is not a number
    """
    found = _read_number(value)
    if isinstance(found, str):
        raise InvalidInput(f"{field}: {found}")
    return found


def require_number(value: object, field: str, hint: str = "") -> float:
    """`parse_number`, refusing a missing value (``hint`` says what to give).

    Examples
    --------
    >>> require_number(None, "lon", "; give a number")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: lon: missing; give a number
    """
    number = parse_number(value, field)
    if number is None:
        raise InvalidInput(f"{field}: missing{hint}")
    return number


@dataclass(frozen=True)
class PointIn:
    """One point as given (``x``, ``y`` in ``crs``) and converted to WGS84 (``lon``, ``lat``)."""

    x: float
    y: float
    crs: InputCRS
    lon: float
    lat: float


DEGREES_HINT = "; give a number in degrees (or metres for EPSG:n)"


def crs_of(text: str | None, field: str = "crs") -> InputCRS:
    """The coordinate system named by ``text`` (default WGS84); an unknown one names ``field``.

    Examples
    --------
    >>> str(crs_of("GCJ-02")), str(crs_of(None))
    ('gcj02', 'wgs84')
    >>> crs_of("mars2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.CRSError: crs: unknown CRS 'mars2'; accepted: wgs84, ...
    """
    if not text:
        return WGS84
    try:
        return parse_crs(text)
    except CRSError as exc:
        raise CRSError(f"{field}: {exc.detail}") from None


def parse_point(
    x: object,
    y: object,
    crs: str | InputCRS | None = None,
    *,
    fields: tuple[str, str] = ("lon", "lat"),
    where: str = "lon, lat",
) -> PointIn:
    """Check one coordinate pair given in ``crs`` (default WGS84) and convert it to WGS84.

    ``fields`` name the two values in errors about one of them, ``where`` the pair in errors
    about both (out of range for the CRS, swapped, metres given as degrees).

    Examples
    --------
    >>> p = parse_point("116.35", 40.0)
    >>> p.lon, p.lat, str(p.crs)
    (116.35, 40.0, 'wgs84')
    >>> parse_point(40.0, 116.35, "wgs84")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.CRSError: lon, lat: coordinates out of range for wgs84: latitude 116.35 is > 90: ...
    """
    source = crs if isinstance(crs, InputCRS) else crs_of(crs)
    x_value = require_number(x, fields[0], DEGREES_HINT)
    y_value = require_number(y, fields[1], DEGREES_HINT)
    if not (source.is_geographic and abs(x_value) <= 180.0 and abs(y_value) <= 90.0):
        try:
            check_coordinates(x_value, y_value, source)
        except CRSError as exc:
            raise CRSError(f"{where}: {exc.detail}") from None
    if source.kind in ("wgs84", "cgcs2000"):
        return PointIn(x_value, y_value, source, x_value, y_value)
    lon, lat = to_wgs84(x_value, y_value, source)
    return PointIn(x_value, y_value, source, float(lon), float(lat))


def parse_numbers(field: str, values: ObjectArray) -> tuple[npt.NDArray[np.float64], ObjectArray]:
    """Numbers from text (or numbers), with a per-row error naming ``field`` where unreadable.

    The batch form of `parse_number`: the same numbers and the same messages, one per row,
    nothing raised. Plain decimal text is read at once; only the rest goes value by value.

    Examples
    --------
    >>> numbers, errors = parse_numbers("lon", np.array(["116.3", "", "abc", "nan", None], object))
    >>> float(numbers[0])
    116.3
    >>> for error in errors[1:]:
    ...     print(error)
    lon: missing
    lon: 'abc' is not a number
    lon: 'nan' is not a finite number
    lon: missing
    """
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    errors = np.full(numbers.size, "", dtype=object)
    booleans = np.fromiter((isinstance(v, bool) for v in values), bool, count=len(values))
    for i in np.flatnonzero(~np.isfinite(numbers) | booleans):
        found = _read_number(values[i])
        if isinstance(found, float):
            numbers[i] = found
        else:
            numbers[i] = np.nan
            errors[i] = f"{field}: {found or 'missing'}"
    return numbers, errors


def range_errors(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    crs: InputCRS,
    *,
    fields: tuple[str, str] = ("lon", "lat"),
) -> ObjectArray:
    """Per point, "" or why it is out of range for ``crs`` (swapped lon/lat, metres, …).

    The batch form of `parse_point`'s range check.
    """
    errors = np.full(x.size, "", dtype=object)
    if crs.is_geographic:
        suspects = np.flatnonzero((np.abs(x) > 180.0) | (np.abs(y) > 90.0))
    else:
        suspects = _failing(x, y, crs, np.arange(x.size))
    for i in suspects:
        try:
            check_coordinates(x[i], y[i], crs)
        except CRSError as exc:
            errors[i] = f"{fields[0]}, {fields[1]}: {exc.detail}"
    return errors


def _failing(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    crs: InputCRS,
    rows: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """Rows ``check_coordinates`` refuses, found by halving: few calls when few rows are bad."""
    if rows.size == 0:
        return rows
    try:
        check_coordinates(x[rows], y[rows], crs)
    except CRSError:
        if rows.size == 1:
            return rows
        half = rows.size // 2
        return np.concatenate([_failing(x, y, crs, rows[:half]), _failing(x, y, crs, rows[half:])])
    return rows[:0]


URL_CHARS = 500
"""The longest link (a photo's) gridmap keeps."""


def parse_url(value: object, field: str) -> str:
    """An ``http(s)`` link with a host, at most `URL_CHARS` characters, no spaces.

    Examples
    --------
    >>> parse_url(" https://img.example.cn/a.jpg ", "photo_url")
    'https://img.example.cn/a.jpg'
    >>> parse_url("javascript:alert(1)", "photo_url")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: photo_url: 'javascript:alert(1)' is not an http(s) link
    """
    text = parse_text(value, field, URL_CHARS) or ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise InvalidInput(f"{field}: {text[:80]!r} is not an http(s) link")
    return text
