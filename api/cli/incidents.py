"""``gridmap incidents import|list`` and ``gridmap stats``.

An import validates every row with the native report's rules, writes the rows it refuses (with
the field and the reason) to a reject file, and commits the rest in batches: each batch is one
transaction, located with one vectorised lookup and inserted with one statement. Every row gets
the idempotency key ``import:<file name>:<id or row number>``, so running an import again adds
nothing twice.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from api.cli.base import LevelOption, app, err, out, settings_of
from gis.errors import InvalidInput, StoreRefused, UnreadableFile

if TYPE_CHECKING:
    from gis.db.engine import Engine
    from gis.db.intake import AddressRegistry
    from gis.incidents.catalogue import Catalogue
    from gis.incidents.report import IncidentReport
    from gis.lookup import AreaLookup

incidents_app = typer.Typer(help="Incidents: bulk import and listings.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")

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


@contextmanager
def reject_file(path: Path, header: list[str]) -> Iterator[Any]:
    """A writer of refused rows (the row and an ``error`` column), created on the first one."""
    state: dict[str, Any] = {}

    def write(record: Record, error: str) -> None:
        if "writer" not in state:
            state["file"] = path.open("w", encoding="utf-8", newline="")
            state["writer"] = csv.DictWriter(
                state["file"], [*header, "error"], extrasaction="ignore"
            )
            state["writer"].writeheader()
        state["writer"].writerow({**record, "error": error})
        state["count"] = state.get("count", 0) + 1

    try:
        yield write
    finally:
        if "file" in state:
            state["file"].close()


@incidents_app.command("import")
def import_incidents(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (with a header) or GeoJSON points")],
    crs: Annotated[str, typer.Option(help="CRS of lon/lat: wgs84 | gcj02 | bd09 | EPSG:n")] = (
        "wgs84"
    ),
    rejects: Annotated[
        Path | None, typer.Option(help="CSV of refused rows [FILE.rejects.csv]")
    ] = None,
    source: Annotated[str, typer.Option(help="source recorded on each incident")] = "import",
    batch_size: Annotated[int, typer.Option(min=1, help="rows per transaction")] = BATCH,
) -> None:
    """Import incidents from a file: refused rows to a reject file, the rest in batches."""
    from gis.crs import parse_crs
    from gis.db import store
    from gis.db.intake import AddressRegistry
    from gis.db.lookup import load_boundaries
    from gis.incidents.catalogue import Catalogue
    from gis.incidents.report import SOURCES
    from gis.settings import IncidentSettings

    parse_crs(crs)
    if source not in SOURCES:
        raise InvalidInput(f"--source: {source!r} is not one of {', '.join(SOURCES)}")
    header, records = read_records(file)
    reject_path = rejects or file.with_name(f"{file.stem}.rejects.csv")
    catalogue = Catalogue.load(IncidentSettings().catalogue)
    with store.open_engine(settings_of(ctx)) as engine, reject_file(reject_path, header) as reject:
        importer = Importer(
            engine,
            catalogue,
            load_boundaries(engine).lookup,
            AddressRegistry(engine),
            file.name,
            crs,
            source,
            reject,
        )
        run_import(importer, records, batch_size)
    tally = importer.tally
    rejected = f" (→ {reject_path})" if tally.rejected else ""
    out.print(
        f"{file.name}: {tally.rows:,} rows: {tally.added:,} added, {tally.already:,} already "
        f"imported, {tally.rejected:,} rejected{rejected}, {tally.duplicates:,} possible "
        f"duplicates, {tally.unplaced:,} waiting for a place",
        markup=False,
        highlight=False,
    )


def run_import(importer: Importer, records: list[Record], batch_size: int = BATCH) -> Tally:
    """Validate and commit ``records`` batch by batch, with a progress bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    tally, reject = importer.tally, importer.reject

    def counting_reject(record: Record, error: str) -> None:
        tally.rejected += 1
        reject(record, error)

    importer.reject = counting_reject
    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress("importing", *columns, console=err, transient=True) as progress:
        task = progress.add_task("import", total=len(records))
        for start in range(0, len(records), batch_size):
            chunk = records[start : start + batch_size]
            pairs = []
            for number, record in enumerate(chunk, start=start + 1):
                report = importer.validate(record, number)
                if report is not None:
                    pairs.append((record, report))
            if pairs:
                importer.commit(pairs)
            tally.rows += len(chunk)
            progress.update(task, completed=tally.rows)
    return tally


