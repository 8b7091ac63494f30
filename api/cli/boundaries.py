"""``gridmap load`` and ``gridmap export``: boundary files in and out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.base import LevelOption, app, err, machine, runtime, say, warn
from gis import clock

if TYPE_CHECKING:
    import geopandas as gpd

    from gis.loader import LoadPlan


@app.command("load")
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile, FlatGeobuf or KML")],
    level: LevelOption,
    crs: Annotated[
        str | None,
        typer.Option(help="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n (default: the file's own)"),
    ] = None,
    commit: Annotated[bool, typer.Option("--commit", help="write (default: dry run)")] = False,
    repair: Annotated[bool, typer.Option("--repair", help="repair invalid geometries")] = False,
    code_field: Annotated[str | None, typer.Option(help="field holding the code")] = None,
    name_field: Annotated[str | None, typer.Option(help="field holding the name")] = None,
    retire_missing: Annotated[
        bool,
        typer.Option(
            "--retire-missing", help="retire current areas under the same parents absent from FILE"
        ),
    ] = False,
    layer: Annotated[str | None, typer.Option(help="layer of a multi-layer file")] = None,
    encoding: Annotated[str | None, typer.Option(help="attribute encoding, e.g. GBK")] = None,
) -> None:
    """Load boundaries of one level: a dry run that prints the changes unless --commit."""
    from gis.io import read_boundaries
    from gis.usecases import boundaries

    with err.status(f"reading {file.name} …"):
        boundary = read_boundaries(
            file,
            level=level,
            crs=crs,
            code_field=code_field,
            name_field=name_field,
            repair=repair,
            layer=layer,
            encoding=encoding,
        )
    for note in boundary.repairs:
        warn(note)
    with runtime(ctx) as rt:
        if commit:
            with err.status("writing …"):
                plan = boundaries.load(
                    rt, boundary, acting=machine(), level=level, retire_missing=retire_missing
                )
        else:
            plan = boundaries.preview_load(rt, boundary, level=level, retire_missing=retire_missing)
    _print_plan(plan, committed=commit, source=f"{file.name} ({boundary.source_crs})")


def _print_plan(plan: LoadPlan, *, committed: bool, source: str) -> None:
    for label, codes in (("add", plan.added), ("change", plan.changed), ("retire", plan.retired)):
        for code in codes:
            say(f"  {label:<7}{code}")
    verb = "committed" if committed else "dry run (nothing written; add --commit)"
    say(f"{source}: {plan.summary()} — {verb}")


@app.command("export")
def export(
    ctx: typer.Context,
    level: LevelOption,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="file to write")],
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format", help="gpkg | geojson | shp.zip | kml | csv | fgb (default: --out's)"
        ),
    ] = None,
    scope: Annotated[str | None, typer.Option(help="only this area's code and below")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="boundaries valid at this time")] = None,
    crs: Annotated[
        str, typer.Option(help="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n (e.g. 4547)")
    ] = "wgs84",
    encoding: Annotated[
        str | None, typer.Option(help="utf-8 (default) | gbk: a Shapefile's or a CSV's text")
    ] = None,
) -> None:
    """Write stored areas of one level (current, or as of a date) to a file, as GET /areas.{fmt}.

    ``fgb`` (FlatGeobuf) writes every stored column, in WGS84.
    """
    from gis.io import export_areas, export_table, parse_encoding, parse_export_format, write_areas
    from gis.usecases import boundaries
    from gis.values import crs_of

    chosen = file_format or _format_of(out_file)
    with runtime(ctx) as rt:
        found = boundaries.export_areas(rt, level=level, scope=scope, as_of=as_of)
    if chosen == "fgb":
        write_areas(_for_file(found), out_file, chosen)
    else:
        chosen = parse_export_format(chosen)
        table = export_table(found)
        content = export_areas(
            table,
            chosen,
            name=out_file.name.split(".")[0] or "areas",
            encoding=parse_encoding(encoding, chosen),
            crs=crs_of(crs, "--crs"),
        )
        out_file.write_bytes(content)
    say(f"wrote {len(found)} {level.value} areas to {out_file}")


def _format_of(path: Path) -> str:
    """The export format a file name asks for: ``grids.shp.zip`` → ``shp.zip``."""
    name = path.name.lower()
    return "shp.zip" if name.endswith(".shp.zip") else path.suffix.lstrip(".") or "geojson"


def _for_file(found: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns a GIS desktop reads well: JSON attributes as text, times as ISO strings."""
    import json

    frame = found.copy()
    frame["attributes"] = frame["attributes"].map(lambda a: json.dumps(a, ensure_ascii=False))
    for column in ("valid_from", "valid_to"):
        frame[column] = frame[column].map(
            lambda t: clock.iso(t) if t is not None and t == t else None
        )
    return frame.drop(columns=["id"])
