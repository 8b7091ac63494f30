"""Open311 GeoReport v2: the catalogue as services, requests in and out — pure mapping.

GeoReport v2 (wiki.open311.org/GeoReport_v2) names things its own way: ``service_code`` is our
category, ``lat``/``long`` our ``lat``/``lon``, ``address_string`` our ``address``,
``first_name``/``last_name``/``phone`` our reporter. The request fields the native report has
no column for (``email``, ``device_id``, ``account_id``, ``media_url``, ``attribute[…]``) are
kept in the incident's ``attributes``; ``api_key`` and ``jurisdiction_id`` are not stored (the
key only scopes idempotency keys, `gis.incidents.keys`). Personal data never leaves in a
request listing: the view is built from the masked one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from gis import clock
from gis.errors import InvalidInput
from gis.incidents.catalogue import Catalogue, Category
from gis.incidents.lifecycle import LABELS_ZH, open311_status
from gis.incidents.records import Incident
from gis.incidents.views import public_view
from gis.values import Period, parse_number

KEPT = ("email", "device_id", "account_id", "media_url")
IGNORED = ("api_key", "jurisdiction_id")


def service(category: Category, *, lang: str = "zh") -> dict[str, Any]:
    """One category as an Open311 service (``service_name`` in Chinese, or English for "en").

    Examples
    --------
    >>> s = service(Catalogue.load()["hazard"])
    >>> s["service_code"], s["service_name"], s["type"], s["metadata"]
    ('hazard', '安全隐患', 'realtime', False)
    >>> service(Catalogue.load()["hazard"], lang="en")["service_name"]
    'Safety hazard'
    """
    english = lang.lower().startswith("en")
    return {
        "service_code": category.code,
        "service_name": category.en if english else category.zh,
        "description": (
            f"{category.en}: handled within {category.sla_hours:g} h"
            if english
            else f"{category.zh}：{category.sla_hours:g} 小时内处理"
        ),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(category.keywords),
        "group": category.group,
    }


def service_definition(category: Category) -> dict[str, Any]:
    """The service definition: our services ask for no extra attributes."""
    return {"service_code": category.code, "attributes": []}


def _field(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or str(value).strip() == "":
        return None
    return str(value).strip()


def _attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    """``attribute[code]=value`` form fields (or an ``attribute`` object in JSON)."""
    given = data.get("attribute")
    attributes = dict(given) if isinstance(given, Mapping) else {}
    for key, value in data.items():
        if key.startswith("attribute[") and key.endswith("]"):
            attributes[key[len("attribute[") : -1]] = value
    return attributes


def _location(data: Mapping[str, Any]) -> dict[str, Any]:
    lat, lon = parse_number(data.get("lat"), "lat"), parse_number(data.get("long"), "long")
    if (lat is None) != (lon is None):
        missing = "lat" if lat is None else "long"
        raise InvalidInput(f"{missing}: give both lat and long, or an address_string")
    address = _field(data, "address_string")
    if lat is None and address is None:
        raise InvalidInput("location: give lat and long, or an address_string")
    return {"lon": lon, "lat": lat, "crs": _field(data, "crs") or "wgs84", "address": address}


def report_fields(data: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """An Open311 request (form or JSON fields) as the fields of a native report.

    The result is what `gis.incidents.report.parse_report` takes; errors name the Open311 field.

    Examples
    --------
    >>> fields = report_fields({"service_code": "hazard", "lat": "40.0073", "long": "116.3553",
    ...     "first_name": "john", "last_name": "smith", "attribute[floor]": "3"}, Catalogue.load())
    >>> fields["category"], fields["lon"], fields["reporter_name"], fields["attributes"]
    ('hazard', 116.3553, 'john smith', {'attribute': {'floor': '3'}})
    >>> report_fields({"service_code": "001", "lat": 1, "long": 2}, Catalogue.load())
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: service_code: unknown category '001'; valid: hazard (安全隐患), ...
    """
    code = _field(data, "service_code")
    if code is None:
        raise InvalidInput("service_code: missing; one of " + ", ".join(catalogue.categories))
    category = catalogue.find(code, field="service_code")
    name = " ".join(p for p in (_field(data, "first_name"), _field(data, "last_name")) if p)
    attributes: dict[str, Any] = {k: v for k in KEPT if (v := _field(data, k)) is not None}
    if extra := _attributes(data):
        attributes["attribute"] = extra
    return {
        "category": category.code,
        "description": str(data.get("description") or ""),
        **_location(data),
        "reporter_name": name or None,
        "reporter_phone": _field(data, "phone"),
        "source": "open311",
        "attributes": attributes,
    }


def service_notice(incident: Incident) -> str:
    """What the resident is told: the expected time, and whether a similar report is open.

    Examples
    --------
    >>> from datetime import timezone
    >>> due = datetime(2026, 1, 2, 8, tzinfo=timezone.utc)
    >>> service_notice(Incident(id=1, category="hazard", status="reported", reported_at=due,
    ...     updated_at=due, due_at=due, possible_duplicate=True))
    '已收集，预计 2026-01-02 16:00 前处理；附近已有同类诉求'
    """
    notice = LABELS_ZH.get(incident.status, "")
    notice += f"，预计 {clock.shown(incident.due_at)} 前处理"
    if incident.possible_duplicate:
        notice += "；附近已有同类诉求"
    return notice


def request_view(incident: Incident, catalogue: Catalogue) -> dict[str, Any]:
    """One incident as an Open311 service request (no personal data).

    Examples
    --------
    >>> from datetime import timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> view = request_view(Incident(id=7, category="hazard", status="closed", lat=40.0,
    ...     lon=116.3, reported_at=t, updated_at=t, due_at=t, reporter_phone="13812345678"),
    ...     Catalogue.load())
    >>> view["service_request_id"], view["status"], view["service_name"], "phone" in str(view)
    ('7', 'closed', '安全隐患', False)
    """
    view = public_view(incident)
    code = incident.category
    name = catalogue.categories[code].zh if code in catalogue.categories else code
    return {
        "service_request_id": str(incident.id),
        "status": open311_status(incident.status),
        "status_notes": view["status_zh"],
        "service_name": name,
        "service_code": code,
        "description": incident.description or "",
        "agency_responsible": incident.assignee,
        "service_notice": service_notice(incident),
        "requested_datetime": view.get("reported_at"),
        "updated_datetime": view.get("updated_at"),
        "expected_datetime": view.get("due_at"),
        "address": incident.address,
        "address_id": incident.address_id,
        "zipcode": None,
        "lat": incident.lat,
        "long": incident.lon,
        "media_url": (incident.attributes or {}).get("media_url"),
    }


def _list(params: Mapping[str, str], name: str) -> list[str]:
    return [part.strip() for part in (params.get(name) or "").split(",") if part.strip()]


def request_filters(params: Mapping[str, str], catalogue: Catalogue) -> dict[str, Any]:
    """The filters of ``GET requests.json``, parsed and checked (comma lists allowed).

    ``ids`` (from ``service_request_id``, which overrides the others in the spec), ``codes``
    (categories) and ``statuses`` (our statuses behind ``open``/``closed``), each None if absent.

    Examples
    --------
    >>> f = request_filters({"service_request_id": "3, 5", "status": "closed"}, Catalogue.load())
    >>> f["ids"], "resolved" in f["statuses"], "reported" in f["statuses"]
    ([3, 5], True, False)
    >>> request_filters({"status": "pending"}, Catalogue.load())
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: status: 'pending' is not open or closed
    """
    filters: dict[str, Any] = {"ids": None, "codes": None, "statuses": None}
    if ids := _list(params, "service_request_id"):
        try:
            filters["ids"] = [int(part) for part in ids]
        except ValueError:
            raise InvalidInput(
                f"service_request_id: {params['service_request_id']!r} is not a "
                "comma-separated list of ids"
            ) from None
    if codes := _list(params, "service_code"):
        filters["codes"] = [catalogue.find(code, field="service_code").code for code in codes]
    if wanted := _list(params, "status"):
        for status in wanted:
            if status not in ("open", "closed"):
                raise InvalidInput(f"status: {status!r} is not open or closed")
        filters["statuses"] = sorted(s for s in LABELS_ZH if open311_status(s) in wanted)
    return filters


MAX_SPAN = timedelta(days=90)


def request_period(start: datetime | None, end: datetime | None, *, now: datetime) -> Period:
    """The period searched: the last 90 days by default, 90 days from a lone start, at most 90.

    Examples
    --------
    >>> from datetime import timezone
    >>> now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    >>> period = request_period(None, None, now=now)
    >>> period.start.date().isoformat(), period.end.date().isoformat()
    ('2026-03-03', '2026-06-01')
    >>> request_period(now - timedelta(days=200), now, now=now)
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: start_date, end_date: the period spans 200 days; at most 90
    """
    if start is None:
        end = end or now
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end <= start:
        raise InvalidInput("end_date: is not after start_date")
    if end - start > MAX_SPAN:
        raise InvalidInput(
            f"start_date, end_date: the period spans {(end - start).days} days; at most 90"
        )
    return Period(start, end)


_NATIVE_FIELDS = {
    "lon/lat": "lat/long",
    "lon": "long",
    "address": "address_string",
    "category": "service_code",
    "reporter_phone": "phone",
    "reporter_name": "first_name/last_name",
}


def open311_detail(detail: str) -> str:
    """An error message of the native report, naming the Open311 field instead.

    Examples
    --------
    >>> open311_detail("lon/lat: latitude 116.3 is > 90")
    'lat/long: latitude 116.3 is > 90'
    >>> open311_detail("description: 4001 characters; at most 4000")
    'description: 4001 characters; at most 4000'
    """
    field, sep, reason = detail.partition(": ")
    return f"{_NATIVE_FIELDS[field]}{sep}{reason}" if sep and field in _NATIVE_FIELDS else detail
