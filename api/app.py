"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from api.routes import areas, docs, health, lookup, maps, open311, plans
from api.routes import incidents as incident_routes
from api.routes import stations as station_routes
from api.uploads import BodyLimits
from gis.settings import IncidentSettings, StoreSettings
from gis.usecases.runtime import Runtime


class HeadAsGet:
    """Answer ``HEAD`` as the ``GET`` of the same URL would, without the body (RFC 9110 9.3.2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass every request on; a HEAD one as a GET whose body is not sent."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def create_app(
    settings: StoreSettings | None = None, incidents: IncidentSettings | None = None
) -> FastAPI:
    """Build the app; its lifespan owns the `Runtime` (engine, catalogues, in-memory indexes).

    ``app.state.runtime`` is what every route hands to the use cases: the store, the settings,
    the catalogues and the caches (the lookup indexes, checked against the store's version on
    every lookup; the address registry; the walking network).
    """
    settings = settings or StoreSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = Runtime.start(settings, incidents=incidents)
        try:
            yield
        finally:
            app.state.runtime.close()

    app = FastAPI(
        title="gridmap",
        summary="Grids for grassroots grid governance (网格化服务管理): areas, lookup, incidents.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.docs with local assets
        redoc_url=None,
    )
    errors.install(app)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimits)  # per-route body limits, before a route reads a byte
    for module in (
        docs,
        health,
        areas,
        plans,
        lookup,
        incident_routes,
        maps,
        open311,
        station_routes,
    ):
        app.include_router(module.router)
    return app


def app_factory() -> FastAPI:
    """Entry for ``uvicorn --factory api.app:app_factory`` (settings from the environment)."""
    return create_app(StoreSettings())
