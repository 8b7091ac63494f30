"""An incident report validated at the edge: every refusal names its field."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.errors import CRSError, InvalidInput
from gis.incidents.catalogue import Catalogue, Category
from gis.incidents.report import MAX_DESCRIPTION, SOURCES, parse_report

CATALOGUE = Catalogue(
    [
        Category("hazard", "安全隐患", "Safety hazard", "safety", 24, 50, 72),
        Category("dispute", "矛盾纠纷", "Dispute", "mediation", 72, 30, 168),
    ]
)
LON, LAT = 116.3553, 40.0073  # 中国农业大学东校区
BASE: dict[str, Any] = {"category": "hazard", "lon": LON, "lat": LAT}
METRES_PER_DEGREE = 111_320.0


def parse(**changes: Any) -> Any:
    return parse_report({**BASE, **changes}, CATALOGUE)


def refusal(**changes: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse(**changes)
    return caught.value.detail


def shift_m(lon: float, lat: float) -> float:
    """Distance in metres between the input point and (lon, lat) (small distances)."""
    return METRES_PER_DEGREE * math.hypot((lon - LON) * math.cos(math.radians(LAT)), lat - LAT)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "fire"}, "category"),
        ({"category": None}, "category"),
        ({"description": "隐" * (MAX_DESCRIPTION + 1)}, "description"),
        ({"lat": None}, "lat"),
        ({"lon": ""}, "lon"),
        ({"lon": None, "lat": None}, "location"),
        ({"lon": "east"}, "lon"),
        ({"lat": "nan"}, "lat"),
        ({"lon": float("inf")}, "lon"),
        ({"lat": "-inf"}, "lat"),
        ({"lon": 200.0}, "lon/lat"),
        ({"address": "学" * 501}, "address"),
        ({"source": "fax"}, "source"),
        ({"severity": 0}, "severity"),
        ({"severity": 6}, "severity"),
        ({"severity": 2.5}, "severity"),
        ({"severity": "high"}, "severity"),
        ({"reporter_name": "张" * 201}, "reporter_name"),
        ({"reporter_phone": "1" * 41}, "reporter_phone"),
        ({"reported_at": "yesterday"}, "reported_at"),
    ],
)
def test_every_refusal_names_the_field(changes: dict[str, Any], field: str) -> None:
    assert refusal(**changes).startswith(f"{field}: ")


def test_category_is_stored_by_code_whatever_name_was_given() -> None:
    assert parse(category="矛盾纠纷").category == "dispute"


def test_description_at_the_limit_is_kept() -> None:
    text = "隐" * MAX_DESCRIPTION
    assert parse(description=text).description == text


def test_description_over_the_limit_gives_its_length() -> None:
    detail = refusal(description="x" * (MAX_DESCRIPTION + 1))
    assert detail == f"description: {MAX_DESCRIPTION + 1} characters; at most {MAX_DESCRIPTION}"


def test_missing_description_is_empty() -> None:
    assert parse(description=None).description == ""


@pytest.mark.parametrize(("given", "missing"), [({"lat": None}, "lat"), ({"lon": None}, "lon")])
def test_one_coordinate_alone_asks_for_the_other(given: dict[str, Any], missing: str) -> None:
    assert refusal(**given) == f"{missing}: give both lon and lat, or an address"


def test_one_coordinate_alone_is_refused_even_with_an_address() -> None:
    assert refusal(lat=None, address="学院路18号").startswith("lat: ")


@pytest.mark.parametrize("value", ["nan", "inf", float("nan"), float("-inf")])
def test_non_finite_coordinate_is_refused(value: object) -> None:
    assert refusal(lon=value) == f"lon: {value!r} is not a finite number"


def test_numeric_strings_are_read_as_coordinates() -> None:
    report = parse(lon=str(LON), lat=str(LAT))
    assert (report.lon, report.lat) == (LON, LAT)


def test_address_alone_is_a_location() -> None:
    report = parse(lon=None, lat=None, address="  学院路18号 ")
    assert (report.address, report.has_point, report.lon, report.input_crs) == (
        "学院路18号",
        False,
        None,
        None,
    )


def test_blank_address_is_no_location() -> None:
    assert refusal(lon=None, lat=None, address="   ").startswith("location: ")


def test_wgs84_point_is_kept_as_given() -> None:
    report = parse()
    assert (report.lon, report.lat, report.input_crs) == (LON, LAT, "wgs84")
    assert (report.input_x, report.input_y) == (LON, LAT)
    assert report.has_point


def test_cgcs2000_point_is_kept_as_given() -> None:
    report = parse(crs="CGCS2000")
    assert (report.lon, report.lat, report.input_crs) == (LON, LAT, "cgcs2000")


def test_gcj02_point_is_converted_to_wgs84() -> None:
    report = parse(crs="gcj02")
    # GCJ-02 is offset by a few hundred metres around Beijing
    assert 100 < shift_m(report.lon, report.lat) < 1000
    back_lon, back_lat = wgs84_to_gcj02(report.lon, report.lat)
    assert float(back_lon) == pytest.approx(LON, abs=1e-6)
    assert float(back_lat) == pytest.approx(LAT, abs=1e-6)


def test_bd09_point_is_converted_to_wgs84() -> None:
    report = parse(crs="Baidu")
    assert 100 < shift_m(report.lon, report.lat) < 2000
    back_lon, back_lat = wgs84_to_bd09(report.lon, report.lat)
    assert (float(back_lon), float(back_lat)) == pytest.approx((LON, LAT), abs=1e-6)


def test_converted_point_keeps_the_input_and_its_crs() -> None:
    report = parse(crs="GCJ-02")
    assert (report.input_crs, report.input_x, report.input_y) == ("gcj02", LON, LAT)


def test_web_mercator_metres_become_degrees() -> None:
    # x = R·λ, y = R·ln(tan(π/4 + φ/2)) on the WGS84 semi-major axis
    radius = 6_378_137.0
    x = radius * math.radians(LON)
    y = radius * math.log(math.tan(math.pi / 4 + math.radians(LAT) / 2))
    report = parse(lon=x, lat=y, crs="EPSG:3857")
    assert (report.lon, report.lat) == pytest.approx((LON, LAT), abs=1e-9)
    assert report.input_crs == "EPSG:3857"


def test_swapped_coordinates_are_refused_as_swapped() -> None:
    with pytest.raises(CRSError, match=r"^lon/lat: .*look swapped"):
        parse(lon=LAT, lat=LON)


def test_unknown_crs_is_refused() -> None:
    with pytest.raises(CRSError, match="unknown CRS 'mars2'"):
        parse(crs="mars2")


def test_unknown_crs_refusal_names_the_crs_field() -> None:
    assert refusal(crs="mars2").startswith("crs: ")


def test_severity_defaults_to_3() -> None:
    assert parse().severity == 3


@pytest.mark.parametrize(("given", "severity"), [(1, 1), (5, 5), ("4", 4), (2.0, 2), ("", 3)])
def test_severity_is_a_whole_number_from_1_to_5(given: object, severity: int) -> None:
    assert parse(severity=given).severity == severity


def test_source_defaults_to_app() -> None:
    assert parse().source == "app"


@pytest.mark.parametrize("source", SOURCES)
def test_each_known_source_is_accepted(source: str) -> None:
    assert parse(source=source).source == source


def test_unknown_source_lists_the_known_ones() -> None:
    assert refusal(source="fax") == f"source: 'fax' is not one of {', '.join(SOURCES)}"


def test_naive_reported_at_is_in_the_configured_zone() -> None:
    assert parse(reported_at="2026-01-01T08:00").reported_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_naive_reported_at_datetime_is_in_the_configured_zone() -> None:
    report = parse(reported_at=datetime(2026, 1, 1, 8))
    assert report.reported_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_reported_at_with_an_offset_keeps_its_instant() -> None:
    beijing = timezone(timedelta(hours=8))
    report = parse(reported_at="2026-01-01T16:00+08:00")
    assert report.reported_at == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert report.reported_at == datetime(2026, 1, 1, 16, tzinfo=beijing)


@pytest.mark.parametrize("given", [None, ""])
def test_missing_reported_at_is_none(given: object) -> None:
    assert parse(reported_at=given).reported_at is None


def test_reporter_fields_are_trimmed_and_blank_ones_dropped() -> None:
    report = parse(reporter_name=" 张三 ", reporter_phone="  ")
    assert (report.reporter_name, report.reporter_phone) == ("张三", None)


def test_attributes_are_copied_not_shared() -> None:
    given = {"floor": 3}
    report = parse(attributes=given)
    given["floor"] = 4
    assert report.attributes == {"floor": 3}


def test_missing_attributes_are_an_empty_dict() -> None:
    assert parse(attributes=None).attributes == {}
