"""`Runtime`: what every use case works with — the store, the settings, catalogues and caches.

An entry point builds one `Runtime` (``create_app``'s lifespan for the HTTP service, each CLI
command for the command line), hands it to every use case, and closes it at the end. Nothing
below reads the environment or a catalogue file on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from gis import clock
from gis.db import store
from gis.db.engine import (
    Connection,
    Engine,
    connect,
    make_engine,
    server_versions,
    transaction,
)
from gis.dispatch.departments import Departments
from gis.dispatch.rules import Rules
from gis.identity.tokens import TokenCache
from gis.incidents.catalogue import Catalogue
from gis.settings import (
    IncidentSettings,
    LocaleSettings,
    LookupSettings,
    MapSettings,
    StoreSettings,
    UploadSettings,
)
from gis.stations.catalogue import StationCatalogue
from gis.stations.settings import AccessSettings
from gis.usecases.incidents import AddressRegistry
from gis.usecases.lookup import LookupCache
from gis.usecases.stations import NetworkCache

TOKEN_CACHE_SECONDS = 10.0
"""How long a checked bearer token is believed without asking the store again: a revocation
or a disabled user takes effect in every process within this time."""


@dataclass
class Runtime:
    """The store and the state shared by the use cases of one process.

    Attributes
    ----------
    engine : Engine
        The SQLAlchemy engine on the store (its pool is the process's connections).
    catalogue : Catalogue
        The incident categories (Open311 services).
    station_types : StationCatalogue
        The station types and their tiers.
    departments, dispatch_rules : Departments, Rules
        The departments (职能部门) and the dispatch rules (``data/catalogue/*.yaml``), checked
        against the catalogue when the runtime is built.
    access : AccessSettings
        Walking speed, isochrone buffer, snapping distance, coverage minutes.
    incidents : IncidentSettings
        Incident intake settings.
    maps : MapSettings
        Map page settings (the 天地图 key).
    uploads : UploadSettings
        What one boundary file sent over HTTP may hold, and how long its work may take.
    lookup_settings : LookupSettings
        How long lookups may answer from memory while the store is unreachable.
    tokens
        The principals of bearer tokens checked in the last `TOKEN_CACHE_SECONDS`.
    lookup, addresses, networks
        What the process keeps in memory, each kept fresh against the store and built lazily
        on first use: the lookup indexes (`gis.usecases.lookup.LookupCache`), the standard
        addresses with the place names they are read with, the shipped code lists and the
        current areas' names (`gis.usecases.incidents.AddressRegistry`), and the current
        walking network (`gis.usecases.stations.NetworkCache`).
    """

    engine: Engine
    catalogue: Catalogue
    station_types: StationCatalogue
    access: AccessSettings = field(default_factory=AccessSettings)
    incidents: IncidentSettings = field(default_factory=IncidentSettings)
    maps: MapSettings = field(default_factory=MapSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    lookup_settings: LookupSettings = field(default_factory=LookupSettings)
    departments: Departments = field(default_factory=Departments.load)
    dispatch_rules: Rules = field(default_factory=Rules.load)
    lookup: LookupCache = field(init=False)
    tokens: TokenCache = field(init=False)
    addresses: AddressRegistry = field(init=False)
    networks: NetworkCache = field(init=False)

    def __post_init__(self) -> None:
        self.dispatch_rules.check(
            {c.code for c in self.catalogue},
            {c for d in self.departments for c in d.categories},
        )
        self.lookup = LookupCache(
            self.engine, stale_seconds=self.lookup_settings.lookup_stale_seconds
        )
        self.addresses = AddressRegistry(self.engine, lookup=self.lookup)
        self.tokens = TokenCache(ttl=TOKEN_CACHE_SECONDS)
        self.networks = NetworkCache()

    @classmethod
    def start(
        cls,
        settings: StoreSettings,
        *,
        incidents: IncidentSettings | None = None,
        access: AccessSettings | None = None,
        maps: MapSettings | None = None,
        locale: LocaleSettings | None = None,
        pool_size: int = 5,
    ) -> Runtime:
        """Open an engine on the configured store and read the catalogues the settings name.

        Also sets the process's time zone (`gis.clock.use_zone`) from ``locale``.
        """
        clock.use_zone((locale or LocaleSettings()).time_zone)
        incidents = incidents or IncidentSettings()
        access = access or AccessSettings()
        return cls(
            engine=make_engine(
                store.database_url(settings), timeouts=settings, pool_size=pool_size
            ),
            catalogue=Catalogue.load(incidents.catalogue),
            station_types=StationCatalogue.load(access.station_types),
            access=access,
            incidents=incidents,
            maps=maps or MapSettings(),
        )

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (nothing it does is committed)."""
        with connect(self.engine) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with transaction(self.engine) as conn:
            yield conn

    def close(self) -> None:
        """Drop the caches and close every connection."""
        self.lookup.close()
        self.engine.dispose()


@contextmanager
def running(settings: StoreSettings, *, pool_size: int = 5) -> Iterator[Runtime]:
    """A `Runtime` for the duration of a block (a CLI command, a script), closed afterwards."""
    runtime = Runtime.start(settings, pool_size=pool_size)
    try:
        yield runtime
    finally:
        runtime.close()


def store_versions(rt: Runtime) -> dict[str, str]:
    """The store answers: its PostgreSQL and PostGIS versions (`StoreUnavailable` when not)."""
    with rt.read() as conn:
        return server_versions(conn)
