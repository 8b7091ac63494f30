"""``gridmap serve``, ``gridmap demo`` and ``gridmap sample``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.base import app, err, machine, runtime, sample_app, say, settings_of, warn
from gis.settings import SAMPLE_ADDRESSES, SAMPLE_DIR, SHARED_DATA, ServerSettings


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


@app.command("demo")
def demo(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="set up only")] = False,
) -> None:
    """Start the store, load the 学院路 sample (idempotent), its users, roster, incidents; serve.

    The sample incidents (a year of them, marked ``sample``) are loaded while the store holds
    none; ``gridmap sample remove-incidents`` removes them.
    """
    from api.cli.users import cli_actor
    from gis.db import store
    from gis.usecases.demo_users import ensure_demo_users, table_lines
    from gis.usecases.roster import load_sample_roster
    from gis.usecases.sample import load_sample, load_sample_extras, load_sample_incidents

    settings = settings_of(ctx)
    with err.status("starting PostGIS …"):
        store.prepare(settings, echo=warn)
    with err.status("loading the 学院路 sample …"), runtime(ctx) as rt:
        for line in [*load_sample(rt), *load_sample_extras(rt)]:
            warn(f"sample {line}")
        logins = ensure_demo_users(rt, cli_actor())
        changes = load_sample_roster(rt)  # after the users: the roster names their logins
        counts = ", ".join(f"{n} {what}" for what, n in changes.counts().items())
        warn(f"sample roster: {counts}")
        warn(f"sample {load_sample_incidents(rt).summary()}")  # after the roster: dispatch
    base = f"http://{host}:{port}"
    for path in (
        "/healthz",
        "/areas?level=grid",
        "/maps",
        "/maps/hazards.html?category=all",
        "/maps/grids.html?measure=incidents_per_100_households",
        "/stats?level=community",
        "/maps/stations.html?type=红色驿站",
        "/docs",
    ):
        say(f"  {base}{path}")
    say(*table_lines(logins))
    if not no_serve:
        serve(host=host, port=port, workers=1)


@sample_app.command("build")
def sample_build(
    shared: Annotated[Path, typer.Option(help="the shared data folder")] = SHARED_DATA,
    out_dir: Annotated[Path, typer.Option("--out", help="where to write")] = SAMPLE_DIR,
) -> None:
    """Rebuild the 学院路 sample boundaries from the OpenStreetMap extract."""
    from gis import sample
    from gis.sample.addresses import build_addresses, write_addresses

    with err.status("building the sample from OpenStreetMap …"):
        built = sample.build_sample(
            shared / "osm" / "osm_beijing_haidian_cau_east_campus.osm",
            shared / "osm" / "osm_roads_beijing_haidian_cau.geojson",
            shared / "admin_divisions" / "nbs2023_haidian_110108_communities.csv",
        )
        sample.write_sample(built, out_dir)
        assert built.homes is not None  # the build counts the households from them
        addresses = build_addresses(
            shared / "osm" / "osm_beijing_haidian_cau_east_campus.osm",
            shared / "addresses" / "osm_addresses_sample_wgs84.csv",
            built.homes,
        )
        write_addresses(addresses, SAMPLE_ADDRESSES)
    say(f"wrote the sample to {out_dir} and {SAMPLE_ADDRESSES}")


@sample_app.command("remove-incidents")
def sample_remove_incidents(ctx: typer.Context) -> None:
    """Delete the demo's sample incidents (marked sample), in one audited transaction.

    Incidents anyone else reported stay; ``gridmap demo`` loads a fresh sample again.
    """
    from gis.usecases.sample import remove_sample_incidents

    with runtime(ctx) as rt:
        removed = remove_sample_incidents(rt, acting=machine())
    say(f"removed {removed} sample incidents")
