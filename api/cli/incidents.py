"""``gridmap incidents import|list`` and ``gridmap stats``.

The import itself is `gis.usecases.imports`; here the reject file and the progress bar.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli import tables
from api.cli.base import LevelOption, app, err, machine, out, runtime, say
from gis.limits import IMPORT_BATCH_ROWS
from gis.tables import encode_errors

if TYPE_CHECKING:
    from gis.pointfiles import Record

incidents_app = typer.Typer(help="Incidents: bulk import and listings.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")


@contextmanager
def reject_file(path: Path, header: list[str], encoding: str = "utf-8") -> Iterator[Any]:
    """A writer of refused rows (the row and an ``error`` column), created on the first one.

    Written in ``encoding`` (the input's, so that what opened the input opens it).
    """
    state: dict[str, Any] = {}

    def write(record: Record, error: str) -> None:
        if "writer" not in state:
            state["file"] = path.open(
                "w", encoding=encoding, errors=encode_errors(encoding), newline=""
            )
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
    file: Annotated[
        Path, typer.Argument(help="a table (.csv or .xlsx, with a header) or GeoJSON points")
    ],
    crs: Annotated[str, typer.Option(help="CRS of lon/lat: wgs84 | gcj02 | bd09 | EPSG:n")] = (
        "wgs84"
    ),
    rejects: Annotated[
        Path | None, typer.Option(help="CSV of refused rows [FILE.rejects.csv]")
    ] = None,
    source: Annotated[str, typer.Option(help="source recorded on each incident")] = "import",
    batch_size: Annotated[
        int, typer.Option(min=1, help="rows per transaction")
    ] = IMPORT_BATCH_ROWS,
    lon_field: tables.LonFieldOption = None,
    lat_field: tables.LatFieldOption = None,
    encoding: tables.EncodingOption = None,
    sheet: tables.SheetOption = None,
    out_encoding: tables.OutEncodingOption = None,
) -> None:
    """Import incidents from a file: refused rows to a reject file, the rest in batches.

    Columns that are no field of an incident are kept in its attributes, named as in the file;
    the reject file is written in the input's encoding (or --out-encoding).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from gis.pointfiles import read_point_table
    from gis.tables import answer_encoding
    from gis.usecases.imports import Importer, check_header, file_digest
    from gis.values import crs_of

    crs_of(crs)
    options = tables.read_options(encoding, sheet, lon_field, lat_field)
    asked = tables.written_encoding(out_encoding)
    header, records, read_as = read_point_table(file, options)
    geojson = file.suffix.lower() in (".geojson", ".json")
    written = answer_encoding("utf-8" if geojson else read_as, asked)
    coordinates = check_header(header, file.name, options)
    reject_path = rejects or file.with_name(f"{file.stem}.rejects.csv")
    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        runtime(ctx) as rt,
        reject_file(reject_path, header, written) as reject,
        Progress("importing", *columns, console=err, transient=True) as progress,
    ):
        importer = Importer(
            rt,
            file.name,
            crs,
            source,
            reject,
            digest=file_digest(file),
            acting=machine(),
            columns=coordinates,
        )
        task = progress.add_task("import", total=len(records))
        tally = importer.run(
            records,
            batch_size=batch_size,
            progress=lambda done: progress.update(task, completed=done),
        )
    rejected = f" (→ {reject_path})" if tally.rejected else ""
    say(
        f"{file.name}: {tally.rows:,} rows: {tally.added:,} added, {tally.already:,} already "
        f"imported, {tally.rejected:,} rejected{rejected}, {tally.duplicates:,} possible "
        f"duplicates, {tally.unplaced:,} waiting for a place"
    )


