"""``gridmap addresses``: the standard-address registry (一标三实)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import tables
from api.cli.base import app, err, machine, runtime, say

addresses_app = typer.Typer(help="The standard-address registry (一标三实).", no_args_is_help=True)
app.add_typer(addresses_app, name="addresses")


@addresses_app.command("import")
def addresses_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="GeoJSON/GeoPackage/CSV/.xlsx of addresses")],
    crs: Annotated[str | None, typer.Option(help="wgs84 | gcj02 | bd09 | EPSG:n")] = None,
    lon_field: tables.LonFieldOption = None,
    lat_field: tables.LatFieldOption = None,
    encoding: tables.EncodingOption = None,
    sheet: tables.SheetOption = None,
) -> None:
    """Add or update standard addresses (matched on their normalised form)."""
    from gis.usecases.boundaries import import_addresses

    options = tables.read_options(encoding, sheet, lon_field, lat_field)
    with err.status(f"importing {file.name} …"), runtime(ctx) as rt:
        count = import_addresses(rt, file, acting=machine(), crs=crs, options=options)
    say(f"{count} addresses imported")
