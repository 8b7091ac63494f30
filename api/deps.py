"""What every route shares: the `Runtime` the app's lifespan built, and body field types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import StrictFloat, StrictInt, StrictStr

from gis.limits import ID_MAX
from gis.usecases.runtime import Runtime


def runtime(request: Request) -> Runtime:
    """The app's `Runtime` (built once in ``create_app``'s lifespan)."""
    found: Runtime = request.app.state.runtime
    return found


Rt = Annotated[Runtime, Depends(runtime)]


Coordinate = StrictFloat | StrictInt | StrictStr
"""A coordinate in a JSON body: a number or its text (parsed by `gis.values.parse_point`); never
a boolean, which JSON validation would otherwise read as 1 or 0."""


Id = Annotated[int, Path(ge=1, le=ID_MAX, description="an id (1 … 2^63 − 1)")]
"""An incident, plan or station id in a path."""

Offset = Annotated[int, Query(ge=0, le=ID_MAX, description="rows to skip")]
"""How many rows of a listing to skip."""
