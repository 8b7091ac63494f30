"""Values parsed at the edge: every refusal names its field, and the batch forms agree."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pyproj
import pytest

from gis.crs import GCJ02, WGS84, InputCRS, parse_crs, wgs84_to_bd09, wgs84_to_gcj02
from gis.errors import CRSError, InvalidInput
from gis.values import (
    ANY_TIME,
    DEGREES_HINT,
    BBox,
    Period,
    optional_time,
    parse_bbox,
    parse_number,
    parse_numbers,
    parse_period,
    parse_point,
    parse_time,
    range_errors,
    require_number,
)
from tests.geoms import POINT

BEIJING = ZoneInfo("Asia/Shanghai")

LON, LAT = POINT.x, POINT.y  # 学院路, inside China
METRES_PER_DEGREE = 111_320.0
UTM50 = "EPSG:32650"


def refusal(call: object, *args: object, **kwargs: object) -> str:
    assert callable(call)
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value.detail


def shift_m(lon_a: float, lat_a: float, lon_b: float, lat_b: float) -> float:
    """Distance in metres between two nearby points in degrees."""
    d_lon = (lon_a - lon_b) * math.cos(math.radians(lat_a))
    return METRES_PER_DEGREE * math.hypot(d_lon, lat_a - lat_b)


# --- parse_number


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_missing_number_is_none(value: object) -> None:
    assert parse_number(value, "lon") is None


@pytest.mark.parametrize(
    ("value", "number"),
    [("116.3", 116.3), (" 116.3 ", 116.3), ("-1e3", -1000.0), (5, 5.0), (2.5, 2.5), ("0", 0.0)],
)
def test_number_is_read_from_text_or_number(value: object, number: float) -> None:
    assert parse_number(value, "lon") == number


def test_number_is_a_float() -> None:
    assert type(parse_number(5, "lon")) is float


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(value: bool) -> None:
    assert refusal(parse_number, value, "severity") == f"severity: {value} is not a number"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("abc", "'abc'"), (" abc ", "'abc'"), ("0x10", "'0x10'"), ("1,5", "'1,5'"), ([1], "[1]")],
)
def test_non_numeric_value_is_refused(value: object, shown: str) -> None:
    assert refusal(parse_number, value, "lon") == f"lon: {shown} is not a number"


def test_long_bad_text_is_cut_in_the_message() -> None:
    detail = refusal(parse_number, "x" * 100, "lon")
    assert detail == f"lon: {'x' * 40!r} is not a number"


@pytest.mark.parametrize("text", ["NaN", "nan", "+nan", "inf", "-inf", "Infinity", "1e400"])
def test_nan_and_infinite_text_is_refused(text: str) -> None:
    assert refusal(parse_number, text, "lat") == f"lat: {text!r} is not a finite number"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinite_floats_are_refused(value: float) -> None:
    assert refusal(parse_number, value, "lat") == f"lat: {value!r} is not a finite number"


@pytest.mark.parametrize("value", [True, "abc", "NaN", math.inf, object()])
@pytest.mark.parametrize("field", ["lon", "severity", "坐标"])
def test_every_number_refusal_names_the_field(value: object, field: str) -> None:
    assert refusal(parse_number, value, field).startswith(f"{field}: ")


# --- require_number


@pytest.mark.parametrize("value", [None, "", "  "])
def test_required_number_refuses_a_missing_value(value: object) -> None:
    assert refusal(require_number, value, "lat") == "lat: missing"


def test_required_number_adds_the_hint() -> None:
    assert refusal(require_number, None, "lat", "; give a number") == "lat: missing; give a number"


def test_required_number_returns_the_number() -> None:
    assert require_number("40.5", "lat", "; hint") == 40.5


def test_required_number_refuses_bad_values_like_parse_number() -> None:
    assert refusal(require_number, "abc", "lat", "; hint") == "lat: 'abc' is not a number"


# --- parse_point: CRS and conversion


def test_point_defaults_to_wgs84_unchanged() -> None:
    point = parse_point(str(LON), LAT)
    assert (point.x, point.y, point.lon, point.lat) == (LON, LAT, LON, LAT)
    assert point.crs == WGS84


@pytest.mark.parametrize("crs", ["cgcs2000", "EPSG:4490", "wgs84", "EPSG:4326", 4326])
def test_wgs84_and_cgcs2000_points_are_not_shifted(crs: str | int) -> None:
    point = parse_point(LON, LAT, str(crs))
    assert (point.lon, point.lat) == (LON, LAT)


@pytest.mark.parametrize(
    ("crs", "forward"),
    [
        ("gcj02", wgs84_to_gcj02),
        ("amap", wgs84_to_gcj02),
        (GCJ02, wgs84_to_gcj02),
        ("bd09", wgs84_to_bd09),
        ("Baidu", wgs84_to_bd09),
    ],
)
def test_shifted_points_are_converted_back_to_wgs84(crs: str | InputCRS, forward: object) -> None:
    assert callable(forward)
    x, y = (float(v) for v in forward(LON, LAT))
    point = parse_point(x, y, crs)
    assert point.lon == pytest.approx(LON, abs=2e-7)  # the inverse iterates to 1 cm
    assert point.lat == pytest.approx(LAT, abs=2e-7)


@pytest.mark.parametrize(("crs", "forward"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_shifted_points_move_by_hundreds_of_metres(crs: str, forward: object) -> None:
    assert callable(forward)
    x, y = (float(v) for v in forward(LON, LAT))
    point = parse_point(x, y, crs)
    assert 100 < shift_m(point.x, point.y, point.lon, point.lat) < 2000


@pytest.mark.parametrize("crs", ["gcj02", "bd09", UTM50])
def test_point_keeps_the_values_as_given(crs: str) -> None:
    x, y = (440_000.0, 4_427_000.0) if crs == UTM50 else (LON, LAT)
    point = parse_point(x, y, crs)
    assert (point.x, point.y, str(point.crs)) == (x, y, str(parse_crs(crs)))


@pytest.mark.parametrize("epsg", [3857, 32650])
def test_projected_metres_are_converted(epsg: int) -> None:
    x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(LON, LAT)
    point = parse_point(x, y, f"EPSG:{epsg}")
    assert (point.lon, point.lat) == pytest.approx((LON, LAT), abs=1e-9)


def test_unknown_crs_is_refused() -> None:
    with pytest.raises(CRSError, match="unknown CRS 'mars2000'"):
        parse_point(LON, LAT, "mars2000")


# --- parse_point: refusals


def test_swapped_lon_lat_is_refused_naming_where() -> None:
    with pytest.raises(CRSError) as caught:
        parse_point(LAT, LON, where="location")
    assert caught.value.detail.startswith("location: ")
    assert caught.value.detail.endswith("lon and lat look swapped")


def test_swapped_lon_lat_is_refused_for_gcj02_too() -> None:
    detail = refusal(parse_point, LAT, LON, "gcj02")
    assert detail.startswith("lon, lat: coordinates out of range for gcj02")


def test_metres_given_as_degrees_are_refused() -> None:
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(LON, LAT)
    detail = refusal(parse_point, x, y, where="point")
    assert detail.startswith("point: ")
    assert detail.endswith("look like projected metres, not degrees")


def test_degrees_given_for_a_utm_zone_are_refused() -> None:
    detail = refusal(parse_point, LON, LAT, UTM50, where="point")
    assert detail.startswith("point: coordinates out of range for EPSG:32650")
    assert detail.endswith("they look like degrees, not metres")


def test_longitude_beyond_180_is_refused() -> None:
    detail = refusal(parse_point, 200, 40)
    assert detail.endswith("need |lon| <= 180 and |lat| <= 90")


@pytest.mark.parametrize(("x", "y", "bad"), [(None, LAT, "x"), (LON, "", "y")])
def test_missing_coordinate_names_its_field_with_the_hint(x: object, y: object, bad: str) -> None:
    assert refusal(parse_point, x, y, fields=("x", "y")) == f"{bad}: missing{DEGREES_HINT}"


@pytest.mark.parametrize(("x", "y", "bad"), [("abc", LAT, "经度"), (LON, math.nan, "纬度")])
def test_bad_coordinate_names_its_field(x: object, y: object, bad: str) -> None:
    assert refusal(parse_point, x, y, fields=("经度", "纬度")).startswith(f"{bad}: ")


# --- parse_bbox


def test_bbox_is_read_in_order() -> None:
    assert parse_bbox(" 116.34, 39.99 ,116.36,40.01") == BBox(116.34, 39.99, 116.36, 40.01)


@pytest.mark.parametrize(
    "text", ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "nan,0,1,1", "0,0,inf,1", "1;2;3;4"]
)
def test_bbox_needs_four_finite_numbers(text: str) -> None:
    expected = f"bbox: {text!r} is not four numbers west,south,east,north"
    assert refusal(parse_bbox, text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-181,0,0,1", "longitudes must be within -180..180"),
        ("0,0,181,1", "longitudes must be within -180..180"),
        ("0,-91,1,0", "latitudes must be within -90..90"),
        ("0,0,1,91", "latitudes must be within -90..90"),
        ("116.36,39.99,116.34,40.01", "west 116.36 is east of east 116.34"),
        ("116.34,40.01,116.36,39.99", "south 40.01 is north of north 39.99"),
    ],
)
def test_bbox_out_of_order_or_range_is_refused(text: str, reason: str) -> None:
    assert refusal(parse_bbox, text, "extent").startswith(f"extent: {reason}")


# --- parse_time, optional_time


def test_naive_time_is_in_the_configured_zone() -> None:
    assert parse_time("2026-03-01T08:30") == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


def test_time_keeps_its_offset() -> None:
    value = parse_time("2026-03-01T08:30+08:00")
    assert value.utcoffset() == timedelta(hours=8)
    assert value == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


def test_aware_datetime_passes_through() -> None:
    given = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    assert parse_time(given) is given


def test_naive_datetime_is_in_the_configured_zone() -> None:
    assert parse_time(datetime(2026, 3, 1)) == datetime(2026, 3, 1, tzinfo=BEIJING)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "", "01/03/2026"])
def test_unreadable_time_is_refused_naming_the_field(text: str) -> None:
    expected = f"reported_at: {text!r} is not an ISO 8601 date or time"
    assert refusal(parse_time, text, "reported_at") == expected


@pytest.mark.parametrize("text", [None, "", "   "])
def test_missing_optional_time_is_none(text: str | None) -> None:
    assert optional_time(text, "since") is None


def test_optional_time_reads_a_given_time() -> None:
    assert optional_time("2026-01-01", "since") == datetime(2026, 1, 1, tzinfo=BEIJING)


def test_optional_time_refusal_names_the_field() -> None:
    assert refusal(optional_time, "soon", "since").startswith("since: 'soon'")


# --- parse_period


def test_period_reads_both_ends() -> None:
    period = parse_period("2026-01-01", "2026-02-01")
    assert period == Period(
        datetime(2026, 1, 1, tzinfo=BEIJING), datetime(2026, 2, 1, tzinfo=BEIJING)
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-01-01", None, Period(start=datetime(2026, 1, 1, tzinfo=BEIJING))),
        ("", "2026-01-01", Period(end=datetime(2026, 1, 1, tzinfo=BEIJING))),
        (None, "  ", ANY_TIME),
    ],
)
def test_period_ends_may_be_open(start: str | None, end: str | None, expected: Period) -> None:
    assert parse_period(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-02-01", "2026-01-01"),  # before
        ("2026-01-01", "2026-01-01"),  # the same time: an empty period
        ("2026-01-01T00:00Z", "2026-01-01T08:00+08:00"),  # the same instant
        ("2026-01-01T09:00", "2026-01-01T01:00Z"),  # naive is Beijing time: the same instant
    ],
)
def test_period_end_not_after_start_is_refused_naming_both(start: str, end: str) -> None:
    detail = refusal(parse_period, start, end, ("from", "to"))
    assert detail == f"to: {end} is not after from {start}"


@pytest.mark.parametrize(
    ("start", "end", "field"), [("soon", None, "from"), ("2026-01-01", "later", "to")]
)
def test_unreadable_period_end_names_its_field(start: str, end: str | None, field: str) -> None:
    assert refusal(parse_period, start, end, ("from", "to")).startswith(f"{field}: ")


# --- parse_numbers: the batch form of parse_number

SAME_REFUSALS = [None, "", "   ", "abc", " abc ", "0x10", "x" * 60]
SAME_REFUSALS += ["NaN", "nAn", "+nan", "-nan", "inf", "-inf", "Infinity", "1e400"]


def batch(values: list[object], field: str = "lon") -> tuple[list[float], list[str]]:
    numbers, errors = parse_numbers(field, np.array(values, dtype=object))
    return numbers.tolist(), errors.tolist()


@pytest.mark.parametrize("value", SAME_REFUSALS)
def test_batch_refuses_with_the_single_message(value: object) -> None:
    _, (error,) = batch([value], "经度")
    assert error == refusal(require_number, value, "经度")


@pytest.mark.parametrize("value", ["116.3", " 116.3 ", "-1e3", 5, 2.5, "0"])
def test_batch_reads_the_single_number(value: object) -> None:
    (number,), (error,) = batch([value])
    assert (number, error) == (parse_number(value, "lon"), "")


def test_batch_answers_row_by_row() -> None:
    numbers, errors = batch(["1", "abc", "", "2.5", "nan"])
    assert errors == ["", "lon: 'abc' is not a number", "lon: missing", "", errors[4]]
    assert errors[4] == "lon: 'nan' is not a finite number"
    assert numbers[0] == 1.0
    assert numbers[3] == 2.5


def test_batch_refused_rows_are_not_finite() -> None:
    numbers, _ = batch(["abc", "", "inf"])
    assert not any(math.isfinite(n) for n in numbers)


@pytest.mark.parametrize("value", [True, False])
def test_batch_refuses_booleans_like_the_single_form(value: bool) -> None:
    _, (error,) = batch([value])
    assert error == refusal(parse_number, value, "lon")


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_batch_shows_float_nan_like_the_single_form(value: float) -> None:
    _, (error,) = batch([value])
    assert error == refusal(parse_number, value, "lon")


@pytest.mark.parametrize("text", ["１１６.３", "1_000"])
def test_batch_reads_what_the_single_form_reads(text: str) -> None:
    (number,), (error,) = batch([text])
    assert (number, error) == (parse_number(text, "lon"), "")


# --- range_errors: the batch form of parse_point's range check

OUT_OF_RANGE = [
    pytest.param(LAT, LON, "wgs84", id="swapped"),
    pytest.param(12_951_000.0, 4_864_000.0, "wgs84", id="metres-as-degrees"),
    pytest.param(200.0, 40.0, "wgs84", id="lon-beyond-180"),
    pytest.param(-20.0, -95.0, "cgcs2000", id="lat-beyond-90"),
    pytest.param(LAT, LON, "gcj02", id="swapped-gcj02"),
    pytest.param(LON, LAT, UTM50, id="degrees-for-utm"),
]


@pytest.mark.parametrize(("x", "y", "crs"), OUT_OF_RANGE)
def test_range_errors_match_the_single_refusal(x: float, y: float, crs: str) -> None:
    (error,) = range_errors(np.array([x]), np.array([y]), parse_crs(crs), fields=("x", "y"))
    assert error == refusal(parse_point, x, y, crs, fields=("x", "y"), where="x, y")


@pytest.mark.parametrize(
    ("x", "y", "crs"), [(LON, LAT, "wgs84"), (LON, LAT, "bd09"), (440_000.0, 4_427_000.0, UTM50)]
)
def test_range_errors_are_empty_for_good_points(x: float, y: float, crs: str) -> None:
    assert range_errors(np.array([x]), np.array([y]), parse_crs(crs)).tolist() == [""]


@pytest.mark.parametrize("crs", ["wgs84", UTM50])
def test_range_errors_flag_exactly_the_bad_rows(crs: str) -> None:
    good = (LON, LAT) if crs == "wgs84" else (440_000.0, 4_427_000.0)
    bad = (LAT, LON) if crs == "wgs84" else (LON, LAT)
    rows = [bad if i in (0, 3, 4, 8) else good for i in range(9)]
    x, y = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    errors = range_errors(x, y, parse_crs(crs))
    assert [i for i, error in enumerate(errors) if error] == [0, 3, 4, 8]


def test_range_errors_of_no_points_is_empty() -> None:
    assert range_errors(np.array([]), np.array([]), parse_crs(UTM50)).size == 0
