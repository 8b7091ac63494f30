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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from api.cli.base import LevelOption, app, err, out, settings_of
from gis.db.bulk import BATCH, Importer, Record, Tally, read_records
from gis.errors import InvalidInput

incidents_app = typer.Typer(help="Incidents: bulk import and listings.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")


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
