"""``gridmap incidents import|list`` and ``gridmap stats``.

The import itself is `gis.usecases.imports`; here the reject file and the progress bar.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from api.cli.base import LevelOption, app, err, machine, out, runtime, say
from gis.limits import IMPORT_BATCH_ROWS

if TYPE_CHECKING:
    from gis.pointfiles import Record

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
    batch_size: Annotated[
        int, typer.Option(min=1, help="rows per transaction")
    ] = IMPORT_BATCH_ROWS,
) -> None:
    """Import incidents from a file: refused rows to a reject file, the rest in batches."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from gis.pointfiles import read_point_table
    from gis.usecases.imports import Importer, check_header, file_digest
    from gis.values import crs_of

    crs_of(crs)
    header, records = read_point_table(file)
    check_header(header, file.name)
    reject_path = rejects or file.with_name(f"{file.stem}.rejects.csv")
    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        runtime(ctx) as rt,
        reject_file(reject_path, header) as reject,
        Progress("importing", *columns, console=err, transient=True) as progress,
    ):
        importer = Importer(
            rt, file.name, crs, source, reject, digest=file_digest(file), acting=machine()
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
    from dataclasses import asdict

    from gis.incidents.stats import parse_attribution
    from gis.usecases import incidents
    from gis.values import parse_period

    if fmt not in ("text", "json", "csv"):
        raise typer.BadParameter(f"{fmt!r} is not text, json or csv", param_hint="--format")
    attribution = parse_attribution(by, "--by")
    period = parse_period(start, end, ("--from", "--to"))
    with runtime(ctx) as rt:
        found = incidents.area_stats(
            rt, acting=machine(), level=level, by=attribution, period=period
        )
    rows = [asdict(row) for row in found]
    if fmt == "json":
        say(json.dumps(rows, ensure_ascii=False))
    elif fmt == "csv":
        _stats_csv(rows, out.file)
    else:
        for row in rows:
            say(_stats_line(row))


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
