"""``gridmap map``: write a map page as one standalone HTML file (assets inlined)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.base import app, out, settings_of

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
    out.print(f"wrote {path} ({len(html.encode()) / 1e6:.1f} MB)", markup=False)


def _render(ctx: typer.Context, out_file: Path, build: Callable[[Any], Any]) -> None:
    """Open the store, build a page from a connection, write it standalone."""
    from gis.db import engine, store

    with store.open_engine(settings_of(ctx)) as sql, engine.connect(sql) as conn:
        page = build(conn)
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
    from maps.base import map_options

    options, when = map_options(lang, basemap, tk), pages.period(start, end)
    _render(
        ctx,
        out_file,
        lambda conn: pages.grids_page(
            conn, options, scope=scope, measure=measure, when=when, station_type=station_type
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
    from gis.incidents.catalogue import Catalogue
    from gis.settings import IncidentSettings
    from maps.base import map_options

    options, when = map_options(lang, basemap, tk), pages.period(start, end)
    catalogue = Catalogue.load(IncidentSettings().catalogue)
    _render(
        ctx,
        out_file,
        lambda conn: pages.hazards_page(
            conn, options, catalogue, category=category, status=status, scope=scope, when=when
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
    from gis.stations.service import Access
    from maps.base import map_options

    options, access = map_options(lang, basemap, tk), Access()
    _render(
        ctx,
        out_file,
        lambda conn: pages.stations_page(
            conn, options, access, station_type=station_type, mode=mode
        ),
    )
