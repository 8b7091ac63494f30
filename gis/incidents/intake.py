"""The rules of intake, the same for one report and for a batch of thousands.

A report is placed by its coordinates (the reporter's own) or else by its address matched in the
standard-address registry; a placed report is ``reported``, an unplaced one waits in the
``needs_location`` queue; it is due its category's SLA hours after it was reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gis.incidents.addresses import AddressMatch
from gis.incidents.catalogue import Category
from gis.incidents.keys import IdempotencyKey, fingerprint
from gis.incidents.records import NewIncident
from gis.incidents.report import IncidentReport


@dataclass(frozen=True)
class Placement:
    """Where a report was placed: WGS84 point, grid, and how it was found.

    ``method`` is ``coordinates``, ``address_exact``, ``address_normalised``,
    ``address_building``, ``address_fuzzy`` or ``none``; ``match`` explains how its address
    was read and matched (also when it matched nothing).
    """

    lon: float | None
    lat: float | None
    grid_code: str | None
    method: str
    address_id: int | None = None
    score: float | None = None
    match: AddressMatch | None = None

    @property
    def located(self) -> bool:
        """True when the report has a point."""
        return self.lon is not None and self.lat is not None


UNPLACED = Placement(None, None, None, "none")
AS_REPORTED = (
    "category",
    "description",
    "input_crs",
    "input_x",
    "input_y",
    "address",
    "severity",
    "reporter_name",
    "reporter_phone",
    "source",
)
"""The fields of a new incident taken from the report as they are."""
ADDRESS_MATCH = "address_match"
"""The attribute that explains how an incident's address was matched (`located_by`)."""


def located_by(attributes: dict[str, Any], match: AddressMatch | None) -> dict[str, Any]:
    """An incident's attributes with the explanation of its address match (none: without).

    The key is the service's own: a report's attribute of that name is replaced.

    Examples
    --------
    >>> located_by({"channel": "12345", ADDRESS_MATCH: "forged"}, None)
    {'channel': '12345'}
    """
    kept = {k: v for k, v in attributes.items() if k != ADDRESS_MATCH}
    return kept if match is None else {**kept, ADDRESS_MATCH: match.explanation()}


def initial_status(placement: Placement) -> str:
    """``reported`` when the report has a place, else ``needs_location``.

    Examples
    --------
    >>> initial_status(UNPLACED)
    'needs_location'
    """
    return "reported" if placement.located else "needs_location"


def new_incident(
    report: IncidentReport,
    placement: Placement,
    category: Category,
    now: datetime,
    key: IdempotencyKey | None = None,
) -> NewIncident:
    """The row to write for a placed report (reported now unless it says when).

    A row with an idempotency ``key`` carries the report's fingerprint, stored with the key.

    Examples
    --------
    >>> from datetime import UTC
    >>> from gis.incidents.catalogue import Catalogue
    >>> hazard = Catalogue.load()["hazard"]
    >>> row = new_incident(IncidentReport("hazard", address="x"), UNPLACED, hazard,
    ...                    datetime(2026, 1, 1, tzinfo=UTC))
    >>> row.status, (row.due_at - row.reported_at).total_seconds() / 3600 == hazard.sla_hours
    ('needs_location', True)
    """
    reported_at = report.reported_at or now
    return NewIncident(
        **{name: getattr(report, name) for name in AS_REPORTED},
        attributes=located_by(report.attributes, placement.match),
        lon=placement.lon,
        lat=placement.lat,
        address_id=placement.address_id,
        location_method=placement.method,
        match_score=placement.score,
        grid_code=placement.grid_code,
        status=initial_status(placement),
        reported_at=reported_at,
        due_at=reported_at + timedelta(hours=category.sla_hours),
        key=key,
        fingerprint=None if key is None else fingerprint(report),
    )
