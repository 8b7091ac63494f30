"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routes import areas, health, lookup, plans
from gis.db import engine as db_engine
from gis.db import store
from gis.db.lookup import LookupCache
from gis.settings import StoreSettings

GEOJSON = "application/geo+json"


def create_app(settings: StoreSettings | None = None) -> FastAPI:
    """Build the app; its lifespan owns the database engine and the lookup indexes.

    ``app.state.engine`` is the SQLAlchemy engine; ``app.state.lookup`` the `LookupCache`
    (in-memory point-in-area indexes, checked against the store's version on every lookup).
    """
    settings = settings or StoreSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = db_engine.make_engine(store.database_url(settings), pool_size=5)
        app.state.lookup = LookupCache(app.state.engine)
        try:
            yield
        finally:
            app.state.lookup.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="gridmap",
        summary="Grids for grassroots grid governance (网格化服务管理): areas, lookup, incidents.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(areas.router)
    app.include_router(plans.router)
    app.include_router(lookup.router)
    return app


def app_factory() -> FastAPI:
    """Entry for ``uvicorn --factory api.app:app_factory`` (settings from the environment)."""
    return create_app(StoreSettings())
