"""Bulk import of incidents: read CSV/GeoJSON rows, validate, locate in batches, commit.

Each batch is one transaction, located with one vectorised lookup and inserted with one
statement; a batch the store refuses is retried row by row so only the bad row is lost. Every
row gets the idempotency key ``import:<file name>:<id or row number>``, so an import run again
adds nothing twice.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gis.errors import InvalidInput, StoreRefused, UnreadableFile

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from gis.db.intake import AddressRegistry
    from gis.incidents.catalogue import Catalogue
    from gis.incidents.report import IncidentReport
    from gis.lookup import AreaLookup

FIELDS = (
    "category",
    "description",
    "lon",
    "lat",
    "address",
    "reported_at",
    "reporter_name",
    "reporter_phone",
    "severity",
)
BATCH = 5000
Record = dict[str, Any]


def read_records(path: Path) -> tuple[list[str], list[Record]]:
    """The rows of a CSV (with a header) or of a GeoJSON FeatureCollection of Points."""
    if not path.is_file():
        raise UnreadableFile(f"{path}: no such file")
    if path.suffix.lower() in (".geojson", ".json"):
        return _geojson_records(path)
    if path.suffix.lower() != ".csv":
        raise UnreadableFile(f"{path.name}: expected .csv or .geojson")
    with path.open(encoding="utf-8-sig", newline="") as source:
        reader = csv.DictReader(source)
        header = list(reader.fieldnames or [])
        records: list[Record] = list(reader)
    if "category" not in header or not ({"lon", "lat"} <= set(header) or "address" in header):
        raise InvalidInput(
            f"{path.name}: header: needs category, and lon and lat or address; has "
            + ", ".join(header)
        )
    return header, records


def _geojson_records(path: Path) -> tuple[list[str], list[Record]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(f"{path.name}: not readable GeoJSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput(f"{path.name}: not a GeoJSON FeatureCollection")
    header: dict[str, None] = {"id": None, "lon": None, "lat": None}
    records = []
    for feature in data.get("features") or []:
        properties = dict(feature.get("properties") or {})
        record: Record = {"id": feature.get("id", properties.pop("id", None)), **properties}
        geometry = feature.get("geometry")
        if geometry and geometry.get("type") == "Point":
            record["lon"], record["lat"] = (geometry.get("coordinates") or [None, None])[:2]
        elif geometry:
            record["_error"] = f"geometry: a {geometry.get('type')}, not a Point"
        header.update(dict.fromkeys(k for k in record if k != "_error"))
        records.append(record)
    return list(header), records


@dataclass
class Tally:
    """What an import did."""

    rows: int = 0
    added: int = 0
    already: int = 0
    rejected: int = 0
    duplicates: int = 0
    unplaced: int = 0


@dataclass
class Importer:
    """Validates, locates and commits batches of rows; refused rows go to ``reject``."""

    engine: Engine
    catalogue: Catalogue
    lookup: AreaLookup
    registry: AddressRegistry
    file_name: str
    crs: str
    source: str
    reject: Any  # (record, error) -> None
    tally: Tally = field(default_factory=Tally)
    seen: dict[str, int] = field(default_factory=dict)

    def validate(self, record: Record, number: int) -> IncidentReport | None:
        """The row as a report, or None (rejected with the field and the reason)."""
        from gis.incidents.report import parse_report

        given = record.get("id")
        row_id = "" if given is None else str(given).strip()
        key = row_id or str(number)  # the spec's key: import:<file>:<id or row number>
        try:
            if record.get("_error"):
                raise InvalidInput(record["_error"])
            if key in self.seen:
                raise InvalidInput(f"id: {key!r} repeats the key of row {self.seen[key]}")
            self.seen[key] = number
            data = {name: record.get(name) for name in FIELDS}
            data.update(
                crs=self.crs, source=self.source, idempotency_key=f"import:{self.file_name}:{key}"
            )
            return parse_report(data, self.catalogue)
        except InvalidInput as exc:
            self.reject(record, exc.detail)
            return None

    def commit(self, pairs: list[tuple[Record, IncidentReport]]) -> None:
        """Locate and insert one batch; a batch the store refuses is retried row by row."""
        rows = self.rows([report for _, report in pairs])
        try:
            self._insert(rows)
        except StoreRefused:
            for (record, _), row in zip(pairs, rows, strict=True):
                try:
                    self._insert([row])
                except StoreRefused as exc:
                    self.reject(record, exc.detail)

    def _insert(self, rows: list[Record]) -> None:
        from gis.db.incidents import import_batch

        rules = {c.code: (c.duplicate_radius_m, c.duplicate_window_hours) for c in self.catalogue}
        ids, duplicates = import_batch(
            self.engine, rows=rows, rules=rules, actor=f"import:{self.file_name}"
        )
        self.tally.added += len(ids)
        self.tally.already += len(rows) - len(ids)
        self.tally.duplicates += duplicates
        self.tally.unplaced += sum(1 for r in rows if r["status"] == "needs_location")

    def rows(self, reports: list[IncidentReport]) -> list[Record]:
        """The reports placed (coordinates, else the address registry) and located at once."""
        import numpy as np

        places = [self._place(report) for report in reports]
        lon = np.array([p[0] for p in places], dtype=float)
        lat = np.array([p[1] for p in places], dtype=float)
        grids = np.full(len(reports), "", dtype=object)
        placed = ~np.isnan(lon)
        if placed.any():
            grids[placed] = self.lookup.locate(lon[placed], lat[placed])["grid_code"].to_numpy()
        now = datetime.now(UTC)
        return [
            _row(report, place, grid or None, now, self.catalogue[report.category].sla_hours)
            for report, place, grid in zip(reports, places, grids, strict=True)
        ]

    def _place(self, report: IncidentReport) -> tuple[float, float, str, int | None, float | None]:
        if report.lon is not None and report.lat is not None:
            return report.lon, report.lat, "coordinates", None, None
        resolved = self.registry.resolve(report.address) if report.address else None
        if resolved is None:
            return math.nan, math.nan, "none", None, None
        found, method, score = resolved
        return found["lon"], found["lat"], method, found["id"], score


def _row(
    report: IncidentReport, place: tuple[Any, ...], grid: str | None, now: datetime, sla: float
) -> Record:
    lon, lat, method, address_id, score = place
    located = not math.isnan(lon)
    reported_at = report.reported_at or now
    return {
        "category": report.category,
        "description": report.description,
        "lon": lon if located else None,
        "lat": lat if located else None,
        "input_crs": report.input_crs,
        "input_x": report.input_x,
        "input_y": report.input_y,
        "address": report.address,
        "address_id": address_id,
        "location_method": method,
        "match_score": score,
        "grid_code": grid,
        "status": "reported" if located else "needs_location",
        "severity": report.severity,
        "reporter_name": report.reporter_name,
        "reporter_phone": report.reporter_phone,
        "source": report.source,
        "reported_at": reported_at,
        "due_at": reported_at + timedelta(hours=sla),
        "idempotency_key": report.idempotency_key,
        "attributes": report.attributes,
    }
