"""Coordinate systems of gridmap input, and conversion to the stored EPSG:4326.

Coordinates reach gridmap in WGS84 (GPS, OSM), CGCS2000 (official maps), GCJ-02 (Amap, Tencent,
WeChat mini-programs), BD-09 (Baidu) or a projected EPSG system. They are converted to WGS84
exactly once, at the input edge: validate with `check_coordinates`, then call `to_wgs84` or
`geometries_to_wgs84`.

GCJ-02 is WGS84 shifted by a published obfuscation formula and BD-09 adds a second shift on top.
Neither has a closed-form inverse, so the inverses iterate the forward formula until the round
trip is within 1 cm. Pure numpy and pyproj: no SQL, no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from gis.errors import CRSError

FloatArray = npt.NDArray[np.float64]
CRSKind = Literal["wgs84", "cgcs2000", "gcj02", "bd09", "epsg"]
_Shift = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]

STORAGE_SRID = 4326
"""The one CRS gridmap stores (WGS84; CGCS2000 is within centimetres of it)."""
STORAGE_CRS = f"EPSG:{STORAGE_SRID}"

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
# The customary "inside China" rectangle of the published GCJ-02 code.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
_METRES_PER_DEGREE = 111_320.0
_TOLERANCE_M = 0.01
_MAX_ITERATIONS = 30
_ACCEPTED = "wgs84, cgcs2000, gcj02 (gcj-02, amap, mars), bd09 (bd-09, baidu), EPSG:<code>"
_EPSG_PATTERN = re.compile(r"(?:epsg:?)?(\d+)")


@dataclass(frozen=True)
class InputCRS:
    """The coordinate system that input coordinates are given in; build it with `parse_crs`."""

    kind: CRSKind
    epsg: int | None
    name: str
    is_geographic: bool

    def __str__(self) -> str:
        return f"EPSG:{self.epsg}" if self.kind == "epsg" else self.kind

    @classmethod
    def from_pyproj(cls, crs: pyproj.CRS | str) -> InputCRS:
        """Build from a pyproj CRS or anything it reads (WKT, PROJ JSON); needs an EPSG code.

        Examples
        --------
        >>> str(InputCRS.from_pyproj(pyproj.CRS.from_epsg(32650)))
        'EPSG:32650'
        """
        try:
            code = pyproj.CRS.from_user_input(crs).to_epsg()
        except pyproj.exceptions.CRSError as exc:
            raise CRSError(f"unreadable CRS {str(crs)[:80]!r}: {exc}") from exc
        if code is None:
            raise CRSError(f"CRS {str(crs)[:80]!r} has no EPSG code; accepted: {_ACCEPTED}")
        return _from_epsg(code)


WGS84 = InputCRS("wgs84", 4326, "WGS 84", is_geographic=True)
CGCS2000 = InputCRS("cgcs2000", 4490, "China Geodetic Coordinate System 2000", True)
GCJ02 = InputCRS("gcj02", None, "GCJ-02 (Amap, Tencent)", is_geographic=True)
BD09 = InputCRS("bd09", None, "BD-09 (Baidu)", is_geographic=True)
_ALIASES = {
    "wgs84": WGS84,
    "cgcs2000": CGCS2000,
    **dict.fromkeys(["gcj02", "amap", "gaode", "mars"], GCJ02),
    **dict.fromkeys(["bd09", "baidu"], BD09),
}


def parse_crs(text: str | int) -> InputCRS:
    """Parse user text into an `InputCRS`, ignoring case, spaces, '-' and '_'.

    Raises
    ------
    CRSError
        If the text names no known CRS; the message lists the accepted forms.

    Examples
    --------
    >>> parse_crs("WGS 84") == parse_crs("EPSG:4326") == parse_crs(4326) == WGS84
    True
    >>> str(parse_crs("GCJ-02")), str(parse_crs("Baidu")), str(parse_crs("epsg 3857"))
    ('gcj02', 'bd09', 'EPSG:3857')
    """
    if isinstance(text, bool) or not isinstance(text, int | str):
        raise CRSError(f"CRS must be a name or EPSG code, not {text!r}; accepted: {_ACCEPTED}")
    key = re.sub(r"[\s_\-]", "", str(text).lower())
    if key in _ALIASES:
        return _ALIASES[key]
    match = _EPSG_PATTERN.fullmatch(key)
    if match is None:
        raise CRSError(f"unknown CRS {text!r}; accepted: {_ACCEPTED}")
    return _from_epsg(int(match.group(1)))


@lru_cache(maxsize=256)
def _from_epsg(code: int) -> InputCRS:
    if code in (4326, 4490):
        return WGS84 if code == 4326 else CGCS2000
    try:
        crs = pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"unknown CRS EPSG:{code}; accepted: {_ACCEPTED}") from exc
    return InputCRS("epsg", code, crs.name, is_geographic=crs.is_geographic)


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Tell which points get the GCJ-02 / BD-09 shift.

    This is the customary bounding-box approximation of the published formula, not the
    border: parts of neighbouring countries are "inside" and NaN is outside.

    Examples
    --------
    >>> in_china([116.4, 139.7, np.nan], [39.9, 35.7, 30.0]).tolist()
    [True, False, False]
    """
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    lon_ok = (x >= _CHINA_LON[0]) & (x <= _CHINA_LON[1])
    return lon_ok & (y >= _CHINA_LAT[0]) & (y <= _CHINA_LAT[1])


