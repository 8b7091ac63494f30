"""``gridmap areas``: list and show stored areas."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.base import Level, areas_app, level_option, runtime, say
from gis import clock

if TYPE_CHECKING:
    import geopandas as gpd


@areas_app.callback(invoke_without_command=True)
def areas_default(
    ctx: typer.Context,
    as_of: Annotated[datetime | None, typer.Option(help="as valid at this time")] = None,
    level: Annotated[Level | None, typer.Option("--level", "-l", parser=level_option)] = None,
) -> None:
    """Without a subcommand: list the areas (current, or ``--as-of`` a time)."""
    if ctx.invoked_subcommand is None:
        areas_list(ctx, level=level, as_of=as_of)


@areas_app.command("list")
def areas_list(
    ctx: typer.Context,
    level: Annotated[Level | None, typer.Option("--level", "-l", parser=level_option)] = None,
    parent: Annotated[str | None, typer.Option(help="parent code")] = None,
    scope: Annotated[str | None, typer.Option(help="this code and everything below")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="as valid at this time")] = None,
) -> None:
    """List areas (current, or as of a date) with their households and area in km²."""
    from gis.geometry import area_km2

    found = _find(ctx, level=level, parent=parent, scope=scope, as_of=as_of)
    say(f"{'level':<12}{'code':<17}{'households':>11}{'km²':>9}  valid from        name")
    for row, km2 in zip(found.itertuples(), area_km2(found.geometry.to_numpy()), strict=True):
        say(
            f"{row.level:<12}{row.code:<17}{_count(row.households):>11}{km2:>9.3f}  "
            f"{clock.shown(row.valid_from)}  {row.name}"
        )
    say(f"{len(found)} areas")


@areas_app.command("show")
def areas_show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="area code")],
    history: Annotated[bool, typer.Option("--history", help="every version")] = False,
) -> None:
    """Show one area: its versions, parent, children and size."""
    from gis.geometry import area_km2
    from gis.usecases import boundaries

    with runtime(ctx) as rt:
        found = boundaries.history(rt, code)
        children = boundaries.children(rt, code)
    versions = found if history else found[found["valid_to"].isna()]
    for row, km2 in zip(versions.itertuples(), area_km2(versions.geometry.to_numpy()), strict=True):
        until = (
            clock.shown(row.valid_to, seconds=True)
            if row.valid_to == row.valid_to and row.valid_to
            else "now"
        )
        say(
            f"{row.code} {row.name} ({row.level}, parent {row.parent_code or '-'}) "
            f"households {_count(row.households)}, population {_count(row.population)}, "
            f"{km2:.3f} km², valid {clock.shown(row.valid_from, seconds=True)} → {until}"
        )
    say(f"{len(children)} current children, {len(found)} versions in all")


def _find(ctx: typer.Context, **filters: Any) -> gpd.GeoDataFrame:
    from gis.areas import AreaQuery
    from gis.usecases import boundaries

    with runtime(ctx) as rt:
        return boundaries.find_areas(rt, AreaQuery(**filters))


def _count(value: object) -> str:
    return "" if value is None or value != value else str(int(value))  # type: ignore[call-overload]
