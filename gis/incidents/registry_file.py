"""Reading standard-address files (GeoJSON, GeoPackage, CSV with lon/lat) into registry rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gis import crs as crslib
from gis.errors import InvalidInput, UnreadableFile
from gis.incidents.addresses import normalise
from gis.io import read_frame, resolve_crs

ADDRESS_FIELDS = ("address", "地址", "标准地址", "addr", "addr:full")


def _csv(path: Path, crs: str | None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, Any]:
    try:
        frame = pd.read_csv(path, dtype=str).fillna("")
    except (OSError, ValueError) as exc:
        raise UnreadableFile(f"file: cannot read {path.name} as CSV: {exc}") from exc
    lon = next((c for c in ("lon", "lon_wgs84", "经度", "x") if c in frame.columns), None)
    lat = next((c for c in ("lat", "lat_wgs84", "纬度", "y") if c in frame.columns), None)
    if lon is None or lat is None:
        raise UnreadableFile(f"file: {path.name} needs lon and lat columns")
    x = pd.to_numeric(frame[lon], errors="coerce").to_numpy()
    y = pd.to_numeric(frame[lat], errors="coerce").to_numpy()
    return frame, x, y, crslib.parse_crs(crs or "wgs84")


def read_addresses(path: Path, *, crs: str | None = None) -> list[dict[str, Any]]:
    """Registry rows (address, normalized, lon, lat, building, households, source, attributes)."""
    if path.suffix.lower() == ".csv":
        frame, x, y, source = _csv(path, crs)
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
