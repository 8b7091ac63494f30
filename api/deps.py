"""Per-request dependencies: a database connection from the engine the app owns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from gis.db.engine import Connection, connect


def _connection(request: Request) -> Iterator[Connection]:
    with connect(request.app.state.engine) as conn:
        yield conn


DB = Annotated[Connection, Depends(_connection)]
