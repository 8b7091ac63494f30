import doctest
import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

import gis.crs
from gis.crs import (
    BD09,
    CGCS2000,
    GCJ02,
    WGS84,
    InputCRS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    check_coordinates,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometries_to_wgs84,
    in_china,
    parse_crs,
    to_wgs84,
    utm_crs_for,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis.errors import CRSError

# WGS84 -> GCJ-02 pairs as (wgs lon, wgs lat, gcj lon, gcj lat).
# eviltransform (github.com/googollee/eviltransform, python/test.py and go/transform_test.go,
# TESTS table, stored there as lat, lng):
EVILTRANSFORM_PAIRS = [
    pytest.param(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597, id="shanghai"),
    pytest.param(113.912316, 22.543847, 113.9171764808363, 22.540796131694766, id="shenzhen"),
    pytest.param(116.377817, 39.911954, 116.38404722455657, 39.91334545536069, id="beijing"),
]
# coordtransform (github.com/wandergis/coordtransform, README "result" block):
# wgs84togcj02(116.404, 39.915) -> [116.41024449916938, 39.91640428150164].
COORDTRANSFORM_PAIR = pytest.param(
    116.404, 39.915, 116.41024449916938, 39.91640428150164, id="coordtransform-beijing"
)
# Same README: gcj02tobd09(116.404, 39.915) -> [116.41036949371029, 39.92133699351021].
COORDTRANSFORM_GCJ_TO_BD = (116.404, 39.915, 116.41036949371029, 39.92133699351021)
# Same README: bd09togcj02(116.404, 39.915) -> [116.39762729119315, 39.90865673957631],
# computed there with the closed-form approximation, not by iteration.
COORDTRANSFORM_BD_TO_GCJ = (116.404, 39.915, 116.39762729119315, 39.90865673957631)

OUTSIDE_CHINA = [
    pytest.param(139.7, 35.7, id="tokyo"),
    pytest.param(-0.1276, 51.5072, id="london"),
    pytest.param(-74.006, 40.7128, id="new-york"),
    pytest.param(151.2, -33.9, id="sydney"),
]
ALL_SHIFTS = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]


def metres_apart(lon_a, lat_a, lon_b, lat_b):
    """Haversine distance, independent of the module's own error measure."""
    geod = pyproj.Geod(ellps="WGS84")
    return np.asarray(geod.inv(lon_a, lat_a, lon_b, lat_b)[2])


def random_points_in_china(n, seed):
    # The populated extent, kept clear of the 72.004-137.8347 / 0.8293-55.8271 rectangle's edge,
    # where a point and its shifted image can fall on opposite sides.
    rng = np.random.default_rng(seed)
    return rng.uniform(73.0, 135.0, n), rng.uniform(18.0, 54.0, n)


# --- published pairs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "gcj_lon", "gcj_lat"), [*EVILTRANSFORM_PAIRS, COORDTRANSFORM_PAIR]
)
def test_wgs84_to_gcj02_reproduces_published_pair(lon, lat, gcj_lon, gcj_lat):
    got_lon, got_lat = wgs84_to_gcj02(lon, lat)
    assert float(got_lon) == pytest.approx(gcj_lon, abs=1e-6)
    assert float(got_lat) == pytest.approx(gcj_lat, abs=1e-6)


@pytest.mark.parametrize(
    ("lon", "lat", "gcj_lon", "gcj_lat"), [*EVILTRANSFORM_PAIRS, COORDTRANSFORM_PAIR]
)
def test_gcj02_to_wgs84_recovers_published_pair_within_1cm(lon, lat, gcj_lon, gcj_lat):
    got_lon, got_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert metres_apart(got_lon, got_lat, lon, lat) < 0.01


def test_gcj02_to_bd09_reproduces_published_pair():
    lon, lat, bd_lon, bd_lat = COORDTRANSFORM_GCJ_TO_BD
    got_lon, got_lat = gcj02_to_bd09(lon, lat)
    assert float(got_lon) == pytest.approx(bd_lon, abs=1e-6)
    assert float(got_lat) == pytest.approx(bd_lat, abs=1e-6)


def test_bd09_to_gcj02_is_within_10cm_of_published_closed_form():
    lon, lat, gcj_lon, gcj_lat = COORDTRANSFORM_BD_TO_GCJ
    got_lon, got_lat = bd09_to_gcj02(lon, lat)
    assert metres_apart(got_lon, got_lat, gcj_lon, gcj_lat) < 0.1


