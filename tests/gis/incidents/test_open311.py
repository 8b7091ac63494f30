"""Open311 GeoReport v2 mapping: services, requests in, filters, periods and error wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gis.errors import InvalidInput
from gis.incidents.catalogue import Catalogue, Category
from gis.incidents.lifecycle import LABELS_ZH, OPEN
from gis.incidents.open311 import (
    IGNORED,
    KEPT,
    MAX_SPAN,
    open311_detail,
    report_fields,
    request_filters,
    request_period,
    request_view,
    service,
    service_definition,
)
from gis.incidents.records import Incident
from gis.incidents.report import parse_report
from gis.values import Period

HAZARD = Category("hazard", "安全隐患", "Safety hazard", "safety", 24, 50, 72, ("隐患", "电线"))
FIRE = Category("fire", "消防", "Fire safety", "safety", 12.5, 50, 48)
CATALOGUE = Catalogue([HAZARD, FIRE])
REQUEST: dict[str, Any] = {"service_code": "hazard", "lat": "40.0073", "long": "116.3553"}
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def fields(**changes: Any) -> dict[str, Any]:
    return report_fields({**REQUEST, **changes}, CATALOGUE)


def refusal(**changes: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        fields(**changes)
    return caught.value.detail


# --- services


def test_service_is_named_in_chinese_by_default() -> None:
    entry = service(HAZARD)
    assert (entry["service_code"], entry["service_name"], entry["group"]) == (
        "hazard",
        "安全隐患",
        "safety",
    )
    assert entry["description"] == "安全隐患：24 小时内处理"


@pytest.mark.parametrize("lang", ["en", "EN", "en-US", "en_GB"])
def test_service_is_named_in_english_for_any_english_lang(lang: str) -> None:
    entry = service(HAZARD, lang=lang)
    assert entry["service_name"] == "Safety hazard"
    assert entry["description"] == "Safety hazard: handled within 24 h"


@pytest.mark.parametrize("lang", ["zh", "zh-CN", "fr"])
def test_service_is_named_in_chinese_for_other_langs(lang: str) -> None:
    assert service(HAZARD, lang=lang)["service_name"] == "安全隐患"


def test_service_sla_keeps_its_fraction() -> None:
    assert service(FIRE)["description"] == "消防：12.5 小时内处理"


def test_service_asks_for_no_metadata_and_lists_keywords() -> None:
    entry = service(HAZARD)
    assert (entry["metadata"], entry["type"], entry["keywords"]) == (False, "realtime", "隐患,电线")


def test_service_definition_has_no_attributes() -> None:
    assert service_definition(FIRE) == {"service_code": "fire", "attributes": []}


# --- requests in


def test_request_maps_to_native_report_fields() -> None:
    mapped = report_fields(
        {
            **REQUEST,
            "description": "电线裸露",
            "first_name": "三",
            "last_name": "张",
            "phone": "138",
        },
        CATALOGUE,
    )
    assert mapped == {
        "category": "hazard",
        "description": "电线裸露",
        "lon": 116.3553,
        "lat": 40.0073,
        "crs": "wgs84",
        "address": None,
        "reporter_name": "三 张",
        "reporter_phone": "138",
        "source": "open311",
        "attributes": {},
    }


def test_service_code_may_be_the_chinese_name() -> None:
    assert fields(service_code="消防")["category"] == "fire"


@pytest.mark.parametrize("code", [None, "", "  "])
def test_missing_service_code_lists_the_codes(code: str | None) -> None:
    assert refusal(service_code=code) == "service_code: missing; one of hazard, fire"


def test_unknown_service_code_is_refused_as_service_code() -> None:
    assert refusal(service_code="001").startswith("service_code: unknown category '001'")


@pytest.mark.parametrize(("dropped", "missing"), [("lat", "lat"), ("long", "long")])
def test_one_coordinate_alone_asks_for_the_other(dropped: str, missing: str) -> None:
    assert refusal(**{dropped: None}) == f"{missing}: give both lat and long, or an address_string"


def test_no_location_at_all_is_refused() -> None:
    assert refusal(lat=None, long="") == "location: give lat and long, or an address_string"


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"lat": "north"}, "lat: 'north' is not a number"),
        ({"long": "nan"}, "long: 'nan' is not a finite number"),
        ({"lat": "inf"}, "lat: 'inf' is not a finite number"),
    ],
)
def test_bad_coordinate_is_refused_by_its_open311_name(
    changes: dict[str, Any], detail: str
) -> None:
    assert refusal(**changes) == detail


def test_address_string_alone_is_a_location() -> None:
    mapped = fields(lat=None, long=None, address_string=" 学院路18号 ")
    assert (mapped["lon"], mapped["lat"], mapped["address"]) == (None, None, "学院路18号")


def test_crs_is_passed_on() -> None:
    assert fields(crs="gcj02")["crs"] == "gcj02"


@pytest.mark.parametrize(
    ("first", "last", "name"),
    [
        ("john", "smith", "john smith"),
        ("john", None, "john"),
        ("  ", "smith", "smith"),
        (None, None, None),
    ],
)
def test_reporter_name_joins_first_and_last(
    first: str | None, last: str | None, name: str | None
) -> None:
    assert fields(first_name=first, last_name=last)["reporter_name"] == name


@pytest.mark.parametrize("name", KEPT)
def test_fields_without_a_column_are_kept_in_attributes(name: str) -> None:
    assert fields(**{name: " value "})["attributes"] == {name: "value"}


@pytest.mark.parametrize("name", IGNORED)
def test_api_key_and_jurisdiction_are_dropped(name: str) -> None:
    mapped = fields(**{name: "secret-value"})
    assert "secret-value" not in repr(mapped)


def test_attribute_form_fields_are_kept_by_their_code() -> None:
    mapped = fields(**{"attribute[floor]": "3", "attribute[exit]": "east"})
    assert mapped["attributes"] == {"attribute": {"floor": "3", "exit": "east"}}


def test_attribute_object_and_form_fields_are_merged() -> None:
    mapped = fields(attribute={"floor": "2", "lift": "yes"}, **{"attribute[floor]": "3"})
    assert mapped["attributes"]["attribute"] == {"floor": "3", "lift": "yes"}


def test_email_device_and_attributes_are_kept_together() -> None:
    mapped = fields(email="a@example.org", device_id="d1", **{"attribute[floor]": "3"})
    assert mapped["attributes"] == {
        "email": "a@example.org",
        "device_id": "d1",
        "attribute": {"floor": "3"},
    }


def test_request_fields_pass_the_native_validation() -> None:
    report = parse_report(fields(first_name="三", last_name="张"), CATALOGUE)
    assert (report.category, report.source, report.reporter_name) == ("hazard", "open311", "三 张")
    assert (report.lon, report.lat) == (116.3553, 40.0073)


# --- request listings


def incident(**changes: Any) -> Incident:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    given: dict[str, Any] = {
        "id": 7,
        "category": "hazard",
        "status": "in_progress",
        "reported_at": at,
        "updated_at": at,
        "due_at": at,
        **changes,
    }
    return Incident(**given)


def test_request_view_has_no_personal_data() -> None:
    view = request_view(
        incident(
            reporter_phone="13812345678",
            reporter_name="张三丰",
            attributes={"email": "zhang@example.org", "media_url": "http://x/1.jpg"},
        ),
        CATALOGUE,
    )
    for personal in ("13812345678", "张三丰", "zhang@example.org"):
        assert personal not in repr(view)
    assert view["media_url"] == "http://x/1.jpg"


def test_request_view_maps_status_and_names() -> None:
    view = request_view(incident(category="fire", status="resolved"), CATALOGUE)
    assert (view["service_request_id"], view["status"], view["status_notes"]) == (
        "7",
        "closed",
        LABELS_ZH["resolved"],
    )
    assert (view["service_code"], view["service_name"]) == ("fire", "消防")


def test_request_filters_are_none_when_absent() -> None:
    assert request_filters({}, CATALOGUE) == {"ids": None, "codes": None, "statuses": None}


def test_request_ids_are_a_comma_list_of_integers() -> None:
    assert request_filters({"service_request_id": " 3, 5 ,"}, CATALOGUE)["ids"] == [3, 5]


def test_request_id_that_is_not_an_integer_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^service_request_id: '3,x' is not"):
        request_filters({"service_request_id": "3,x"}, CATALOGUE)


def test_service_codes_are_checked_against_the_catalogue() -> None:
    assert request_filters({"service_code": "hazard,消防"}, CATALOGUE)["codes"] == [
        "hazard",
        "fire",
    ]


def test_unknown_service_code_filter_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^service_code: unknown category 'noise'"):
        request_filters({"service_code": "hazard,noise"}, CATALOGUE)


def test_open_status_stands_for_the_open_statuses() -> None:
    assert request_filters({"status": "open"}, CATALOGUE)["statuses"] == sorted(OPEN)


def test_closed_status_stands_for_every_other_status() -> None:
    statuses = request_filters({"status": "closed"}, CATALOGUE)["statuses"]
    assert set(statuses) == set(LABELS_ZH) - OPEN


def test_open_and_closed_together_stand_for_every_status() -> None:
    statuses = request_filters({"status": "closed, open"}, CATALOGUE)["statuses"]
    assert statuses == sorted(LABELS_ZH)


@pytest.mark.parametrize("status", ["pending", "reported", "Open"])
def test_status_other_than_open_or_closed_is_refused(status: str) -> None:
    with pytest.raises(InvalidInput, match=f"^status: '{status}' is not open or closed"):
        request_filters({"status": status}, CATALOGUE)


# --- request periods


def test_period_defaults_to_the_last_90_days() -> None:
    assert request_period(None, None, now=NOW) == Period(NOW - MAX_SPAN, NOW)


def test_lone_start_searches_90_days_from_it() -> None:
    start = NOW - timedelta(days=10)
    assert request_period(start, None, now=NOW) == Period(start, start + MAX_SPAN)


def test_lone_end_searches_90_days_up_to_it() -> None:
    end = NOW - timedelta(days=10)
    assert request_period(None, end, now=NOW) == Period(end - MAX_SPAN, end)


def test_period_of_exactly_90_days_is_accepted() -> None:
    assert request_period(NOW - MAX_SPAN, NOW, now=NOW) == Period(NOW - MAX_SPAN, NOW)


@pytest.mark.parametrize("over", [timedelta(seconds=1), timedelta(days=110)])
def test_period_over_90_days_is_refused(over: timedelta) -> None:
    with pytest.raises(InvalidInput, match=r"^start_date, end_date: the period spans"):
        request_period(NOW - MAX_SPAN - over, NOW, now=NOW)


def test_refused_period_gives_its_length_in_days() -> None:
    with pytest.raises(InvalidInput, match="spans 200 days; at most 90"):
        request_period(NOW - timedelta(days=200), NOW, now=NOW)


@pytest.mark.parametrize("end", [NOW, NOW - timedelta(days=1)])
def test_end_not_after_start_is_refused(end: datetime) -> None:
    with pytest.raises(InvalidInput, match="^end_date: is not after start_date"):
        request_period(NOW, end, now=NOW)


# --- error wording


@pytest.mark.parametrize(
    ("native", "open311"),
    [
        ("lon/lat: latitude 116.3 is > 90", "lat/long: latitude 116.3 is > 90"),
        ("lon: 'x' is not a number", "long: 'x' is not a number"),
        ("address: 501 characters; at most 500", "address_string: 501 characters; at most 500"),
        ("category: unknown category 'x'", "service_code: unknown category 'x'"),
        ("reporter_phone: 41 characters; at most 40", "phone: 41 characters; at most 40"),
        ("reporter_name: 201 characters", "first_name/last_name: 201 characters"),
    ],
)
def test_native_field_is_renamed_to_the_open311_one(native: str, open311: str) -> None:
    assert open311_detail(native) == open311


@pytest.mark.parametrize(
    "detail",
    [
        "description: 4001 characters; at most 4000",
        "lat: 'x' is not a number",
        "no field named here",
        "lon:without a space",
    ],
)
def test_other_messages_are_unchanged(detail: str) -> None:
    assert open311_detail(detail) == detail
