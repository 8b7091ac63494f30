"""An incident report as it arrives (any source), validated into a typed value at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from gis import clock
from gis.errors import InvalidInput
from gis.incidents.catalogue import Catalogue
from gis.limits import DESCRIPTION_CHARS
from gis.values import optional_time, parse_attributes, parse_number, parse_point, parse_text

MAX_DESCRIPTION = DESCRIPTION_CHARS
SOURCES = ("app", "hotline", "grid_worker", "import", "open311")


@dataclass(frozen=True)
class IncidentReport:
    """A validated report: category, description, where (point and/or address), who, how."""

    category: str
    description: str = ""
    lon: float | None = None  # WGS84, converted at the edge
    lat: float | None = None
    input_crs: str | None = None
    input_x: float | None = None
    input_y: float | None = None
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    source: str = "app"
    severity: int = 3
    reported_at: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def has_point(self) -> bool:
        """True when coordinates were given."""
        return self.lon is not None and self.lat is not None


def _point(data: dict[str, Any]) -> dict[str, Any]:
    x, y = parse_number(data.get("lon"), "lon"), parse_number(data.get("lat"), "lat")
    if (x is None) != (y is None):
        missing = "lat" if y is None else "lon"
        raise InvalidInput(f"{missing}: give both lon and lat, or an address")
    if x is None or y is None:
        return {}
    point = parse_point(x, y, str(data.get("crs") or "wgs84"), where="lon/lat")
    return {
        "lon": point.lon,
        "lat": point.lat,
        "input_crs": str(point.crs),
        "input_x": point.x,
        "input_y": point.y,
    }


CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of this server's clock a reporter's clock may run."""


def _not_ahead(reported_at: datetime | None) -> datetime | None:
    if reported_at is not None and reported_at > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidInput(f"reported_at: {clock.iso(reported_at)} is in the future")
    return reported_at


def parse_report(data: dict[str, Any], catalogue: Catalogue) -> IncidentReport:
    """Validate a raw report (keys as in the native API); errors name the field and the reason.

    Examples
    --------
    >>> r = parse_report({"category": "安全隐患", "lon": 116.35, "lat": 40.0}, Catalogue.load())
    >>> r.category, r.has_point
    ('hazard', True)
    >>> parse_report({"category": "hazard"}, Catalogue.load())
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: location: give lon and lat (with crs), or an address
    """
    category = catalogue.find(str(data.get("category") or ""), field="category").code
    description = parse_text(data.get("description"), "description", MAX_DESCRIPTION) or ""
    point = _point(data)
    address = parse_text(data.get("address"), "address", 500)
    if not point and not address:
        raise InvalidInput("location: give lon and lat (with crs), or an address")
    source = str(data.get("source") or "app")
    if source not in SOURCES:
        raise InvalidInput(f"source: {source!r} is not one of {', '.join(SOURCES)}")
    severity = parse_number(data.get("severity"), "severity")
    if severity is not None and not (1 <= severity <= 5 and severity.is_integer()):
        raise InvalidInput(f"severity: {severity} is not a whole number 1–5")
    return IncidentReport(
        category=category,
        description=description,
        address=address,
        source=source,
        reporter_name=parse_text(data.get("reporter_name"), "reporter_name"),
        reporter_phone=parse_text(data.get("reporter_phone"), "reporter_phone", 40),
        severity=int(severity or 3),
        reported_at=_not_ahead(optional_time(data.get("reported_at"), "reported_at")),
        attributes=parse_attributes(data.get("attributes")),
        **point,
    )
