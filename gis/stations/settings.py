"""Settings of stations and accessibility, read once at the entry points (``GRIDMAP_`` prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from gis.stations.catalogue import DEFAULT_STATION_TYPES


class AccessSettings(BaseSettings):
    """Walking speed, isochrone buffer, snapping distance, the tier used by coverage and siting.

    ``GRIDMAP_WALK_SPEED_KMH=4.2`` (say) changes the default speed everywhere.
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    station_types: Path = DEFAULT_STATION_TYPES
    walk_speed_kmh: float = 4.8
    isochrone_buffer_m: float = 25.0
    snap_max_m: float = 200.0
    coverage_minutes: float = 15.0
