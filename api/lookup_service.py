"""Point lookup for the HTTP API and the CLI: validate points, convert them, answer, format.

No HTTP here, so ``gridmap lookup`` / ``gridmap assign`` and ``GET/POST /lookup`` answer alike.
A single point that is bad raises `InvalidInput`/`CRSError`; in a batch each bad row gets a
message in the ``error`` column (naming the field and the reason) and the others are answered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from gis.crs import InputCRS, check_coordinates, parse_crs, to_wgs84
from gis.db.lookup import Boundaries
from gis.errors import CRSError, InvalidInput

LEVELS = ("grid", "community", "subdistrict", "district")
LEVEL_COLUMNS = [f"{level}_{what}" for level in LEVELS for what in ("code", "name")]
ANSWER_COLUMNS = [
    "wgs84_lon",
    "wgs84_lat",
    *LEVEL_COLUMNS,
    "on_boundary",
    "nearest_grid_code",
    "distance_m",
    "error",
]
CHUNK_ROWS = 100_000
_NAN_WORDS = {"nan", "+nan", "-nan"}

ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Point:
    """One point as given (``x``, ``y`` in ``crs``) and converted to WGS84."""

    x: float
    y: float
    crs: InputCRS
    lon: float
    lat: float


def parse_point(lon: str | None, lat: str | None, crs: str | None = None) -> Point:
    """Validate one point given as text and convert it to WGS84 (raises on bad input)."""
    input_crs = parse_crs(crs or "wgs84")
    x, y = _number("lon", lon), _number("lat", lat)
    geographic_ok = input_crs.is_geographic and abs(x) <= 180.0 and abs(y) <= 90.0
    if not geographic_ok:
        try:
            check_coordinates(x, y, input_crs)
        except CRSError as exc:
            raise CRSError(f"lon, lat: {exc.detail}") from None
    if input_crs.kind in ("wgs84", "cgcs2000"):
        return Point(x, y, input_crs, x, y)
    wgs_lon, wgs_lat = to_wgs84(x, y, input_crs)
    return Point(x, y, input_crs, float(wgs_lon), float(wgs_lat))


def _number(field: str, text: str | None) -> float:
    if text is None or not text.strip():
        raise InvalidInput(f"{field}: missing; give a number in degrees (or metres for EPSG:n)")
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidInput(f"{field}: {text[:40]!r} is not a finite number")
    return value


def locate_point(boundaries: Boundaries, point: Point) -> dict[str, Any]:
    """The answer for one point, as the JSON of ``GET /lookup``."""
    row = boundaries.lookup.locate_one(point.lon, point.lat)
    answer: dict[str, Any] = {
        "input": {"lon": point.x, "lat": point.y, "crs": str(point.crs)},
        "wgs84": {"lon": point.lon, "lat": point.lat},
    }
    for level in LEVELS:
        code = row[f"{level}_code"]
        answer[level] = {"code": code, "name": row[f"{level}_name"]} if code else None
    nearest = str(row["nearest_grid_code"] or "")
    distance = row["distance_m"]
    answer["on_boundary"] = bool(row["on_boundary"])
    answer["nearest_grid"] = (
        {"code": nearest, "name": boundaries.names.get(nearest, "")} if nearest else None
    )
    answer["distance_m"] = round(float(distance), 2) if isinstance(distance, float) else None
    answer["as_of"] = boundaries.as_of.isoformat() if boundaries.as_of else None
    return answer


@dataclass
class Chunk:
    """A slice of a batch: the coordinate values as given, and errors found while reading."""

    lon: ObjectArray
    lat: ObjectArray
    errors: ObjectArray  # "" where the row was read fine
    fields: tuple[str, str] = ("lon", "lat")  # what to call them in error messages


def answer_chunk(boundaries: Boundaries, chunk: Chunk, crs: InputCRS) -> dict[str, Any]:
    """`ANSWER_COLUMNS` (as arrays) for every row of ``chunk``; bad rows get only an ``error``."""
    x, x_errors = parse_numbers(chunk.fields[0], chunk.lon)
    y, y_errors = parse_numbers(chunk.fields[1], chunk.lat)
    errors = _first_error(chunk.errors, x_errors, y_errors)
    readable = np.flatnonzero(errors == "")
    errors[readable] = range_errors(x[readable], y[readable], crs, fields=chunk.fields)
    good = np.flatnonzero(errors == "")
    answers = blank_answers(x.size)
    answers["wgs84_lon"][good], answers["wgs84_lat"][good] = to_wgs84(x[good], y[good], crs)
    if good.size:
        found = boundaries.lookup.locate(answers["wgs84_lon"][good], answers["wgs84_lat"][good])
        for column in found.columns:
            if column in answers:
                answers[column][good] = found[column].to_numpy()
    answers["error"] = errors
    return answers


def blank_answers(size: int) -> dict[str, Any]:
    """`ANSWER_COLUMNS` for ``size`` rows with no answer yet."""
    blank: dict[str, Any] = {
        "wgs84_lon": np.full(size, np.nan),
        "wgs84_lat": np.full(size, np.nan),
    }
    blank.update({column: np.full(size, "", dtype=object) for column in LEVEL_COLUMNS})
    blank["on_boundary"] = np.zeros(size, dtype=bool)
    blank["nearest_grid_code"] = np.full(size, "", dtype=object)
    blank["distance_m"] = np.full(size, np.nan)
    blank["error"] = np.full(size, "", dtype=object)
    return blank


def _first_error(*columns: ObjectArray) -> ObjectArray:
    errors = np.array(columns[0], dtype=object, copy=True)
    for column in columns[1:]:
        missing = errors == ""
        errors[missing] = column[missing]
    return errors


def parse_numbers(field: str, values: ObjectArray) -> tuple[npt.NDArray[np.float64], ObjectArray]:
    """Numbers from text (or numbers), with a per-row error naming ``field`` where unreadable.

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
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    errors = np.full(numbers.size, "", dtype=object)
    for i in np.flatnonzero(~np.isfinite(numbers)):
        errors[i] = f"{field}: {_why_not_a_number(values[i])}"
    return numbers, errors


def _why_not_a_number(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing"
    text = str(value).strip()
    if isinstance(value, float) or text.lower() in _NAN_WORDS or _is_float(text):
        return f"{text[:40]!r} is not a finite number"
    return f"{text[:40]!r} is not a number"


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def range_errors(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    crs: InputCRS,
    *,
    fields: tuple[str, str] = ("lon", "lat"),
) -> ObjectArray:
    """Per point, "" or why it is out of range for ``crs`` (swapped lon/lat, metres, …)."""
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
