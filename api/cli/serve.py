"""``gridmap serve``, ``gridmap demo`` and ``gridmap sample``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.base import (
    PROJECT_ROOT,
    SAMPLE_DIR,
    SAMPLE_FILES,
    StoreSettings,
    app,
    err,
    out,
    sample_app,
    settings_of,
)
from gis.areas import ORDER
from gis.settings import ServerSettings


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on [127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [8000]")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes [1]")] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="log every request")
    ] = True,
) -> None:
    """Serve the API (and maps) with uvicorn (uvloop and httptools when installed)."""
    import uvicorn

    defaults = ServerSettings()
    uvicorn.run(
        "api.app:app_factory",
        factory=True,
        host=host or defaults.host,
        port=port or defaults.port,
        workers=workers or defaults.workers,
        log_level="info",
        access_log=access_log,
    )


def load_sample(settings: StoreSettings) -> list[str]:
    """Commit the 学院路 sample, level by level (idempotent); one summary line per level."""
    from gis.db import load as db_load
    from gis.db import store
    from gis.io import read_boundaries

    lines = []
    with store.open_engine(settings) as sql:
        for level in ORDER:
            boundary = read_boundaries(SAMPLE_DIR / SAMPLE_FILES[level], level=level)
            lines.append(db_load.commit(sql, boundary, level=level).summary())
    return lines


SHARED_OSM = (
    PROJECT_ROOT.parent / "shared" / "data" / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
)


def load_sample_extras(settings: StoreSettings) -> list[str]:
    """Standard addresses, the walking network (from ../shared when present) and the stations."""
    from api.cli.addresses import SAMPLE_ADDRESSES, import_addresses
    from api.cli.stations import SAMPLE_STATIONS
    from gis.db import engine, store
    from gis.db import stations as station_sql
    from gis.network import network_from_osm
    from gis.stations.catalogue import StationCatalogue
    from gis.stations.records import read_stations
    from gis.stations.service import import_stations
    from gis.stations.settings import AccessSettings

    lines = [f"addresses: {import_addresses(settings, SAMPLE_ADDRESSES)} standard addresses"]
    catalogue = StationCatalogue.load(AccessSettings().station_types)
    stations = read_stations(
        SAMPLE_STATIONS.read_bytes(), kind="geojson", catalogue=catalogue, crs="wgs84"
    )
    with store.open_engine(settings) as sql, engine.transaction(sql) as conn:
        if SHARED_OSM.exists():
            version, _ = station_sql.save_network(conn, network=network_from_osm(SHARED_OSM))
            lines.append(f"walking network {version} from {SHARED_OSM.name}")
        else:
            lines.append(f"no walking network: {SHARED_OSM} is missing (isochrones need one)")
        summary = import_stations(conn, stations)
    lines.append(f"stations: {summary['created']} created, {summary['updated']} updated")
    return lines


@app.command("demo")
def demo(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="set up only")] = False,
) -> None:
    """Start the store, load the 学院路 sample (idempotent) and serve on http://127.0.0.1:8000."""
    from gis.db import store

    settings = settings_of(ctx)
    with err.status("starting PostGIS …"):
        store.prepare(settings, echo=lambda line: err.print(line, markup=False))
    with err.status("loading the 学院路 sample …"):
        for line in load_sample(settings):
            err.print(f"sample {line}", markup=False)
        for line in load_sample_extras(settings):
            err.print(f"sample {line}", markup=False)
    base = f"http://{host}:{port}"
    for path in (
        "/healthz",
        "/areas?level=grid",
        "/maps",
        "/maps/grids.html",
        "/maps/stations.html?type=红色驿站",
        "/docs",
    ):
        out.print(f"  {base}{path}", markup=False, highlight=False)
    if not no_serve:
        serve(host=host, port=port, workers=1)


@sample_app.command("build")
def sample_build(
    shared: Annotated[Path, typer.Option(help="the shared data folder")] = PROJECT_ROOT.parent
    / "shared"
    / "data",
    out_dir: Annotated[Path, typer.Option("--out", help="where to write")] = SAMPLE_DIR,
) -> None:
    """Rebuild the 学院路 sample boundaries from the OpenStreetMap extract."""
    from api.cli.addresses import SAMPLE_ADDRESSES
    from gis import sample
    from gis.sample.addresses import build_addresses, write_addresses

    with err.status("building the sample from OpenStreetMap …"):
        built = sample.build_sample(
            shared / "osm" / "osm_beijing_haidian_cau_east_campus.osm",
            shared / "osm" / "osm_roads_beijing_haidian_cau.geojson",
            shared / "admin_divisions" / "nbs2023_haidian_110108_communities.csv",
        )
        sample.write_sample(built, out_dir)
        addresses = build_addresses(
            shared / "osm" / "osm_beijing_haidian_cau_east_campus.osm",
            shared / "addresses" / "osm_addresses_sample_wgs84.csv",
            built.communities,
        )
        write_addresses(addresses, SAMPLE_ADDRESSES)
    out.print(f"wrote the sample to {out_dir} and {SAMPLE_ADDRESSES}", markup=False)
