"""``gridmap lookup`` and ``gridmap assign``: which grid a point (or each row of a CSV) is in."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from api.cli.base import app, err, runtime, say
from gis.areas import ORDER

if TYPE_CHECKING:
    from gis.usecases.lookup import BatchAnswers

CrsOption = Annotated[
    str, typer.Option(help="CRS of the input: wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n")
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="ISO time: the boundaries valid then (default: now)")
]


@app.command("lookup")
def lookup(
    ctx: typer.Context,
    lon: Annotated[str, typer.Argument(help="longitude (or x for EPSG:n)")],
    lat: Annotated[str, typer.Argument(help="latitude (or y for EPSG:n)")],
    crs: CrsOption = "wgs84",
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
) -> None:
    """Say which grid, community, subdistrict and district a point is in."""
    from gis.usecases.lookup import locate_point
    from gis.values import optional_time, parse_point

    point = parse_point(lon, lat, crs)
    when = optional_time(as_of, "--as-of")
    with runtime(ctx) as rt:
        answer = locate_point(rt, point, as_of=when).to_json()
    if as_json:
        say(json.dumps(answer, ensure_ascii=False))
        return
    for line in _answer_lines(answer):
        say(line)


def _answer_lines(answer: dict[str, Any]) -> list[str]:
    wgs84 = answer["wgs84"]
    lines = [f"{'point':<12}{wgs84['lon']:.7f}, {wgs84['lat']:.7f} (WGS84)"]
    for level in reversed(ORDER):
        found = answer[level.value]
        lines.append(f"{level.value:<12}" + (f"{found['code']}  {found['name']}" if found else "-"))
    if answer["on_boundary"]:
        shared = f" with {', '.join(answer['neighbours'])}" if answer["neighbours"] else ""
        lines.append(f"on the boundary{shared}: the lowest code of the areas it touches is given")
    nearest = answer["nearest_grid"]
    if nearest:
        lines.append(
            f"outside every grid; nearest grid {nearest['code']} {nearest['name']} "
            f"at {answer['distance_m']:.1f} m"
        )
    elif answer["grid"] is None:
        lines.append("outside every grid; none nearby")
    return lines


@app.command("assign")
def assign(
    ctx: typer.Context,
    in_file: Annotated[Path, typer.Argument(help="CSV with a header, one point per row")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="CSV to write")],
    crs: CrsOption = "wgs84",
    lon_field: Annotated[str, typer.Option(help="column of the longitude")] = "lon",
    lat_field: Annotated[str, typer.Option(help="column of the latitude")] = "lat",
    as_of: AsOfOption = None,
) -> None:
    """Add the grid, community, subdistrict and district of every row of a CSV.

    The input columns are kept and the answer columns appended; a row that cannot be answered
    gets the reason in the ``error`` column.
    """
    from gis.errors import UnreadableFile
    from gis.pointfiles import CsvPoints
    from gis.usecases.lookup import locate_batch
    from gis.values import crs_of, optional_time

    input_crs = crs_of(crs)
    when = optional_time(as_of, "--as-of")
    if not in_file.is_file():
        raise UnreadableFile(f"{in_file}: no such file")
    with runtime(ctx) as rt, in_file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        points = CsvPoints(text, lon_field=lon_field, lat_field=lat_field)
        batch = locate_batch(rt, points.chunks(), input_crs, as_of=when)
        counts = _write(points.header, batch, raw, out_file)
    say(f"{out_file}: {counts[0]:,} rows, {counts[1]:,} in a grid, {counts[2]:,} with errors")


def _write(
    header: list[str], batch: BatchAnswers, raw: BinaryIO, out_file: Path
) -> tuple[int, int, int]:
    """Write the answers chunk by chunk, with a progress bar over the bytes read; the counts."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from api.lookup_io import csv_text
    from gis.usecases.lookup import blank_answers

    size = Path(raw.name).stat().st_size
    rows = inside = failed = 0
    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with (
        out_file.open("w", encoding="utf-8", newline="") as target,
        Progress("assigning", *columns, console=err, transient=True) as progress,
    ):
        task = progress.add_task("assign", total=size)
        first: list[str] | None = header
        for chunk_rows, answers in batch.chunks:
            target.write(csv_text(chunk_rows, answers, first))
            first = None
            rows += len(chunk_rows)
            inside += int((answers["grid_code"] != "").sum())
            failed += int((answers["error"] != "").sum())
            progress.update(task, completed=raw.tell())
        if first is not None:  # no rows: still the header
            target.write(csv_text([], blank_answers(0), first))
    return rows, inside, failed