@pytest.mark.parametrize(
    ("lon", "lat"),
    [pytest.param(116.39, 39.9, id="tiananmen"), pytest.param(116.30, 39.96, id="haidian")],
)
def test_gcj02_shift_in_beijing_has_documented_size_and_direction(lon, lat):
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    assert 0.005 < gcj_lon - lon < 0.007
    assert 0.001 < gcj_lat - lat < 0.0016
    assert 500 < metres_apart(lon, lat, gcj_lon, gcj_lat) < 600


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        pytest.param(wgs84_to_gcj02, gcj02_to_wgs84, id="wgs-gcj-wgs"),
        pytest.param(wgs84_to_bd09, bd09_to_wgs84, id="wgs-bd-wgs"),
        pytest.param(gcj02_to_bd09, bd09_to_gcj02, id="gcj-bd-gcj"),
    ],
)
def test_round_trip_over_china_is_within_1cm(forward, inverse):
    lon, lat = random_points_in_china(10_000, seed=2024)
    back_lon, back_lat = inverse(*forward(lon, lat))
    assert metres_apart(back_lon, back_lat, lon, lat).max() < 0.01


def test_bd09_to_wgs84_composes_the_two_inverses():
    lon, lat = random_points_in_china(1_000, seed=7)
    direct = bd09_to_wgs84(lon, lat)
    stepwise = gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    assert metres_apart(*direct, *stepwise).max() < 0.02


# --- outside China, shapes, NaN ------------------------------------------------------------------


@pytest.mark.parametrize("shift", ALL_SHIFTS)
@pytest.mark.parametrize(("lon", "lat"), OUTSIDE_CHINA)
def test_points_outside_china_are_unchanged(shift, lon, lat):
    got_lon, got_lat = shift(lon, lat)
    assert (float(got_lon), float(got_lat)) == (lon, lat)


@pytest.mark.parametrize("shift", ALL_SHIFTS)
def test_shift_keeps_the_input_shape(shift):
    lon, lat = random_points_in_china(6, seed=1)
    got_lon, got_lat = shift(lon.reshape(2, 3), lat.reshape(2, 3))
    assert got_lon.shape == got_lat.shape == (2, 3)


@pytest.mark.parametrize("shift", ALL_SHIFTS)
def test_shift_of_scalars_gives_zero_dimensional_arrays(shift):
    got_lon, got_lat = shift(116.4, 39.9)
    assert np.ndim(got_lon) == np.ndim(got_lat) == 0


@pytest.mark.parametrize("shift", ALL_SHIFTS)
def test_nan_passes_through(shift):
    got_lon, got_lat = shift([np.nan, 116.4], [39.9, 39.9])
    assert np.isnan(got_lon[0])
    assert np.isfinite([got_lon[1], got_lat[0], got_lat[1]]).all()


@pytest.mark.parametrize("shift", ALL_SHIFTS)
def test_shift_does_not_modify_its_input(shift):
    lon, lat = np.array([116.4]), np.array([39.9])
    shift(lon, lat)
    assert (lon[0], lat[0]) == (116.4, 39.9)


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (116.4, 39.9, True),
        (72.004, 0.8293, True),
        (137.8347, 55.8271, True),
        (72.0, 30.0, False),
        (100.0, 55.9, False),
        (139.7, 35.7, False),
        (np.nan, 30.0, False),
    ],
)
def test_in_china_is_the_customary_rectangle(lon, lat, expected):
    assert bool(in_china(lon, lat)) is expected


# --- parse_crs / InputCRS ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wgs84", "wgs84"),
        ("WGS 84", "wgs84"),
        ("wgs_84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("epsg:4326", "wgs84"),
        ("4326", "wgs84"),
        (4326, "wgs84"),
        ("CGCS2000", "cgcs2000"),
        ("EPSG:4490", "cgcs2000"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("gcj_02", "gcj02"),
        ("amap", "gcj02"),
        ("mars", "gcj02"),
        ("bd09", "bd09"),
        ("BD-09", "bd09"),
        ("baidu", "bd09"),
        ("EPSG:3857", "EPSG:3857"),
        (" epsg 3857 ", "EPSG:3857"),
        (32650, "EPSG:32650"),
        ("EPSG:4547", "EPSG:4547"),
    ],
)
def test_parse_crs_accepts(text, expected):
    assert str(parse_crs(text)) == expected


@pytest.mark.parametrize("text", ["foo", "", "gcj03", "EPSG:999999", "EPSG:", 999999])
def test_parse_crs_rejects_unknown_naming_value_and_accepted_forms(text):
    with pytest.raises(CRSError, match=r"unknown CRS .*accepted: wgs84, cgcs2000, gcj02") as info:
        parse_crs(text)
    assert str(text) in info.value.detail


