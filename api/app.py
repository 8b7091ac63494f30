"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from api import errors, openapi
from api.middleware import HeadAsGet, RequestGuard
from api.routes import area_files as area_file_routes
from api.routes import areas, audit, auth, docs, health, lookup, maps, ogc_tiles, open311, plans
from api.routes import editor as editor_routes
from api.routes import incidents as incident_routes
from api.routes import ogc as ogc_routes
from api.routes import plan_files as plan_file_routes
from api.routes import plan_review as plan_review_routes
from api.routes import reports as report_routes
from api.routes import roster as roster_routes
from api.routes import stations as station_routes
from api.routes import worker as worker_routes
from api.uploads import BodyLimits
from gis.errors import GridmapError
from gis.identity.settings import AuthSettings
from gis.settings import IncidentSettings, StoreSettings
from gis.usecases import dispatch
from gis.usecases.runtime import Runtime

LOG = logging.getLogger("gridmap.api")


def create_app(
    settings: StoreSettings | None = None,
    incidents: IncidentSettings | None = None,
    auth_settings: AuthSettings | None = None,
) -> FastAPI:
    """Build the app; its lifespan owns the `Runtime` (engine, catalogues, in-memory indexes).

    ``app.state.runtime`` is what every route hands to the use cases: the store, the settings,
    the catalogues and the caches (the lookup indexes, checked against the store's version on
    every lookup; the address registry; the walking network). ``app.state.auth_settings``
    holds the sign-in settings (lockout, session timeouts, TOTP), read once here.
    """
    settings = settings or StoreSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = Runtime.start(settings, incidents=incidents)
        supervision = asyncio.create_task(supervising(app.state.runtime))
        try:
            yield
        finally:
            supervision.cancel()
            app.state.runtime.close()

    app = FastAPI(
        title="gridmap",
        summary="Grids for grassroots grid governance (网格化服务管理): areas, lookup, incidents.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.docs with local assets
        redoc_url=None,
    )
    app.state.auth_settings = auth_settings or AuthSettings()
    errors.install(app)
    openapi.install(app)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimits)  # per-route body limits, before a route reads a byte
    app.add_middleware(RequestGuard)  # outermost: ids every answer, HEAD's too
    for module in (
        docs,
        health,
        auth,
        audit,
        area_file_routes,
        areas,
        ogc_tiles,  # before any /ogc/collections/{collection_id}/… route of OGC API Features
        ogc_routes,  # OGC API Features under /ogc
        plan_file_routes,  # before plans: /plans/{plan_id} would take /plans/3.gpkg
        plans,
        plan_review_routes,
        lookup,
        report_routes,  # /incidents.csv, /stats.xlsx
        incident_routes,
        maps,
        open311,
        station_routes,
        roster_routes,
        worker_routes,
        editor_routes,
    ):
        app.include_router(module.router)
    return app


async def supervising(rt: Runtime) -> None:
    """Escalate overdue incidents every ``supervise_seconds`` (督办) while the app runs.

    With several workers each runs it; the rows one is escalating are skipped by the others.
    A failure (the store down) is logged and tried again next time.
    """
    every = rt.incidents.supervise_seconds
    while every > 0:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(dispatch.supervise, rt, now=datetime.now(UTC))
        except GridmapError as exc:
            LOG.warning("supervision: %s", exc.code)


def app_factory() -> FastAPI:
    """Entry for ``uvicorn --factory api.app:app_factory`` (settings from the environment)."""
    return create_app(StoreSettings())
