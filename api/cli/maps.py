"""``gridmap map``: write a map page as one standalone HTML file (assets inlined)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.base import app, machine, runtime, say

map_app = typer.Typer(help="Write map pages as standalone HTML files.", no_args_is_help=True)
app.add_typer(map_app, name="map")

Out = Annotated[Path, typer.Option("--out", "-o", help="HTML file to write")]
Lang = Annotated[str, typer.Option(help="zh | en")]
Basemap = Annotated[str, typer.Option(help="none | osm | tianditu | amap")]
Tk = Annotated[str | None, typer.Option(help="天地图 key (tianditu basemap)")]


def _write(page: object, path: Path) -> None:
    from maps.assets import inline_assets

    html = inline_assets(page.get_root().render())  # type: ignore[attr-defined]
    path.write_text(html, encoding="utf-8")
    say(f"wrote {path} ({len(html.encode()) / 1e6:.1f} MB)")


def _render(ctx: typer.Context, out_file: Path, build: Callable[[Any], Any]) -> None:
    """Build a page from the runtime, write it standalone."""
    with runtime(ctx) as rt:
        page = build(rt)
    _write(page, out_file)


@map_app.command("grids")
def map_grids(
    ctx: typer.Context,
    out_file: Out,
    scope: str | None = None,
    measure: str | None = None,
    start: str | None = None,
    end: str | None = None,
    station_type: Annotated[
        str | None, typer.Option("--type", help="station type for --measure coverage_share")
    ] = None,
    lang: Lang = "zh",
    basemap: Basemap = "none",
    tk: Tk = None,
) -> None:
    """The grid map (outlines by level, labels, popups; choropleth by --measure)."""
    from api import pages
    from gis.usecases import pages as page_data
    from gis.values import parse_period
    from maps.base import map_options

    options, period = map_options(lang, basemap, tk), parse_period(start, end)
    _render(
        ctx,
        out_file,
        lambda rt: pages.grids(
            page_data.grids_page(
                rt,
                acting=machine(),
                scope=scope,
                measure=measure,
                period=period,
                station_type=station_type,
            ),
            options,
        ),
    )


@map_app.command("hazards")
def map_hazards(
    ctx: typer.Context,
    out_file: Out,
    category: str = "hazard",
    status: str | None = None,
    scope: str | None = None,
    start: str | None = None,
    end: str | None = None,
    lang: Lang = "zh",
    basemap: Basemap = "none",
    tk: Tk = None,
) -> None:
    """The hazard map (incidents clustered by status, heat map)."""
    from api import pages
    from gis.incidents.lifecycle import parse_statuses
    from gis.usecases import pages as page_data
    from gis.values import parse_period
    from maps.base import map_options

    options, period = map_options(lang, basemap, tk), parse_period(start, end)
    statuses = parse_statuses(status)
    _render(
        ctx,
        out_file,
        lambda rt: pages.hazards(
            page_data.hazards_page(
                rt,
                acting=machine(),
                category=category,
                statuses=statuses,
                scope=scope,
                period=period,
            ),
            options,
        ),
    )


@map_app.command("stations")
def map_stations(
    ctx: typer.Context,
    out_file: Out,
    station_type: Annotated[
        str | None, typer.Option("--type", help="show what this station type leaves uncovered")
    ] = None,
    mode: str = "network",
    lang: Lang = "zh",
    basemap: Basemap = "none",
    tk: Tk = None,
) -> None:
    """Stations with their circles and walking isochrones (and uncovered areas of --type)."""
    from api import pages
    from gis.usecases import pages as page_data
    from maps.base import map_options

    options = map_options(lang, basemap, tk)
    _render(
        ctx,
        out_file,
        lambda rt: pages.stations(
            page_data.stations_page(rt, acting=machine(), station_type=station_type, mode=mode),
            options,
        ),
    )