@pytest.mark.parametrize("value", [True, 4326.0, None])
def test_parse_crs_rejects_non_text_values(value):
    with pytest.raises(CRSError, match="name or EPSG code"):
        parse_crs(value)


@pytest.mark.parametrize(
    ("text", "kind", "epsg", "geographic"),
    [
        ("wgs84", "wgs84", 4326, True),
        ("cgcs2000", "cgcs2000", 4490, True),
        ("gcj02", "gcj02", None, True),
        ("bd09", "bd09", None, True),
        ("EPSG:3857", "epsg", 3857, False),
        ("EPSG:4214", "epsg", 4214, True),
    ],
)
def test_parsed_crs_has_kind_epsg_and_geographic_flag(text, kind, epsg, geographic):
    crs = parse_crs(text)
    assert (crs.kind, crs.epsg, crs.is_geographic) == (kind, epsg, geographic)


def test_parsed_crs_has_a_display_name():
    assert parse_crs("EPSG:3857").name == "WGS 84 / Pseudo-Mercator"


def test_input_crs_is_frozen():
    with pytest.raises(AttributeError):
        WGS84.kind = "gcj02"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (pyproj.CRS.from_epsg(4326), WGS84),
        (pyproj.CRS.from_epsg(4490).to_wkt(), CGCS2000),
        (pyproj.CRS.from_epsg(3857), parse_crs("EPSG:3857")),
    ],
)
def test_from_pyproj_recognises_epsg_crs(source, expected):
    assert InputCRS.from_pyproj(source) == expected


@pytest.mark.parametrize("source", ["+proj=tmerc +lon_0=116.5 +ellps=GRS80", "not a crs"])
def test_from_pyproj_rejects_crs_without_epsg_code(source):
    with pytest.raises(CRSError):
        InputCRS.from_pyproj(source)


# --- to_wgs84 ------------------------------------------------------------------------------------


def test_to_wgs84_from_web_mercator_matches_spherical_formula():
    x, y = np.array([12958040.0, -20037508.34]), np.array([4853597.0, 0.0])
    radius = 6378137.0
    expected_lon = np.degrees(x / radius)
    expected_lat = np.degrees(2.0 * np.arctan(np.exp(y / radius)) - math.pi / 2.0)
    lon, lat = to_wgs84(x, y, parse_crs("EPSG:3857"))
    np.testing.assert_allclose(lon, expected_lon, atol=1e-9)
    np.testing.assert_allclose(lat, expected_lat, atol=1e-9)


def test_to_wgs84_from_utm_puts_false_origin_on_central_meridian():
    lon, lat = to_wgs84(500_000.0, 0.0, parse_crs(32650))
    assert (float(lon), float(lat)) == pytest.approx((117.0, 0.0), abs=1e-9)


@pytest.mark.parametrize("crs", [WGS84, CGCS2000])
def test_to_wgs84_returns_wgs84_and_cgcs2000_unchanged(crs):
    lon, lat = to_wgs84([116.4, 87.6], [39.9, 43.8], crs)
    assert lon.tolist() == [116.4, 87.6]
    assert lat.tolist() == [39.9, 43.8]


@pytest.mark.parametrize(("crs", "inverse"), [(GCJ02, gcj02_to_wgs84), (BD09, bd09_to_wgs84)])
def test_to_wgs84_uses_the_shift_inverse(crs, inverse):
    lon, lat = random_points_in_china(100, seed=3)
    np.testing.assert_array_equal(to_wgs84(lon, lat, crs), inverse(lon, lat))


# --- check_coordinates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "crs"),
    [
        ([116.3, -180.0, 180.0], [39.9, -90.0, 90.0], WGS84),
        (116.3, 39.9, GCJ02),
        ([12958040.0], [4853597.0], parse_crs("EPSG:3857")),
        ([440_000.0, 120_000.0], [4_420_000.0, 4_420_000.0], parse_crs(32650)),
        ([], [], BD09),
    ],
)
def test_check_coordinates_accepts_valid_points(x, y, crs):
    check_coordinates(x, y, crs)


def test_check_coordinates_says_projected_metres_look_wrong_for_degrees():
    expected = (
        "coordinates out of range for gcj02: x=12957000.0 y=4852000.0 "
        "look like projected metres, not degrees"
    )
    with pytest.raises(CRSError) as info:
        check_coordinates([116.3, 12957000.0], [39.9, 4852000.0], GCJ02)
    assert info.value.detail == expected


