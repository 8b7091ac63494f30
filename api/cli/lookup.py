"""``gridmap lookup`` and ``gridmap assign``: which grid a point (or each row of a CSV) is in."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from api.cli import tables
from api.cli.base import app, err, runtime, say
from gis.areas import ORDER

if TYPE_CHECKING:
    from gis.pointfiles import Rows
    from gis.usecases.lookup import Answers, BatchAnswers

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


class AssignEngine(StrEnum):
    """Where ``gridmap assign`` runs."""

    LOCAL = "local"
    DASK = "dask"


@app.command("assign")
def assign(
    ctx: typer.Context,
    in_file: Annotated[
        Path,
        typer.Argument(
            help="a table with a header, one point per row: .csv, .xlsx or .parquet "
            "(GeoParquet too), or a directory of .parquet (or, with --engine dask, .csv) parts"
        ),
    ],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="CSV to write; Parquet for a Parquet input")
    ],
    crs: Annotated[
        str | None,
        typer.Option(
            help="CRS of the input: wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n "
            "(default: a GeoParquet geometry's, else wgs84)"
        ),
    ] = None,
    lon_field: tables.LonFieldOption = None,
    lat_field: tables.LatFieldOption = None,
    encoding: tables.EncodingOption = None,
    sheet: tables.SheetOption = None,
    out_encoding: tables.OutEncodingOption = None,
    as_of: AsOfOption = None,
    engine: Annotated[
        AssignEngine, typer.Option(help="local: in this process; dask: on a Dask cluster")
    ] = AssignEngine.LOCAL,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="with --engine dask: a running scheduler (tcp://host:8786); "
            "default: a local cluster, a worker per CPU"
        ),
    ] = None,
) -> None:
    """Add the grid, community, subdistrict and district of every row of a table.

    The input columns are kept and the answer columns appended; a row that cannot be answered
    gets the reason in the ``error`` column. The answer is written in the input's encoding
    (GBK in, GB18030 out: GBK's bytes for GBK's characters), UTF-8 with a BOM for an .xlsx.
    A Parquet input gives a Parquet answer (GeoParquet for GeoParquet); ``--engine dask``
    writes a directory of Parquet parts. OUT is written whole or not at all.
    """
    from gis.errors import InvalidInput, UnreadableFile
    from gis.pointfiles import CsvPoints
    from gis.tables import answer_encoding, open_table, table_kind
    from gis.usecases.assign import assign_dask, assign_parquet, is_columnar
    from gis.usecases.lookup import locate_batch
    from gis.values import crs_of, optional_time

    given_crs = crs_of(crs) if crs else None
    input_crs = crs_of(crs)
    when = optional_time(as_of, "--as-of")
    options = tables.read_options(encoding, sheet, lon_field, lat_field)
    asked = tables.written_encoding(out_encoding)
    if scheduler and engine is not AssignEngine.DASK:
        raise InvalidInput("scheduler: needs --engine dask")
    if engine is AssignEngine.DASK or is_columnar(in_file):
        with runtime(ctx) as rt:
            run = assign_dask if engine is AssignEngine.DASK else assign_parquet
            extra = {"scheduler": scheduler} if engine is AssignEngine.DASK else {}
            summary = run(
                rt, in_file, out_file, crs=given_crs, options=options, as_of=when, **extra
            )
        say(
            f"{out_file}: {summary.rows:,} rows, {summary.inside:,} in a grid, "
            f"{summary.failed:,} with errors (boundaries version {summary.version})"
        )
        return
    if not in_file.is_file():
        raise UnreadableFile(f"{in_file}: no such file")
    kind = table_kind(in_file.name, what=in_file.name)
    with (
        in_file.open("rb") as raw,
        open_table(raw, kind=kind, options=options, what=in_file.name) as table,
    ):
        points = CsvPoints(table.rows, options=options)
        written = Written(out_file, answer_encoding(table.encoding, asked), raw, kind == "csv")
        with runtime(ctx) as rt:
            batch = locate_batch(rt, points.chunks(), input_crs, as_of=when)
            counts = written.write(points.header, batch)
    say(f"{out_file}: {counts[0]:,} rows, {counts[1]:,} in a grid, {counts[2]:,} with errors")


@dataclass
class Written:
    """An answer file being written, and how far through the input it is.

    The rows go to a file beside ``path``, which becomes ``path`` once all are written: an
    input that turns out unreadable half way, or a store that fails, leaves nothing behind.
    """

    path: Path
    encoding: str
    raw: BinaryIO
    by_bytes: bool  # a CSV's progress is the bytes read; a workbook's is not known ahead
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])  # rows, in a grid, errors

    def write(self, header: list[str], batch: BatchAnswers) -> tuple[int, int, int]:
        """Write the answers chunk by chunk, with a progress bar; the counts."""
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        from api.lookup_io import answer_bytes

        part = self.path.with_name(f".{self.path.name}.part")
        size = Path(self.raw.name).stat().st_size if self.by_bytes else None
        columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
        try:
            with (
                part.open("wb") as target,
                Progress("assigning", *columns, console=err, transient=True) as progress,
            ):
                task = progress.add_task("assign", total=size)
                chunks = self._counted(batch, lambda done: progress.update(task, completed=done))
                target.writelines(answer_bytes(chunks, header, encoding=self.encoding))
            part.replace(self.path)
        finally:
            part.unlink(missing_ok=True)
        rows, inside, failed = self.counts
        return rows, inside, failed

    def _counted(
        self, batch: BatchAnswers, progress: Callable[[int], None]
    ) -> Iterator[tuple[Rows, Answers]]:
        for rows, answers in batch.chunks:
            self.counts[0] += len(rows)
            self.counts[1] += int((answers["grid_code"] != "").sum())
            self.counts[2] += int((answers["error"] != "").sum())
            progress(self.raw.tell() if self.by_bytes else self.counts[0])
            yield rows, answers
