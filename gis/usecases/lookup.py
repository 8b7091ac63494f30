"""Point lookup: which grid, community, subdistrict and district a point — or a batch — is in.

A single point that is bad raises (the edge parsed it with `gis.values.parse_point`); in a batch
each bad row gets a message in the ``error`` column (naming the field and the reason) and the
others are answered. Answers come from the in-memory indexes of `Runtime.lookup`, which are
checked against the store's version before every answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from gis.crs import InputCRS, to_wgs84
from gis.lookup import LEVEL_COLUMNS
from gis.pointfiles import Chunk, Rows
from gis.usecases.caches import Boundaries
from gis.usecases.runtime import Runtime
from gis.values import PointIn, parse_numbers, range_errors

ANSWER_COLUMNS = [
    "wgs84_lon",
    "wgs84_lat",
    *LEVEL_COLUMNS,
    "on_boundary",
    "nearest_grid_code",
    "distance_m",
    "error",
]
LEVELS = tuple(column.removesuffix("_code") for column in LEVEL_COLUMNS[::2])
Answers = dict[str, Any]  # ANSWER_COLUMNS → arrays, one value per row


@dataclass(frozen=True)
class PointAnswer:
    """Where one point is: the area of each level (code, name) or None, and the details."""

    point: PointIn
    areas: dict[str, dict[str, str] | None]  # grid, community, subdistrict, district
    on_boundary: bool
    nearest_grid: dict[str, str] | None
    distance_m: float | None
    as_of: datetime | None
    version: int

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``GET /lookup`` (and ``gridmap lookup --json``)."""
        point = self.point
        return {
            "input": {"lon": point.x, "lat": point.y, "crs": str(point.crs)},
            "wgs84": {"lon": point.lon, "lat": point.lat},
            **self.areas,
            "on_boundary": self.on_boundary,
            "nearest_grid": self.nearest_grid,
            "distance_m": self.distance_m,
            "as_of": self.as_of.isoformat() if self.as_of else None,
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
        nearest_grid={"code": nearest, "name": boundaries.names.get(nearest, "")}
        if nearest
        else None,
        distance_m=round(float(distance), 2) if isinstance(distance, float) else None,
        as_of=boundaries.as_of,
        version=boundaries.version,
    )


@dataclass
class BatchAnswers:
    """A batch's answers as they are computed: the store version, then chunk after chunk."""

    version: int
    chunks: Iterator[tuple[Rows, Answers]]


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
    return BatchAnswers(boundaries.version, answered)


def answer_chunk(boundaries: Boundaries, chunk: Chunk, crs: InputCRS) -> Answers:
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


def blank_answers(size: int) -> Answers:
    """`ANSWER_COLUMNS` for ``size`` rows with no answer yet."""
    blank: Answers = {
        "wgs84_lon": np.full(size, np.nan),
        "wgs84_lat": np.full(size, np.nan),
    }
    blank.update({column: np.full(size, "", dtype=object) for column in LEVEL_COLUMNS})
    blank["on_boundary"] = np.zeros(size, dtype=bool)
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
