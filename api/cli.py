"""The ``gridmap`` command line: store, loads, exports, areas, the sample, the server, the demo.

The CLI is an entry point, so it lives in the outermost layer (it starts the API server and
will render maps); settings are read here once and passed down. Domain errors print one line
on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer._click import ClickException  # typer vendors click; its classes are these
from typer._click.core import Context as ClickContext
from typer.core import TyperGroup

from gis.areas import ORDER, Level, parse_level
from gis.errors import GridmapError, InvalidInput
from gis.settings import PROJECT_ROOT, ServerSettings, StoreSettings

if TYPE_CHECKING:
    import geopandas as gpd

    from gis.loader import LoadPlan


class DomainFailure(ClickException):
    """A domain error shown as one line on stderr, exit status 1."""

    exit_code = 1

    def show(self, file: object = None) -> None:
        """Print ``error: <detail> [<Code>]`` on stderr."""
        typer.echo(f"error: {self.message}", err=True)


class Commands(TyperGroup):
    """The root group: turns `GridmapError` from any command into `DomainFailure`."""

    def invoke(self, ctx: ClickContext) -> object:
        """Run the command, translating domain errors."""
        try:
            return super().invoke(ctx)
        except GridmapError as exc:
            raise DomainFailure(f"{exc.detail} [{exc.code}]") from exc


app = typer.Typer(
    help="gridmap: grids for grassroots grid governance (网格化服务管理).",
    cls=Commands,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(
    help="The PostGIS store: the embedded local cluster or DATABASE_URL.", no_args_is_help=True
)
areas_app = typer.Typer(help="List and show stored areas.", no_args_is_help=True)
sample_app = typer.Typer(help="The 学院路 sample boundaries.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
app.add_typer(sample_app, name="sample")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
SAMPLE_DIR = PROJECT_ROOT / "data" / "boundaries"
SAMPLE_FILES = {
    Level.DISTRICT: "xueyuanlu_district.geojson",
    Level.SUBDISTRICT: "xueyuanlu_subdistrict.geojson",
    Level.COMMUNITY: "xueyuanlu_communities.geojson",
    Level.GRID: "xueyuanlu_grids.geojson",
}


@dataclass
class Context:
    """What every command gets: the settings read once at start."""

    store: StoreSettings


@app.callback()
def _settings(ctx: typer.Context) -> None:
    ctx.obj = Context(store=StoreSettings())


def _store(ctx: typer.Context) -> StoreSettings:
    return ctx.ensure_object(Context).store


def _level(value: str) -> Level:
    try:
        return parse_level(value)
    except InvalidInput as exc:
        raise typer.BadParameter(exc.detail) from None


LevelOption = Annotated[
    Level,
    typer.Option("--level", "-l", parser=_level, help="district | subdistrict | community | grid"),
]


def main() -> None:
    """Run the ``gridmap`` CLI."""
    app()


# --- db --------------------------------------------------------------------------------------


@db_app.command("up")
def db_up(ctx: typer.Context) -> None:
    """Install (when missing) and start the local PostGIS, create the database, migrate it."""
    from gis.db import store

    settings = _store(ctx)
    with err.status("starting PostGIS …"):
        url = store.prepare(settings, echo=lambda line: err.print(line, markup=False))
    out.print(url, markup=False, highlight=False)


@db_app.command("down")
def db_down(ctx: typer.Context) -> None:
    """Stop the local cluster (data is kept)."""
    from gis.db import cluster, store

    settings = _store(ctx)
    if settings.database_url:
        raise InvalidInput(
            "DATABASE_URL: an external PostGIS is configured; gridmap does not stop it"
        )
    stopped = cluster.stop(store.local_cluster(settings))
    out.print("stopped" if stopped else "not running")


@db_app.command("status")
def db_status(ctx: typer.Context) -> None:
    """Say where the store is, whether it answers, and its PostgreSQL/PostGIS versions."""
    from gis.db import cluster, engine, store

    settings = _store(ctx)
    if not settings.database_url and not cluster.is_running(store.local_cluster(settings)):
        out.print(f"local cluster under {settings.data_dir}: not running")
        raise typer.Exit(3)
    url = store.database_url(settings)
    found = engine.versions(url)
    out.print(
        f"{engine.display_url(url)}: PostgreSQL {found['postgresql']}, PostGIS {found['postgis']}",
        markup=False,
        highlight=False,
    )


@db_app.command("url")
def db_url(ctx: typer.Context) -> None:
    """Print the database URL (the local cluster's, or DATABASE_URL)."""
    from gis.db import store

    out.print(store.database_url(_store(ctx)), markup=False, highlight=False)


@db_app.command("migrate")
def db_migrate(ctx: typer.Context) -> None:
    """Apply the schema migrations (Alembic) up to the newest."""
    from gis.db import engine, store

    url = store.database_url(_store(ctx))
    engine.migrate(url)
    out.print("schema up to date")


# --- load / export ---------------------------------------------------------------------------


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
    from gis.db import engine, store
    from gis.db import load as db_load
    from gis.io import read_boundaries

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
        err.print(note, markup=False)
    sql = engine.make_engine(store.database_url(_store(ctx)))
    try:
        if commit:
            with err.status("writing …"):
                plan = db_load.commit(sql, boundary, level=level, retire_missing=retire_missing)
        else:
            with sql.connect() as conn:
                plan = db_load.plan(conn, boundary, level=level, retire_missing=retire_missing)
    finally:
        sql.dispose()
    _print_plan(plan, committed=commit, source=f"{file.name} ({boundary.source_crs})")


def _print_plan(plan: LoadPlan, *, committed: bool, source: str) -> None:
    for label, codes in (("add", plan.added), ("change", plan.changed), ("retire", plan.retired)):
        for code in codes:
            out.print(f"  {label:<7}{code}", markup=False, highlight=False)
    verb = "committed" if committed else "dry run (nothing written; add --commit)"
    out.print(f"{source}: {plan.summary()} — {verb}", markup=False, highlight=False)


@app.command("export")
def export(
    ctx: typer.Context,
    level: LevelOption,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="file to write")],
    file_format: Annotated[str, typer.Option("--format", help="geojson | gpkg | fgb")] = "geojson",
    scope: Annotated[str | None, typer.Option(help="only this area's code and below")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="boundaries valid at this time")] = None,
) -> None:
    """Write stored areas of one level (current, or as of a date) to a file."""
    from gis.db import areas as area_sql
    from gis.db import engine, store
    from gis.io import write_areas

    sql = engine.make_engine(store.database_url(_store(ctx)))
    try:
        with sql.connect() as conn:
            found = area_sql.find_areas(conn, level=level, scope=scope, as_of=as_of)
    finally:
        sql.dispose()
    if found.empty:
        raise InvalidInput(
            f"--scope: no {level.value} areas found" + (f" under {scope}" if scope else "")
        )
    write_areas(_for_file(found), out_file, file_format)
    out.print(f"wrote {len(found)} {level.value} areas to {out_file}", markup=False)


