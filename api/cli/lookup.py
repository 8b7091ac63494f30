"""``gridmap lookup`` and ``gridmap assign``: which grid a point (or each row of a CSV) is in."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from api.cli.base import app, err, out, settings_of

if TYPE_CHECKING:
    from api.lookup_io import CsvPoints
    from gis.crs import InputCRS
    from gis.db.lookup import Boundaries

CrsOption = Annotated[
    str, typer.Option(help="CRS of the input: wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n")
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="ISO time: the boundaries valid then (default: now)")
]


def _boundaries(ctx: typer.Context, as_of: str | None) -> Boundaries:
    from gis.db import store
    from gis.db.lookup import load_boundaries
    from gis.values import parse_time

    when = parse_time(as_of, field="--as-of") if as_of else None
    with store.open_engine(settings_of(ctx)) as sql:
        return load_boundaries(sql, as_of=when)


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
    from api.lookup_service import locate_point, parse_point

    point = parse_point(lon, lat, crs)
    answer = locate_point(_boundaries(ctx, as_of), point)
    if as_json:
        out.print(json.dumps(answer, ensure_ascii=False), markup=False, highlight=False)
        return
    for line in _answer_lines(answer):
        out.print(line, markup=False, highlight=False)


def _answer_lines(answer: dict[str, Any]) -> list[str]:
    wgs84 = answer["wgs84"]
    lines = [f"{'point':<12}{wgs84['lon']:.7f}, {wgs84['lat']:.7f} (WGS84)"]
    for level in ("grid", "community", "subdistrict", "district"):
        found = answer[level]
        lines.append(f"{level:<12}" + (f"{found['code']}  {found['name']}" if found else "-"))
    if answer["on_boundary"]:
        lines.append("on the boundary: the lowest code of the areas it touches is given")
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
    from api.lookup_io import CsvPoints
    from gis.crs import parse_crs
    from gis.errors import UnreadableFile

    input_crs = parse_crs(crs)
    if not in_file.is_file():
        raise UnreadableFile(f"{in_file}: no such file")
    boundaries = _boundaries(ctx, as_of)
    with in_file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        points = CsvPoints(text, lon_field=lon_field, lat_field=lat_field)
        counts = _write(points, boundaries, input_crs, raw, out_file)
    out.print(
        f"{out_file}: {counts[0]:,} rows, {counts[1]:,} in a grid, {counts[2]:,} with errors",
        markup=False,
        highlight=False,
    )


def _write(
    points: CsvPoints, boundaries: Boundaries, crs: InputCRS, raw: BinaryIO, out_file: Path
) -> tuple[int, int, int]:
    """Answer chunk by chunk, with a progress bar over the bytes read; returns the counts."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from api.lookup_io import csv_text
    from api.lookup_service import answer_chunk, blank_answers

    size = Path(raw.name).stat().st_size
    rows = inside = failed = 0
    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with (
        out_file.open("w", encoding="utf-8", newline="") as target,
        Progress("assigning", *columns, console=err, transient=True) as progress,
    ):
        task = progress.add_task("assign", total=size)
        header: list[str] | None = points.header
        for chunk_rows, chunk in points.chunks():
            answers = answer_chunk(boundaries, chunk, crs)
            target.write(csv_text(chunk_rows, answers, header))
            header = None
            rows += len(chunk_rows)
            inside += int((answers["grid_code"] != "").sum())
            failed += int((answers["error"] != "").sum())
            progress.update(task, completed=raw.tell())
        if header is not None:  # no rows: still the header
            target.write(csv_text([], blank_answers(0), header))
    return rows, inside, failed
