"""Shared pieces of the ``gridmap`` CLI: the root group, settings context, consoles, options.

The CLI is an entry point, so it lives in the outermost layer (it starts the API server and
will render maps); settings are read here once and passed down. Domain errors print one line
on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer._click import ClickException  # typer vendors click; its classes are these
from typer._click.core import Context as ClickContext
from typer.core import TyperGroup

from gis import clock
from gis.areas import Level, parse_level
from gis.errors import GridmapError, InvalidInput
from gis.identity.access import Acting
from gis.identity.records import Actor
from gis.settings import LocaleSettings, StoreSettings

if TYPE_CHECKING:
    from gis.usecases.runtime import Runtime


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
            raise DomainFailure(f"{as_option(ctx, exc.detail)} [{exc.code}]") from exc


def _options(command: object) -> set[str]:
    names = {n for p in getattr(command, "params", []) for n in getattr(p, "opts", [])}
    for sub in getattr(command, "commands", {}).values():
        names |= _options(sub)
    return names


def as_option(ctx: ClickContext, detail: str) -> str:
    """A domain error in the CLI's words: its leading field as the option (``crs`` → ``--crs``).

    The use cases name fields as the HTTP API does; a command line user typed an option.
    """
    field, sep, rest = detail.partition(": ")
    option = "--" + field.replace("_", "-")
    if sep and field.replace("_", "").isalnum() and option in _options(ctx.command):
        return f"{option}{sep}{rest}"
    return detail


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
areas_app = typer.Typer(
    help="List and show stored areas (`gridmap areas --as-of T` lists them as of T)."
)
sample_app = typer.Typer(help="The 学院路 sample boundaries.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
app.add_typer(sample_app, name="sample")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@dataclass
class Context:
    """What every command gets: the settings read once at start."""

    store: StoreSettings


@app.callback()
def _settings(ctx: typer.Context) -> None:
    clock.use_zone(LocaleSettings().time_zone)
    ctx.obj = Context(store=StoreSettings())


def settings_of(ctx: typer.Context) -> StoreSettings:
    """The settings read once by the root callback."""
    return ctx.ensure_object(Context).store


def say(*lines: str) -> None:
    """Print lines on stdout as they are (no markup, no highlighting)."""
    for line in lines:
        out.print(line, markup=False, highlight=False)


def warn(*lines: str) -> None:
    """Print lines on stderr as they are."""
    for line in lines:
        err.print(line, markup=False, highlight=False)


@contextmanager
def runtime(ctx: typer.Context) -> Iterator[Runtime]:
    """The `Runtime` a command works with (store, catalogues, caches), closed afterwards."""
    from gis.usecases.runtime import running

    with running(settings_of(ctx), pool_size=2) as rt:
        yield rt


def machine() -> Acting:
    """Who a command acts as: the OS user (``os:<user>``, source ``cli``).

    The command has the machine owner's authority (it reaches the database directly); its
    writes are still audited.
    """
    return Acting.machine(Actor(principal=f"os:{getpass.getuser()}", source="cli"))


def level_option(value: str) -> Level:
    """Parse ``--level`` (English or Chinese), as a usage error when unknown."""
    try:
        return parse_level(value)
    except InvalidInput as exc:
        raise typer.BadParameter(exc.detail) from None


LevelOption = Annotated[
    Level,
    typer.Option(
        "--level", "-l", parser=level_option, help="district | subdistrict | community | grid"
    ),
]
