"""The grid worker's phone page (网格员手机端), at ``/maps/worker.html``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.access import requires
from gis.identity.access import Acting
from maps.worker import CSP, worker_page

router = APIRouter(tags=["maps"])


@router.get("/maps/worker.html", response_class=HTMLResponse)
def worker(
    request: Request,
    acting: Annotated[Acting, requires("maps:read")],
    crs: Annotated[
        str, Query(pattern="^(wgs84|gcj02|bd09)$", description="positions in wgs84|gcj02|bd09")
    ] = "wgs84",
) -> HTMLResponse:
    """The phone page: my tasks, one task, report at my position, my grid (360 px wide).

    One task shows its map and history and lets the worker accept, start and resolve it with a
    note and a photo URL. ``crs`` presets the positions' coordinate system (GCJ-02 in WeChat
    and AMap webviews).
    """
    csrf = getattr(request.state, "csrf", None) or ""
    page = worker_page(login=acting.login, csrf=csrf, crs=crs)
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}
    return HTMLResponse(page, headers=headers)
