"""The ``gridmap`` command line: store, loads, exports, areas, the sample, the server, the demo.

The CLI is an entry point, so it lives in the outermost layer (it starts the API server and
will render maps); settings are read once, in the root callback, and passed down. Domain errors
print one line on stderr and exit 1; usage errors exit 2.
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
    serve,
    stations,
)
from api.cli.base import SAMPLE_DIR, app
from api.cli.serve import load_sample

__all__ = [
    "SAMPLE_DIR",
    "addresses",
    "app",
    "areas",
    "boundaries",
    "db",
    "incidents",
    "load_sample",
    "lookup",
    "main",
    "maps",
    "plans",
    "serve",
    "stations",
]


def main() -> None:
    """Run the ``gridmap`` CLI."""
    app()
