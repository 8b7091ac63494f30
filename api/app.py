"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routes import areas, health, lookup, maps, open311, plans, stats
from api.routes import incidents as incident_routes
from api.routes import stations as station_routes
from gis.db import engine as db_engine
from gis.db import store
from gis.db.intake import AddressRegistry
from gis.db.lookup import LookupCache
from gis.incidents.catalogue import Catalogue
from gis.settings import IncidentSettings, MapSettings, StoreSettings
from gis.stations.service import Access


def create_app(
    settings: StoreSettings | None = None, incidents: IncidentSettings | None = None
) -> FastAPI:
    """Build the app; its lifespan owns the database engine and the in-memory indexes.

    ``app.state.engine`` is the SQLAlchemy engine; ``app.state.lookup`` the `LookupCache`
    (in-memory point-in-area indexes, checked against the store's version on every lookup);
    ``app.state.catalogue`` the incident categories; ``app.state.addresses`` the standard-address
    registry; ``app.state.incident_settings`` the incident settings.
    """
    settings = settings or StoreSettings()
    incidents = incidents or IncidentSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = db_engine.make_engine(store.database_url(settings), pool_size=5)
        app.state.lookup = LookupCache(app.state.engine)
        app.state.catalogue = Catalogue.load(incidents.catalogue)
        app.state.addresses = AddressRegistry(app.state.engine)
        app.state.incident_settings = incidents
        app.state.map_settings = MapSettings()
        app.state.access = Access()
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
    app.include_router(incident_routes.router)
    app.include_router(maps.router)
    app.include_router(open311.router)
    app.include_router(stats.router)
    app.include_router(station_routes.router)
    return app


def app_factory() -> FastAPI:
    """Entry for ``uvicorn --factory api.app:app_factory`` (settings from the environment)."""
    return create_app(StoreSettings())
