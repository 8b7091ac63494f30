"""The ``gridmap`` command line: store, loads, exports, areas, the sample, the server, the demo.

The CLI is an entry point, so it lives in the outermost layer: each command parses its
arguments, builds a `Runtime` (``api.cli.base.runtime``), calls a use case of `gis.usecases`
and prints the result. Domain errors print one line on stderr and exit 1; usage errors exit 2.
"""

from api.cli import (
    addresses,
    areas,
    boundaries,
    db,
    incidents,
    lookup,
    maps,
    plans,
    roster,
    serve,
    stations,
    users,
)
from api.cli.base import app

__all__ = [
    "addresses",
    "app",
    "areas",
    "boundaries",
    "db",
    "incidents",
    "lookup",
    "main",
    "maps",
    "plans",
    "roster",
    "serve",
    "stations",
    "users",
]


def main() -> None:
    """Run the ``gridmap`` CLI."""
    app()