def _gcj02_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x, y = lon - 105.0, lat - 35.0
    waves = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += (waves + 20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += (waves + 20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = np.radians(lat)
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    d_lat = d_lat * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * np.sqrt(magic)) * np.pi)
    d_lon = d_lon * 180.0 / (_GCJ_A / np.sqrt(magic) * np.cos(rad_lat) * np.pi)
    return lon + d_lon, lat + d_lat


def _bd09_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _wgs84_to_bd09_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _bd09_forward(*_gcj02_forward(lon, lat))


def _invert(forward: _Shift) -> _Shift:
    """Solve ``forward(w) == target`` per point by fixed-point iteration."""

    def inverse(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        w_lon, w_lat = lon.copy(), lat.copy()
        active = np.arange(lon.size)
        for _ in range(_MAX_ITERATIONS):
            f_lon, f_lat = forward(w_lon[active], w_lat[active])
            e_lon, e_lat = f_lon - lon[active], f_lat - lat[active]
            w_lon[active] -= e_lon
            w_lat[active] -= e_lat
            error_m = np.hypot(e_lon * np.cos(np.radians(lat[active])), e_lat)
            active = active[error_m * _METRES_PER_DEGREE >= _TOLERANCE_M]
            if active.size == 0:
                break
        return w_lon, w_lat

    return inverse


def _float_pair(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x_arr, y_arr = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return x_arr.copy(), y_arr.copy()


def _inside_china_only(
    shift: _Shift, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    x, y = _float_pair(lon, lat)
    flat_x, flat_y = x.reshape(-1), y.reshape(-1)
    inside = in_china(flat_x, flat_y)
    flat_x[inside], flat_y[inside] = shift(flat_x[inside], flat_y[inside])
    return flat_x.reshape(x.shape), flat_y.reshape(y.shape)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS84 to GCJ-02 (the published formula; unchanged outside `in_china`).

    Examples
    --------
    >>> [round(float(v), 6) for v in wgs84_to_gcj02(116.404, 39.915)]
    [116.410244, 39.916404]
    """
    return _inside_china_only(_gcj02_forward, lon, lat)


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Invert `wgs84_to_gcj02` by iteration to a round-trip error under 1 cm.

    Examples
    --------
    >>> [round(float(v), 6) for v in gcj02_to_wgs84(116.410244, 39.916404)]
    [116.404, 39.915]
    """
    return _inside_china_only(_invert(_gcj02_forward), lon, lat)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 to BD-09 (the usual ``x_pi`` formula; unchanged outside `in_china`).

    Examples
    --------
    >>> [round(float(v), 6) for v in gcj02_to_bd09(116.404, 39.915)]
    [116.410369, 39.921337]
    """
    return _inside_china_only(_bd09_forward, lon, lat)


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Invert `gcj02_to_bd09` by iteration to a round-trip error under 1 cm."""
    return _inside_china_only(_invert(_bd09_forward), lon, lat)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS84 to BD-09 (GCJ-02 then BD-09; unchanged outside `in_china`)."""
    return _inside_china_only(_wgs84_to_bd09_forward, lon, lat)


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Invert `wgs84_to_bd09` by iterating the composite formula (error under 1 cm).

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09([116.3, 139.7], [39.9, 35.7]))
    >>> np.round(lon, 9).tolist(), np.round(lat, 9).tolist()
    ([116.3, 139.7], [39.9, 35.7])
    """
    return _inside_china_only(_invert(_wgs84_to_bd09_forward), lon, lat)


@lru_cache(maxsize=64)
def _transformer(source: int, target: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def to_wgs84(x: npt.ArrayLike, y: npt.ArrayLike, crs: InputCRS) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates given in `crs` to WGS84 longitude and latitude.

    CGCS2000 is returned unchanged: it is within centimetres of WGS84. Validate first with
    `check_coordinates`; out-of-range input is not detected here.

    Examples
    --------
    >>> lon, lat = to_wgs84(12958040.0, 4853597.0, parse_crs("EPSG:3857"))
    >>> round(float(lon), 4), round(float(lat), 4)
    (116.4041, 39.915)
    """
    if crs.kind == "gcj02":
        return gcj02_to_wgs84(x, y)
    if crs.kind == "bd09":
        return bd09_to_wgs84(x, y)
    x_arr, y_arr = _float_pair(x, y)
    if crs.epsg is None or crs.kind in ("wgs84", "cgcs2000"):
        return x_arr, y_arr
    lon, lat = _transformer(crs.epsg, STORAGE_SRID).transform(x_arr, y_arr)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def from_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, crs: InputCRS
) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude and latitude to `crs` (the inverse of `to_wgs84`).

    Examples
    --------
    >>> [round(float(v), 6) for v in from_wgs84(116.404, 39.915, GCJ02)]
    [116.410244, 39.916404]
    >>> x, y = from_wgs84(116.4041, 39.915, parse_crs("EPSG:3857"))
    >>> round(float(x)), round(float(y))
    (12958045, 4853598)
    """
    if crs.kind == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if crs.kind == "bd09":
        return wgs84_to_bd09(lon, lat)
    x_arr, y_arr = _float_pair(lon, lat)
    if crs.epsg is None or crs.kind in ("wgs84", "cgcs2000"):
        return x_arr, y_arr
    x_out, y_out = _transformer(STORAGE_SRID, crs.epsg).transform(x_arr, y_arr)
    return np.asarray(x_out, dtype=float), np.asarray(y_out, dtype=float)


def check_coordinates(x: npt.ArrayLike, y: npt.ArrayLike, crs: InputCRS) -> None:
    """Raise `CRSError` unless every point is a finite, in-range coordinate of `crs`.

    Geographic systems need ``|lon| <= 180`` and ``|lat| <= 90``; the message says when the
    values look like projected metres or like swapped lon/lat. Projected systems need points
    near the EPSG area of use (within 10% of its projected extent), which catches degrees given
    for UTM but not for Web Mercator.

    Examples
    --------
    >>> check_coordinates([116.3], [39.9], GCJ02) is None
    True
    >>> check_coordinates(39.9, 116.3, WGS84)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.CRSError: ... latitude 116.3 is > 90: lon and lat look swapped
    """
    x_arr, y_arr = (a.reshape(-1) for a in _float_pair(x, y))
    finite = np.isfinite(x_arr) & np.isfinite(y_arr)
    if not finite.all():
        i = int(np.argmin(finite))
        raise CRSError(f"coordinates for {crs} must be finite: x={x_arr[i]} y={y_arr[i]} at {i}")
    bad = _out_of_range(x_arr, y_arr, crs)
    if bad.any():
        i = int(np.argmax(bad))
        raise CRSError(f"coordinates out of range for {crs}: {_why(x_arr[i], y_arr[i], crs)}")


def _out_of_range(x: FloatArray, y: FloatArray, crs: InputCRS) -> npt.NDArray[np.bool_]:
    if crs.is_geographic:
        return (np.abs(x) > 180.0) | (np.abs(y) > 90.0)
    # degrees given for metres: within 180 m of a projection's origin lies no place gridmap
    # serves (China's projections have false eastings of 500 km; Web Mercator's origin is at sea)
    degrees = (np.abs(x) <= 180.0) & (np.abs(y) <= 90.0)
    bounds = _projected_bounds(crs.epsg) if crs.epsg is not None else None
    if bounds is None:
        return degrees
    west, south, east, north = bounds
    return degrees | (x < west) | (x > east) | (y < south) | (y > north)


def _why(x: float, y: float, crs: InputCRS) -> str:
    if not crs.is_geographic:
        hint = "; they look like degrees, not metres" if abs(x) <= 180 and abs(y) <= 90 else ""
        return f"x={x} y={y} lie outside the area of use of {crs.name}{hint}"
    if abs(x) > 360 or abs(y) > 180:
        return f"x={x} y={y} look like projected metres, not degrees"
    if 18 <= x <= 54 and 73 <= y <= 135:
        return f"latitude {y} is > 90: lon and lat look swapped"
    return f"x={x} y={y}; need |lon| <= 180 and |lat| <= 90"


@lru_cache(maxsize=64)
def _projected_bounds(epsg: int) -> tuple[float, float, float, float] | None:
    area = pyproj.CRS.from_epsg(epsg).area_of_use
    if area is None:
        return None
    west, south, east, north = _transformer(STORAGE_SRID, epsg).transform_bounds(*area.bounds)
    margin_x, margin_y = 0.1 * (east - west), 0.1 * (north - south)
    return west - margin_x, south - margin_y, east + margin_x, north + margin_y


def geometries_to_wgs84(geoms: npt.ArrayLike, crs: InputCRS) -> npt.NDArray[np.object_]:
    """Convert an array (or GeoSeries) of shapely geometries from `crs` to WGS84.

    Z values and ``None`` entries are kept. Validate first with `check_coordinates` on
    ``shapely.get_coordinates(geoms)``.

    Examples
    --------
    >>> out = geometries_to_wgs84([shapely.Point(139.7, 35.7), None], GCJ02)
    >>> out.tolist()
    [<POINT (139.7 35.7)>, None]
    """

    def convert(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = to_wgs84(coords[:, 0], coords[:, 1], crs)
        return out

    array = np.asarray(geoms, dtype=object)
    return np.asarray(shapely.transform(array, convert, include_z=True), dtype=object)


def geometries_from_wgs84(geoms: npt.ArrayLike, crs: InputCRS) -> npt.NDArray[np.object_]:
    """Convert an array (or GeoSeries) of WGS84 shapely geometries to `crs` (for answers).

    Examples
    --------
    >>> out = geometries_from_wgs84([shapely.Point(116.404, 39.915), None], GCJ02)
    >>> [round(v, 6) for v in out[0].coords[0]], out[1]
    ([116.410244, 39.916404], None)
    """
    if crs.kind in ("wgs84", "cgcs2000"):
        return np.asarray(geoms, dtype=object)

    def convert(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = from_wgs84(coords[:, 0], coords[:, 1], crs)
        return out

    array = np.asarray(geoms, dtype=object)
    return np.asarray(shapely.transform(array, convert, include_z=True), dtype=object)


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """Return the WGS84 UTM zone CRS (EPSG:326xx north, 327xx south) containing a point.

    Use it for areas, distances and buffers; the Norway and Svalbard exceptions are ignored.

    Examples
    --------
    >>> utm_crs_for(116.4, 39.9).to_epsg(), utm_crs_for(-70.6, -33.4).to_epsg()
    (32650, 32719)
    """
    check_coordinates(lon, lat, WGS84)
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
