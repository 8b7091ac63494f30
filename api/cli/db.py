"""``gridmap db``: the PostGIS store."""

from __future__ import annotations

import typer

from api.cli.base import InvalidInput, db_app, err, out, say, settings_of, warn


@db_app.command("up")
def db_up(ctx: typer.Context) -> None:
    """Install (when missing) and start the local PostGIS, create the database, migrate it."""
    from gis.db import store

    settings = settings_of(ctx)
    with err.status("starting PostGIS …"):
        url = store.prepare(settings, echo=warn)
    say(url)


@db_app.command("down")
def db_down(ctx: typer.Context) -> None:
    """Stop the local cluster (data is kept)."""
    from gis.db import cluster, store

    settings = settings_of(ctx)
    if settings.database_url:
        raise InvalidInput(
            "DATABASE_URL: an external PostGIS is configured; gridmap does not stop it"
        )
    stopped = cluster.stop(store.local_cluster(settings))
    say("stopped" if stopped else "not running")


@db_app.command("status")
def db_status(ctx: typer.Context) -> None:
    """Say where the store is, whether it answers, and its PostgreSQL/PostGIS versions."""
    from gis.db import cluster, engine, store

    settings = settings_of(ctx)
    if not settings.database_url and not cluster.is_running(store.local_cluster(settings)):
        out.print(f"local cluster under {settings.data_dir}: not running")
        raise typer.Exit(3)
    url = store.database_url(settings)
    found = engine.versions(url)
    say(f"{engine.display_url(url)}: PostgreSQL {found['postgresql']}, PostGIS {found['postgis']}")


@db_app.command("url")
def db_url(ctx: typer.Context) -> None:
    """Print the database URL (the local cluster's, or DATABASE_URL)."""
    from gis.db import store

    say(store.database_url(settings_of(ctx)))


@db_app.command("migrate")
def db_migrate(ctx: typer.Context) -> None:
    """Apply the schema migrations (Alembic) up to the newest."""
    from gis.db import engine, store

    url = store.database_url(settings_of(ctx))
    engine.migrate(url)
    out.print("schema up to date")
