"""Settings, read once at the entry points (the CLI, ``create_app``) and passed down.

Environment variables use the ``GRIDMAP_`` prefix; the database URL may also be given as the
conventional ``DATABASE_URL``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
"""The shared public data next to the checkout (OSM extracts, codes); read, never shipped."""
SAMPLE_DIR = PROJECT_ROOT / "data" / "boundaries"
SAMPLE_ADDRESSES = PROJECT_ROOT / "data" / "addresses" / "xueyuanlu_addresses.geojson"
SAMPLE_STATIONS = PROJECT_ROOT / "data" / "stations" / "xueyuanlu_stations.geojson"
SAMPLE_OSM = SHARED_DATA / "osm" / "osm_beijing_haidian_cau_east_campus.osm"


class StoreSettings(BaseSettings):
    """Where the PostGIS store lives.

    ``database_url`` set (``DATABASE_URL`` or ``GRIDMAP_DATABASE_URL``) means an external
    PostGIS; unset means the embedded default: a private cluster under ``data_dir``.
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("GRIDMAP_DATABASE_URL", "DATABASE_URL"),
    )
    data_dir: Path = PROJECT_ROOT / ".gridmap"
    database_name: str = "gridmap"
    connect_timeout: float = Field(default=2.0, ge=0)
    """Seconds to wait for a new connection (``GRIDMAP_CONNECT_TIMEOUT``; libpq's least is 2)."""
    statement_timeout: float = Field(default=30.0, ge=0)
    """Seconds one statement may run before the server cancels it (0: no limit)."""
    lock_timeout: float = Field(default=5.0, ge=0)
    """Seconds a statement waits for a lock (e.g. the areas write lock of a load or a publish),
    and for a free connection of the pool (0: no limit)."""
    idle_in_transaction_timeout: float = Field(default=10.0, ge=0)
    """Seconds a transaction may sit idle before the server ends its session (0: no limit)."""


class UploadSettings(BaseSettings):
    """Boundary files sent over HTTP (``POST /checks``, ``POST /plans``): what one may hold.

    ``max_areas`` (``GRIDMAP_MAX_AREAS``) features per file; ``max_unzipped_bytes`` for the
    members of a zip together (refused before anything is extracted); ``work_seconds`` for
    reading and checking one upload, after which the work stops (as it does when the client
    disconnects).
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    max_areas: int = Field(default=20_000, gt=0)
    max_unzipped_bytes: int = Field(default=512 * 2**20, gt=0)
    work_seconds: float = Field(default=60.0, gt=0)


class ServerSettings(BaseSettings):
    """How ``gridmap serve`` runs the API."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1


class IncidentSettings(BaseSettings):
    """Incident intake: the service catalogue and the idempotency keys' lifetime.

    Reporters' names and phones are masked in every listing and export; one incident's are
    shown only to a caller with ``pii:read`` on its area who asks (``?reveal=contact``),
    and each reveal is audited (`gis.usecases.incidents.details`).
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    catalogue: Path = PROJECT_ROOT / "data" / "catalogue" / "services.yaml"
    supervise_seconds: float = Field(default=300, ge=0)
    """How often ``gridmap serve`` escalates overdue incidents (``GRIDMAP_SUPERVISE_SECONDS``;
    0: never, leave it to ``gridmap incidents supervise`` from cron)."""
    idempotency_hours: float = Field(default=24, gt=0)
    """How long an HTTP ``Idempotency-Key`` answers its first incident
    (``GRIDMAP_IDEMPOTENCY_HOURS``); import keys never expire."""


class LookupSettings(BaseSettings):
    """Point lookup while the store cannot be reached.

    ``lookup_stale_seconds`` (``GRIDMAP_LOOKUP_STALE_SECONDS``): for this long after the store
    last confirmed the boundaries in memory, lookups go on answering from them, marked stale
    (``X-Areas-Stale: true``); later, and for writes, the answer is 503. 0 turns it off.
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    lookup_stale_seconds: float = Field(default=3600.0, ge=0)


class MapSettings(BaseSettings):
    """Map pages: the 天地图 key (``GRIDMAP_TIANDITU_TK``) for the tianditu basemap.

    ``GRIDMAP_MAP_TILES_ABOVE``: a grid map of more areas than this draws them from the vector
    tiles of ``/ogc/collections/{id}/tiles`` instead of embedding their GeoJSON.
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    tianditu_tk: str | None = None
    map_tiles_above: int = Field(default=5_000, ge=0)


class LocaleSettings(BaseSettings):
    """The time zone (``GRIDMAP_TIME_ZONE``, an IANA name; default Asia/Shanghai).

    Naive dates and times in input are read in it and every time shown (pages, notices, JSON)
    is given in it; stored times stay timezone-aware. See `gis.clock`.
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    time_zone: str = "Asia/Shanghai"
