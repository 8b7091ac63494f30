"""Reading standard-address files (GeoJSON, GeoPackage, or a CSV/.xlsx table) into registry rows.

A table is read as `gis.tables` reads one: UTF-8 or GBK, its coordinate columns by their usual
names (lon/lng/经度, lat/纬度 …) or named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gis import crs as crslib
from gis import tables
from gis.errors import InvalidInput, UnreadableFile
from gis.incidents.addresses import normalise
from gis.io import read_frame, resolve_crs
from gis.pointfiles import table_records
from gis.tables import TableOptions

ADDRESS_FIELDS = ("address", "地址", "标准地址", "addr", "addr:full")


def _table(
    path: Path, crs: str | None, options: TableOptions | None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, Any]:
    kind = tables.table_kind(path.name, what="file")
    header, records, _ = table_records(path, kind=kind, options=options, what="file")
    for number, record in enumerate(records, start=2):
        if record.get("_error"):
            raise InvalidInput(f"row {number}: {record['_error']}")
    lon, lat = (header[i] for i in tables.coordinate_columns(header, options=options))
    frame = pd.DataFrame.from_records(records, columns=header).fillna("")
    x = pd.to_numeric(frame[lon], errors="coerce").to_numpy()
    y = pd.to_numeric(frame[lat], errors="coerce").to_numpy()
    return frame, x, y, crslib.parse_crs(crs or "wgs84")


def read_addresses(
    path: Path, *, crs: str | None = None, options: TableOptions | None = None
) -> list[dict[str, Any]]:
    """Registry rows (address, normalized, lon, lat, building, households, source, attributes).

    A .csv or .xlsx is read with ``options`` (encoding, sheet, coordinate columns); any other
    file as a vector layer (GeoJSON, GeoPackage …).
    """
    if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
        frame, x, y, source = _table(path, crs, options)
    else:
        frame = read_frame(path)
        source = resolve_crs(frame, crs, path)
        x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    column = next((c for c in ADDRESS_FIELDS if c in frame.columns), None)
    if column is None:
        raise UnreadableFile(
            f"file: {path.name} has no address field ({', '.join(ADDRESS_FIELDS)})"
        )
    bad = np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))
    if bad.size:
        raise InvalidInput(f"feature {bad[0] + 1}: field lon/lat: not a number")
    crslib.check_coordinates(x, y, source)
    lon, lat = crslib.to_wgs84(x, y, source)
    households = pd.to_numeric(
        frame.get("households", pd.Series([None] * len(frame))), errors="coerce"
    )
    rows = []
    for i, text in enumerate(frame[column].astype(str)):
        if not text.strip():
            raise InvalidInput(f"feature {i + 1}: field {column} is empty")
        rows.append(
            {
                "address": text.strip(),
                "normalized": normalise(text),
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "building": _str(frame, "building", i),
                "households": None if pd.isna(households.iloc[i]) else int(households.iloc[i]),
                "source": _str(frame, "source", i) or "import",
                "attributes": {},
            }
        )
    return list({row["normalized"]: row for row in rows}.values())


def _str(frame: pd.DataFrame, column: str, i: int) -> str | None:
    if column not in frame.columns:
        return None
    value = frame[column].iloc[i]
    return (
        None
        if value is None or (isinstance(value, float) and np.isnan(value)) or value == ""
        else str(value)
    )