@incidents_app.command("list")
def list_incidents(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="comma-separated statuses")] = None,
    scope: Annotated[str | None, typer.Option(help="grid/community/… code prefix")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """List incidents (reporters' names and phones masked)."""
    from gis.db import engine as db_engine
    from gis.db import incidents as incident_sql
    from gis.db import store
    from gis.incidents.views import public_view

    with store.open_engine(settings_of(ctx)) as sql, db_engine.connect(sql) as conn:
        rows = incident_sql.list_incidents(
            conn, status=status.split(",") if status else None, scope=scope, limit=limit
        )
    for row in rows:
        view = public_view(row)
        line = (
            json.dumps(view, ensure_ascii=False, default=str)
            if as_json
            else "  ".join(
                str(view[k] or "-")
                for k in ("id", "status", "category", "grid_code", "reported_at")
            )
            + f"  {view['reporter_name'] or '-'} {view['reporter_phone'] or '-'}"
        )
        out.print(line, markup=False, highlight=False)


STAT_COLUMNS = (
    "code",
    "name",
    "total",
    "resolved_or_closed",
    "closure_rate",
    "median_hours_to_close",
    "overdue",
    "with_feedback",
    "satisfaction_rate",
)


@app.command("stats")
def stats(
    ctx: typer.Context,
    level: LevelOption,
    start: Annotated[str | None, typer.Option("--from", help="ISO time, included")] = None,
    end: Annotated[str | None, typer.Option("--to", help="ISO time, excluded")] = None,
    by: Annotated[str, typer.Option(help="recorded (grid at intake) | current")] = "recorded",
    fmt: Annotated[str, typer.Option("--format", help="text | json | csv")] = "text",
) -> None:
    """Incident statistics per area of a level and period."""
    from api.routes.stats import parse_attribution
    from gis.db import engine as db_engine
    from gis.db import stats as stats_sql
    from gis.db import store
    from gis.values import parse_time

    if fmt not in ("text", "json", "csv"):
        raise typer.BadParameter(f"{fmt!r} is not text, json or csv", param_hint="--format")
    attribution = parse_attribution(by)
    period = (
        parse_time(start, "--from") if start else None,
        parse_time(end, "--to") if end else None,
    )
    with store.open_engine(settings_of(ctx)) as sql, db_engine.connect(sql) as conn:
        rows = stats_sql.incident_stats(
            conn, level=level, by=attribution, start=period[0], end=period[1], now=datetime.now(UTC)
        )
    if fmt == "json":
        out.print(json.dumps(rows, ensure_ascii=False), markup=False, highlight=False)
    elif fmt == "csv":
        _stats_csv(rows, out.file)
    else:
        for row in rows:
            out.print(_stats_line(row), markup=False, highlight=False)


def _stats_csv(rows: list[dict[str, Any]], target: IO[str]) -> None:
    categories = sorted({c for row in rows for c in row["by_category"]})
    statuses = sorted({s for row in rows for s in row["by_status"]})
    writer = csv.writer(target)
    writer.writerow(
        [*STAT_COLUMNS, *(f"category:{c}" for c in categories), *(f"status:{s}" for s in statuses)]
    )
    for row in rows:
        writer.writerow(
            [
                *(row[c] for c in STAT_COLUMNS),
                *(row["by_category"].get(c, 0) for c in categories),
                *(row["by_status"].get(s, 0) for s in statuses),
            ]
        )


def _stats_line(row: dict[str, Any]) -> str:
    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    median = row["median_hours_to_close"]
    categories = ", ".join(f"{k} {v}" for k, v in row["by_category"].items())
    return (
        f"{row['code'] or '(no area)'}  {row['name'] or ''}  total {row['total']}  "
        f"closed {rate(row['closure_rate'])}  median {'-' if median is None else f'{median:.1f}'} h"
        f"  overdue {row['overdue']}  satisfied {rate(row['satisfaction_rate'])}"
        + (f"  [{categories}]" if categories else "")
    )
