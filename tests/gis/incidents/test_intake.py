"""The rules of intake: status from the placement, due time from the category's SLA."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gis.incidents.addresses import AddressMatcher, StandardAddress
from gis.incidents.catalogue import Catalogue
from gis.incidents.intake import (
    ADDRESS_MATCH,
    AS_REPORTED,
    UNPLACED,
    Placement,
    initial_status,
    new_incident,
)
from gis.incidents.keys import fingerprint, request_key
from gis.incidents.records import NewIncident
from gis.incidents.report import IncidentReport
from tests.geoms import POINT

CATALOGUE = Catalogue.load()
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GRID = "110108010019001"
BY_COORDINATES = Placement(POINT.x, POINT.y, GRID, "coordinates")
BY_ADDRESS = Placement(POINT.x, POINT.y, GRID, "address_fuzzy", address_id=42, score=0.87)
FULL_REPORT = IncidentReport(
    category="hazard",
    description="井盖缺失",
    lon=116.3501,
    lat=39.9952,
    input_crs="gcj02",
    input_x=116.3562,
    input_y=39.9966,
    address="学院路17号",
    reporter_name="张三",
    reporter_phone="13800000000",
    source="hotline",
    severity=5,
    reported_at=datetime(2026, 2, 28, 22, 15, tzinfo=timezone(timedelta(hours=8))),
    attributes={"channel": "12345", "photos": 2},
)
PLACEMENT_FIELDS = {
    "lon": "lon",
    "lat": "lat",
    "address_id": "address_id",
    "location_method": "method",
    "match_score": "score",
    "grid_code": "grid_code",
}


def incident(
    report: IncidentReport = FULL_REPORT, placement: Placement = BY_ADDRESS, now: datetime = NOW
) -> NewIncident:
    return new_incident(report, placement, CATALOGUE[report.category], now)


# --- initial_status


@pytest.mark.parametrize(
    "placement",
    [BY_COORDINATES, BY_ADDRESS, Placement(0.0, 0.0, None, "coordinates")],
    ids=["coordinates", "address", "zero-zero-no-grid"],
)
def test_placed_report_is_reported(placement: Placement) -> None:
    assert initial_status(placement) == "reported"


@pytest.mark.parametrize(
    "placement",
    [
        UNPLACED,
        Placement(None, None, GRID, "none"),
        Placement(POINT.x, None, None, "coordinates"),
        Placement(None, POINT.y, None, "coordinates"),
    ],
    ids=["unplaced", "grid-only", "lon-only", "lat-only"],
)
def test_report_without_a_point_needs_a_location(placement: Placement) -> None:
    assert initial_status(placement) == "needs_location"


# --- new_incident: status and times


@pytest.mark.parametrize(
    ("placement", "status"), [(BY_COORDINATES, "reported"), (UNPLACED, "needs_location")]
)
def test_new_incident_status_follows_the_placement(placement: Placement, status: str) -> None:
    assert incident(placement=placement).status == status


@pytest.mark.parametrize("category", [c.code for c in CATALOGUE])
def test_due_is_the_categorys_sla_after_the_report(category: str) -> None:
    report = IncidentReport(category, address="学院路", reported_at=NOW - timedelta(days=3))
    row = incident(report)
    assert row.due_at == NOW - timedelta(days=3) + timedelta(hours=CATALOGUE[category].sla_hours)


def test_categories_differ_in_sla() -> None:  # else the test above could not tell them apart
    assert len({c.sla_hours for c in CATALOGUE}) > 1


def test_reported_at_defaults_to_now() -> None:
    row = incident(IncidentReport("fire", address="学院路"))
    assert row.reported_at == NOW
    assert row.due_at == NOW + timedelta(hours=CATALOGUE["fire"].sla_hours)


def test_reported_at_is_kept_when_given() -> None:
    assert incident().reported_at == FULL_REPORT.reported_at


def test_due_counts_from_the_report_time_not_now() -> None:
    row = incident(now=NOW + timedelta(days=30))
    assert row.due_at - row.reported_at == timedelta(hours=CATALOGUE["hazard"].sla_hours)
    assert row.due_at < NOW + timedelta(days=30)


# --- new_incident: fields copied


@pytest.mark.parametrize("name", AS_REPORTED)
def test_field_is_copied_from_the_report(name: str) -> None:
    assert asdict(incident())[name] == asdict(FULL_REPORT)[name]


@pytest.mark.parametrize("placement", [BY_COORDINATES, BY_ADDRESS, UNPLACED])
@pytest.mark.parametrize("name", list(PLACEMENT_FIELDS))
def test_field_is_copied_from_the_placement(placement: Placement, name: str) -> None:
    row = asdict(incident(placement=placement))
    assert row[name] == asdict(placement)[PLACEMENT_FIELDS[name]]


def test_attributes_are_the_reports_with_the_address_match() -> None:
    match = AddressMatcher([StandardAddress(42, "学院路17号", POINT.x, POINT.y)]).match(
        "学院路十七号"
    )
    placed = Placement(POINT.x, POINT.y, GRID, match.method, 42, match.score, match)
    row = incident(placement=placed)
    assert row.attributes == {**FULL_REPORT.attributes, ADDRESS_MATCH: match.explanation()}
    assert row.attributes[ADDRESS_MATCH]["rule"] == "normalised"
    assert incident(placement=BY_COORDINATES).attributes == FULL_REPORT.attributes


def test_a_reports_own_address_match_attribute_is_not_kept() -> None:
    forged = IncidentReport("hazard", lon=1.0, lat=2.0, attributes={ADDRESS_MATCH: "exact"})
    assert incident(forged, BY_COORDINATES).attributes == {}


def test_every_field_is_from_the_report_the_placement_or_the_rules() -> None:
    ruled = {"status", "reported_at", "due_at", "key", "fingerprint", "attributes"}
    assert {f.name for f in fields(NewIncident)} == {*AS_REPORTED, *PLACEMENT_FIELDS, *ruled}


def test_reported_fields_exist_on_the_report() -> None:
    assert set(AS_REPORTED) <= {f.name for f in fields(IncidentReport)}


def test_point_is_the_placements_not_the_reporters() -> None:
    row = incident(FULL_REPORT, UNPLACED)
    assert (row.lon, row.lat) == (None, None)
    assert (row.input_x, row.input_y) == (FULL_REPORT.input_x, FULL_REPORT.input_y)


def test_item3_a_keyed_row_carries_its_key_and_the_reports_fingerprint() -> None:
    key = request_key("hotline-0001", scope="native", client="12345")
    row = new_incident(FULL_REPORT, BY_ADDRESS, CATALOGUE["hazard"], NOW, key)
    assert (row.key, row.fingerprint) == (key, fingerprint(FULL_REPORT))


def test_item3_a_row_without_a_key_has_no_fingerprint() -> None:
    assert (incident().key, incident().fingerprint) == (None, None)
