"""Incidents as JSON for listings and exports: personal data masked unless allowed."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from gis import clock
from gis.incidents.lifecycle import LABELS_ZH, OPEN
from gis.incidents.privacy import mask_name, mask_phone
from gis.incidents.records import Incident, IncidentDetails

HIDDEN = ("input_x", "input_y")  # shown together as `input`
PUBLIC_ATTRIBUTES = ("media_url", "attribute", "address_match")
"""Attributes a masked view shows: a photo's address, the service's own questions and how the
address was matched (`gis.incidents.intake.located_by`: no more than the address shown). Anything
else a report brings along (an Open311 email, device or account id, a client's own fields) may
be personal and is shown only where personal data is."""
SHOWN = tuple(f.name for f in fields(Incident) if f.name not in HIDDEN)


def public_view(
    incident: Incident, *, personal: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """One incident as JSON-ready data; ``personal`` shows the reporter's name and phone.

    Examples
    --------
    >>> due = datetime(2026, 1, 2, tzinfo=UTC)
    >>> incident = Incident(id=1, category="hazard", status="reported", reported_at=due,
    ...     updated_at=due, due_at=due, reporter_phone="13812345678", reporter_name="张三")
    >>> view = public_view(incident, now=datetime(2026, 1, 3, tzinfo=UTC))
    >>> view["reporter_phone"], view["reporter_name"], view["overdue"], view["status_zh"]
    ('138****5678', '张*', True, '已收集')
    """
    view = {name: _plain(getattr(incident, name)) for name in SHOWN}
    if not personal:
        view["reporter_phone"] = mask_phone(incident.reporter_phone)
        view["reporter_name"] = mask_name(incident.reporter_name)
        view["attributes"] = {
            k: v for k, v in (incident.attributes or {}).items() if k in PUBLIC_ATTRIBUTES
        }
    if incident.input_x is not None:
        view["input"] = {"x": incident.input_x, "y": incident.input_y, "crs": incident.input_crs}
    view["status_zh"] = LABELS_ZH.get(incident.status, "")
    now = now or datetime.now(UTC)
    view["overdue"] = incident.status in OPEN and incident.due_at < now
    return view


def details_view(details: IncidentDetails, *, personal: bool = False) -> dict[str, Any]:
    """`public_view` with the incident's log (``events``) and linked incidents (``links``)."""
    view = public_view(details.incident, personal=personal)
    view["events"] = [{k: _plain(v) for k, v in asdict(e).items()} for e in details.events]
    view["links"] = [asdict(link) for link in details.links]
    return view


def _plain(value: Any) -> Any:
    return clock.iso(value) if isinstance(value, datetime) else value
