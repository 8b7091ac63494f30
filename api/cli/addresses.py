"""``gridmap addresses``: the standard-address registry (一标三实)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.base import PROJECT_ROOT, app, err, out, settings_of

addresses_app = typer.Typer(help="The standard-address registry (一标三实).", no_args_is_help=True)
app.add_typer(addresses_app, name="addresses")
SAMPLE_ADDRESSES = PROJECT_ROOT / "data" / "addresses" / "xueyuanlu_addresses.geojson"


def import_addresses(settings: object, file: Path, crs: str | None = None) -> int:
    """Read addresses (points: ``address``, optional ``households``, ``building``); upsert."""
    from gis.db import addresses as address_sql
    from gis.db import engine, store
    from gis.incidents.registry_file import read_addresses

    rows = read_addresses(file, crs=crs)
    with store.open_engine(settings) as sql, engine.transaction(sql) as conn:  # type: ignore[arg-type]
        return address_sql.upsert_addresses(conn, rows=rows)


@addresses_app.command("import")
def addresses_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="GeoJSON/GeoPackage/CSV of addresses")],
    crs: Annotated[str | None, typer.Option(help="wgs84 | gcj02 | bd09 | EPSG:n")] = None,
) -> None:
    """Add or update standard addresses (matched on their normalised form)."""
    with err.status(f"importing {file.name} …"):
        count = import_addresses(settings_of(ctx), file, crs)
    out.print(f"{count} addresses imported", markup=False)