def _for_file(found: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns a GIS desktop reads well: JSON attributes as text, times as ISO strings."""
    import json

    frame = found.copy()
    frame["attributes"] = frame["attributes"].map(lambda a: json.dumps(a, ensure_ascii=False))
    for column in ("valid_from", "valid_to"):
        frame[column] = frame[column].map(
            lambda t: t.isoformat() if t is not None and t == t else None
        )
    return frame.drop(columns=["id"])


# --- areas -----------------------------------------------------------------------------------


@areas_app.command("list")
def areas_list(
    ctx: typer.Context,
    level: Annotated[Level | None, typer.Option("--level", "-l", parser=_level)] = None,
    parent: Annotated[str | None, typer.Option(help="parent code")] = None,
    scope: Annotated[str | None, typer.Option(help="this code and everything below")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="as valid at this time")] = None,
) -> None:
    """List areas (current, or as of a date) with their households and area in km²."""
    from gis.geometry import area_km2

    found = _find(ctx, level=level, parent=parent, scope=scope, as_of=as_of)
    out.print(
        f"{'level':<12}{'code':<17}{'households':>11}{'km²':>9}  valid from        name",
        markup=False,
        highlight=False,
    )
    for row, km2 in zip(found.itertuples(), area_km2(found.geometry.to_numpy()), strict=True):
        out.print(
            f"{row.level:<12}{row.code:<17}{_count(row.households):>11}{km2:>9.3f}  "
            f"{row.valid_from:%Y-%m-%d %H:%M}  {row.name}",
            markup=False,
            highlight=False,
        )
    out.print(f"{len(found)} areas")


@areas_app.command("show")
def areas_show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="area code")],
    history: Annotated[bool, typer.Option("--history", help="every version")] = False,
) -> None:
    """Show one area: its versions, parent, children and size."""
    from gis.db import areas as area_sql
    from gis.db import engine, store
    from gis.geometry import area_km2

    sql = engine.make_engine(store.database_url(_store(ctx)))
    try:
        with sql.connect() as conn:
            found = area_sql.history(conn, code=code)
            children = area_sql.find_areas(conn, parent=code)
    finally:
        sql.dispose()
    if found.empty:
        raise _not_found(code)
    versions = found if history else found[found["valid_to"].isna()]
    for row, km2 in zip(versions.itertuples(), area_km2(versions.geometry.to_numpy()), strict=True):
        until = (
            f"{row.valid_to:%Y-%m-%d %H:%M:%S}"
            if row.valid_to == row.valid_to and row.valid_to
            else "now"
        )
        out.print(
            f"{row.code} {row.name} ({row.level}, parent {row.parent_code or '-'}) "
            f"households {_count(row.households)}, population {_count(row.population)}, "
            f"{km2:.3f} km², valid {row.valid_from:%Y-%m-%d %H:%M:%S} → {until}",
            markup=False,
            highlight=False,
        )
    out.print(f"{len(children)} current children, {len(found)} versions in all", markup=False)


def _find(ctx: typer.Context, **filters: object) -> gpd.GeoDataFrame:
    from gis.db import areas as area_sql
    from gis.db import engine, store

    sql = engine.make_engine(store.database_url(_store(ctx)))
    try:
        with sql.connect() as conn:
            return area_sql.find_areas(conn, **filters)  # type: ignore[arg-type]
    finally:
        sql.dispose()


def _not_found(code: str) -> Exception:
    from gis.errors import NotFound

    return NotFound(f"code: no area {code!r}")


def _count(value: object) -> str:
    return "" if value is None or value != value else str(int(value))  # type: ignore[call-overload]


# --- serve / demo ----------------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on [127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [8000]")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes [1]")] = None,
) -> None:
    """Serve the API (and maps) with uvicorn."""
    import uvicorn

    defaults = ServerSettings()
    uvicorn.run(
        "api.app:app_factory",
        factory=True,
        host=host or defaults.host,
        port=port or defaults.port,
        workers=workers or defaults.workers,
        log_level="info",
    )


def load_sample(settings: StoreSettings) -> list[str]:
    """Commit the 学院路 sample, level by level (idempotent); one summary line per level."""
    from gis.db import engine, store
    from gis.db import load as db_load
    from gis.io import read_boundaries

    sql = engine.make_engine(store.database_url(settings))
    lines = []
    try:
        for level in ORDER:
            boundary = read_boundaries(SAMPLE_DIR / SAMPLE_FILES[level], level=level)
            lines.append(db_load.commit(sql, boundary, level=level).summary())
    finally:
        sql.dispose()
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

    settings = _store(ctx)
    with err.status("starting PostGIS …"):
        store.prepare(settings, echo=lambda line: err.print(line, markup=False))
    with err.status("loading the 学院路 sample …"):
        for line in load_sample(settings):
            err.print(f"sample {line}", markup=False)
    base = f"http://{host}:{port}"
    for path in ("/healthz", "/areas?level=grid", "/areas/110108010", "/docs"):
        out.print(f"  {base}{path}", markup=False, highlight=False)
    if not no_serve:
        serve(host=host, port=port, workers=1)


# --- sample ----------------------------------------------------------------------------------


@sample_app.command("build")
def sample_build(
    shared: Annotated[Path, typer.Option(help="the shared data folder")] = PROJECT_ROOT.parent
    / "shared"
    / "data",
    out_dir: Annotated[Path, typer.Option("--out", help="where to write")] = SAMPLE_DIR,
) -> None:
    """Rebuild the 学院路 sample boundaries from the OpenStreetMap extract."""
    from gis import sample

    with err.status("building the sample from OpenStreetMap …"):
        built = sample.build_sample(
            shared / "osm" / "osm_beijing_haidian_cau_east_campus.osm",
            shared / "osm" / "osm_roads_beijing_haidian_cau.geojson",
            shared / "admin_divisions" / "nbs2023_haidian_110108_communities.csv",
        )
        sample.write_sample(built, out_dir)
    out.print(f"wrote the sample to {out_dir}", markup=False)