@incidents_app.command("list")
def list_incidents(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="comma-separated statuses")] = None,
    scope: Annotated[str | None, typer.Option(help="grid/community/… code prefix")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """List incidents (reporters' names and phones masked)."""
    from gis.incidents.lifecycle import parse_statuses
    from gis.incidents.records import IncidentQuery
    from gis.incidents.views import public_view
    from gis.usecases import incidents

    query = IncidentQuery(status=parse_statuses(status), scope=scope, limit=limit)
    with runtime(ctx) as rt:
        rows = incidents.list_incidents(rt, query, acting=machine())
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
        say(line)


@app.command("stats")
def stats(
    ctx: typer.Context,
    level: LevelOption,
    start: Annotated[str | None, typer.Option("--from", help="ISO time, included")] = None,
    end: Annotated[str | None, typer.Option("--to", help="ISO time, excluded")] = None,
    by: Annotated[str, typer.Option(help="recorded (grid at intake) | current")] = "recorded",
    fmt: Annotated[str, typer.Option("--format", help="text | json | csv | xlsx")] = "text",
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="file to write (xlsx needs one)")
    ] = None,
    lang: Annotated[str, typer.Option(help="csv/xlsx headers: zh | en")] = "zh",
    encoding: Annotated[str | None, typer.Option(help="csv: utf-8 (BOM) | gbk")] = None,
) -> None:
    """Incident statistics per area of a level and period (the monthly report: csv or xlsx)."""
    from dataclasses import asdict

    from gis.checks import parse_lang
    from gis.incidents.reports import stats_table
    from gis.incidents.stats import parse_attribution
    from gis.usecases import incidents
    from gis.values import parse_period

    if fmt not in ("text", "json", "csv", "xlsx"):
        raise typer.BadParameter(f"{fmt!r} is not text, json, csv or xlsx", param_hint="--format")
    attribution = parse_attribution(by, "--by")
    period = parse_period(start, end, ("--from", "--to"))
    language = parse_lang(lang, "--lang")
    with runtime(ctx) as rt:
        found = incidents.area_stats(
            rt, acting=machine(), level=level, by=attribution, period=period
        )
        names = rt.catalogue.names(language)
    if fmt in ("csv", "xlsx"):
        table = stats_table(found, categories=names, lang=language)
        _write_table(table, fmt, out_file, encoding, sheet="stats")
    elif fmt == "json":
        say(json.dumps([asdict(row) for row in found], ensure_ascii=False))
    else:
        for row in found:
            say(_stats_line(asdict(row)))


@incidents_app.command("export")
def export_incidents(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="a .csv or .xlsx file")],
    start: Annotated[str | None, typer.Option("--from", help="reported from (ISO time)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="reported before (ISO time)")] = None,
    scope: Annotated[str | None, typer.Option(help="grid/community/… code prefix")] = None,
    category: Annotated[str | None, typer.Option(help="a category code or name")] = None,
    status: Annotated[str | None, typer.Option(help="comma-separated statuses")] = None,
    lang: Annotated[str, typer.Option(help="headers: zh | en")] = "zh",
    encoding: Annotated[str | None, typer.Option(help="csv: utf-8 (BOM) | gbk")] = None,
) -> None:
    """Incidents as a CSV or XLSX for the monthly report (reporters' names and phones masked)."""
    from datetime import UTC, datetime

    from gis.checks import parse_lang
    from gis.incidents.lifecycle import parse_statuses
    from gis.incidents.records import IncidentQuery
    from gis.incidents.reports import incidents_table
    from gis.usecases import incidents
    from gis.values import parse_period

    fmt = out_file.suffix.lstrip(".").lower()
    language = parse_lang(lang, "--lang")
    query = IncidentQuery(
        category=category,
        status=parse_statuses(status),
        scope=scope,
        period=parse_period(start, end, ("--from", "--to")),
        limit=MAX_EXPORT_ROWS,
    )
    with runtime(ctx) as rt:
        found = incidents.list_incidents(rt, query, acting=machine())
        names = rt.catalogue.names(language)
    table = incidents_table(found, now=datetime.now(UTC), categories=names, lang=language)
    _write_table(table, fmt, out_file, encoding, sheet="incidents")
    say(f"wrote {len(found)} incidents to {out_file}")


MAX_EXPORT_ROWS = 1_000_000
"""The most incidents ``incidents export`` writes (a CSV; an XLSX sheet holds 1,048,575)."""


def _write_table(
    table: Any, fmt: str, out_file: Path | None, encoding: str | None, *, sheet: str
) -> None:
    """A table as CSV or XLSX into ``out_file`` (a CSV without one: to standard output)."""
    from gis.spreadsheets import parse_csv_encoding, parse_table_format, table_bytes

    chosen = parse_table_format(fmt)
    if out_file is None:
        if chosen == "xlsx":
            raise typer.BadParameter("an xlsx goes to a file: give --out", param_hint="--out")
        table.to_csv(out.file, index=False)
        return
    content = table_bytes(table, chosen, encoding=parse_csv_encoding(encoding), sheet=sheet)
    out_file.write_bytes(content)


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


@incidents_app.command("supervise")
def incidents_supervise(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="the time to judge overdue by (default: now)")
    ] = None,
) -> None:
    """Escalate overdue incidents (督办): to the grid leader, then the street's dispatcher.

    Run it from cron (e.g. every 5 minutes); ``gridmap serve`` also runs it every
    GRIDMAP_SUPERVISE_SECONDS (300; 0: never).
    """
    from datetime import UTC, datetime

    from gis.usecases import dispatch
    from gis.values import optional_time

    now = optional_time(as_of, "--as-of") or datetime.now(UTC)
    with runtime(ctx) as rt:
        done = dispatch.supervise(rt, now=now)
    for step in done:
        whom = step.to.name if step.to else "nobody on duty"
        say(f"incident {step.incident_id}: escalated to level {step.level} ({whom})")
    say(f"{len(done)} escalations")
