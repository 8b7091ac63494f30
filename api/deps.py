"""Per-request dependencies: the `Runtime` the app's lifespan built (store, caches, catalogues)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gis.usecases.runtime import Runtime


def runtime(request: Request) -> Runtime:
    """The app's `Runtime` (built once in ``create_app``'s lifespan)."""
    found: Runtime = request.app.state.runtime
    return found


Rt = Annotated[Runtime, Depends(runtime)]
