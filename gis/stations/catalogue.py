"""The station types catalogue (YAML): codes, Chinese and English names, service tiers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gis.errors import InvalidInput
from gis.settings import PROJECT_ROOT

DEFAULT_STATION_TYPES = PROJECT_ROOT / "data" / "catalogue" / "station_types.yaml"


class UnknownStationType(InvalidInput):
    """A station type that the catalogue does not list."""


@dataclass(frozen=True)
class Tier:
    """A service tier: walking minutes and the circle radius that approximates them."""

    minutes: float
    radius_m: float


@dataclass(frozen=True)
class StationType:
    """One station type."""

    code: str
    zh: str
    en: str
    group: str
    tiers: tuple[Tier, ...]


def _tiers(rows: list[dict[str, Any]]) -> tuple[Tier, ...]:
    tiers = tuple(Tier(float(r["minutes"]), float(r["radius_m"])) for r in rows)
    if not tiers or any(t.minutes <= 0 or t.radius_m <= 0 for t in tiers):
        raise InvalidInput(f"station types: tiers need minutes > 0 and radius_m > 0: {rows}")
    return tuple(sorted(tiers, key=lambda t: t.minutes))


class StationCatalogue:
    """The station types by code; a type is found by code, Chinese or English name.

    Examples
    --------
    >>> catalogue = StationCatalogue.load()
    >>> catalogue.find("红色驿站").code, catalogue.find("police_room").zh
    ('red_post', '警务室')
    >>> [t.radius_m for t in catalogue.find("school").tiers]
    [300.0, 500.0, 1000.0]
    >>> catalogue.find("网吧")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.stations.catalogue.UnknownStationType: type: unknown station type '网吧'; valid: party_...
    """

    def __init__(self, types: list[StationType]) -> None:
        self.types = {t.code: t for t in types}

    @classmethod
    def load(cls, path: Path = DEFAULT_STATION_TYPES) -> StationCatalogue:
        """Read the YAML catalogue (``tiers`` and ``types``)."""
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            default = _tiers(doc["tiers"])
            types = [
                StationType(
                    code=str(row["code"]),
                    zh=str(row["zh"]),
                    en=str(row["en"]),
                    group=str(row.get("group", "")),
                    tiers=_tiers(row["tiers"]) if "tiers" in row else default,
                )
                for row in doc["types"]
            ]
        except (OSError, TypeError, KeyError, ValueError, yaml.YAMLError) as exc:
            raise InvalidInput(f"station types: cannot read {path}: {exc!r}") from exc
        return cls(types)

    def __iter__(self) -> Iterator[StationType]:
        return iter(self.types.values())

    def valid(self) -> str:
        """The valid types, for messages: ``code (中文)``, comma-separated."""
        return ", ".join(f"{t.code} ({t.zh})" for t in self)

    def find(self, code_or_name: str, field: str = "type") -> StationType:
        """The type with this code, Chinese or English name (case-insensitive for English)."""
        wanted = str(code_or_name).strip()
        for station_type in self:
            names = (station_type.code, station_type.en.lower(), station_type.zh)
            if wanted in names or wanted.lower() in names:
                return station_type
        raise UnknownStationType(
            f"{field}: unknown station type {code_or_name!r}; valid: {self.valid()}"
        )