@pytest.mark.parametrize("crs", [WGS84, CGCS2000, GCJ02, BD09])
def test_check_coordinates_says_lon_and_lat_look_swapped(crs):
    with pytest.raises(CRSError, match=r"latitude 116\.3 is > 90: lon and lat look swapped"):
        check_coordinates(39.9, 116.3, crs)


@pytest.mark.parametrize(("x", "y"), [(200.0, 10.0), (10.0, -95.0)])
def test_check_coordinates_rejects_other_out_of_range_degrees(x, y):
    with pytest.raises(CRSError, match=r"out of range for wgs84: .*\|lat\| <= 90"):
        check_coordinates(x, y, WGS84)


@pytest.mark.parametrize("crs", [WGS84, GCJ02, parse_crs("EPSG:3857")])
@pytest.mark.parametrize(("x", "y"), [(np.nan, 39.9), (116.3, np.inf), (-np.inf, np.nan)])
def test_check_coordinates_rejects_nan_and_infinity(crs, x, y):
    with pytest.raises(CRSError, match="must be finite"):
        check_coordinates([116.3, x], [39.9, y], crs)


def test_check_coordinates_says_degrees_look_wrong_for_utm():
    with pytest.raises(CRSError, match=r"EPSG:32650: .* look like degrees, not metres"):
        check_coordinates(116.3, 39.9, parse_crs(32650))


def test_check_coordinates_rejects_points_far_outside_the_projected_area():
    with pytest.raises(CRSError, match="outside the area of use"):
        check_coordinates(5_000_000.0, 4_420_000.0, parse_crs(32650))


# --- geometries_to_wgs84 -------------------------------------------------------------------------


def haidian_block(shift=wgs84_to_gcj02):
    """A WGS84 block in Haidian, and the same block in another CRS."""
    wgs = shapely.box(116.30, 39.95, 116.32, 39.97)
    shifted = shapely.transform(wgs, lambda c: np.column_stack(shift(c[:, 0], c[:, 1])))
    return wgs, shifted


def test_geometries_to_wgs84_shifts_polygon_back_and_keeps_it_valid():
    wgs, gcj = haidian_block()
    [back] = geometries_to_wgs84(np.array([gcj]), GCJ02)
    assert back.is_valid
    assert shapely.hausdorff_distance(back, wgs) < 1e-7  # degrees, about 1 cm


def test_geometries_to_wgs84_moves_polygon_by_the_gcj02_offset():
    _, gcj = haidian_block()
    [back] = geometries_to_wgs84([gcj], GCJ02)
    moved = metres_apart(gcj.centroid.x, gcj.centroid.y, back.centroid.x, back.centroid.y)
    assert 500 < moved < 600


def test_geometries_to_wgs84_handles_bd09():
    wgs, bd = haidian_block(wgs84_to_bd09)
    [back] = geometries_to_wgs84([bd], BD09)
    assert shapely.hausdorff_distance(back, wgs) < 1e-7


def test_geometries_to_wgs84_reprojects_epsg_geoseries():
    wgs, _ = haidian_block()
    mercator = gpd.GeoSeries([wgs], crs=4326).to_crs(3857)
    [back] = geometries_to_wgs84(mercator, parse_crs("EPSG:3857"))
    assert shapely.hausdorff_distance(back, wgs) < 1e-9


def test_geometries_to_wgs84_keeps_none_and_z():
    out = geometries_to_wgs84([None, shapely.Point(116.31, 39.96, 50.0)], GCJ02)
    assert out[0] is None
    assert out[1].has_z
    assert out[1].z == 50.0


def test_geometries_to_wgs84_keeps_2d_geometries_2d():
    [out] = geometries_to_wgs84([shapely.Point(116.31, 39.96)], GCJ02)
    assert not out.has_z


# --- utm_crs_for ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (116.4, 39.9, 32650),
        (87.6, 43.8, 32645),
        (121.47, 31.23, 32651),
        (-70.6, -33.4, 32719),
        (-180.0, 10.0, 32601),
        (180.0, 10.0, 32660),
    ],
)
def test_utm_crs_for_picks_the_zone(lon, lat, epsg):
    assert utm_crs_for(lon, lat).to_epsg() == epsg


def test_utm_crs_for_is_metric():
    assert utm_crs_for(116.4, 39.9).axis_info[0].unit_name == "metre"


@pytest.mark.parametrize(("lon", "lat"), [(np.nan, 39.9), (39.9, 116.4), (400.0, 10.0)])
def test_utm_crs_for_rejects_invalid_points(lon, lat):
    with pytest.raises(CRSError):
        utm_crs_for(lon, lat)


# --- docstrings ----------------------------------------------------------------------------------


def test_docstring_examples_run():
    result = doctest.testmod(gis.crs, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
