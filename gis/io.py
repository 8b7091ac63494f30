"""Reading boundary files into validated, WGS84 area tables (and writing them back).

All file I/O of boundaries goes through here: formats are read with pyogrio (GeoJSON,
GeoPackage, Shapefile, FlatGeobuf, KML), fields are detected from common names, every feature
is checked (code format, geometry, coordinate range) and the result is converted once to
EPSG:4326, the storage CRS.
"""

from __future__ import annotations

import io
import json
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import shapely.geometry
from pyogrio.errors import DataLayerError, DataSourceError

from gis import crs as crslib
from gis.areas import Level, check_code
from gis.crs import STORAGE_CRS, STORAGE_SRID
from gis.errors import (
    CodeError,
    CRSError,
    InvalidGeometry,
    InvalidInput,
    PayloadTooLarge,
    UnreadableFile,
)
from gis.geometry import area_m2, polygonal_part
from gis.spreadsheets import parse_csv_encoding, table_bytes

FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".zip": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
    ".kml": "KML",
}
WRITE_FORMATS = {"geojson": "GeoJSON", "gpkg": "GPKG", "fgb": "FlatGeobuf"}
CODE_FIELDS = (
    "code",
    "adcode",
    "网格编码",
    "网格代码",
    "编码",
    "代码",
    "区划代码",
    "grid_code",
    "gridcode",
    "wgbm",
    "bm",
    "dm",
)
NAME_FIELDS = ("name", "名称", "网格名称", "网格名", "grid_name", "mc", "名字")
HOUSEHOLD_FIELDS = ("households", "户数", "hh")
POPULATION_FIELDS = ("population", "人口", "人口数", "pop")
COLUMNS = ["code", "name", "households", "population", "attributes", "geometry"]
EXPORT_FORMATS = {"gpkg": "GPKG", "geojson": "GeoJSON", "shp.zip": "ESRI Shapefile", "kml": "KML"}
FILE_FORMATS = {**EXPORT_FORMATS, "csv": "CSV"}
"""What areas may be exported as: the GIS formats (which upload again) and a CSV for Excel."""
"""The files a plan's areas are exported as (`export_areas`): extension to GDAL driver.

KML is written by GDAL's own KML driver (always built in); the placemark's name is the area's.
"""
EXPORT_COLUMNS = [
    "code",
    "name",
    "level",
    "parent_code",
    "households",
    "households_source",
    "area_m2",
]
"""The attributes of an exported area (`export_table`)."""
SHAPEFILE_FIELDS = {"parent_code": "parent_cd", "households_source": "hh_source"}
"""Export columns a Shapefile names otherwise: its field names have at most 10 characters."""
ENCODINGS = {"utf-8": "UTF-8", "gbk": "GBK"}
"""Attribute encodings of an exported Shapefile, as its ``.cpg`` names them."""
# columns of gridmap's own exports that are derived or kept by the store, not attributes
STRUCTURAL = {
    "id",
    "level",
    "parent_code",
    "valid_from",
    "valid_to",
    "attributes",
    "households_source",
    "area_m2",
    *SHAPEFILE_FIELDS.values(),
}
# what GDAL reads from every KML placemark (display and time), not attributes of an area
KML_PLACEMARK = {
    "timestamp",
    "begin",
    "end",
    "altitudemode",
    "tessellate",
    "extrude",
    "visibility",
    "draworder",
    "icon",
}


@dataclass
class BoundaryFile:
    """Areas read from one file: a GeoDataFrame in EPSG:4326 with `COLUMNS`, plus notes.

    ``repairs`` lists the features whose geometry was repaired (``--repair``).
    """

    areas: gpd.GeoDataFrame
    source_crs: str
    code_field: str
    name_field: str
    repairs: list[str] = field(default_factory=list)


def detect_field(
    columns: list[str], candidates: tuple[str, ...], given: str | None, what: str
) -> str | None:
    """The column to use for ``what``: ``given`` if any (must exist), else the first candidate.

    Examples
    --------
    >>> detect_field(["OBJECTID", "网格编码", "NAME"], CODE_FIELDS, None, "code")
    '网格编码'
    >>> detect_field(["Name"], NAME_FIELDS, None, "name")
    'Name'
    """
    if given is not None:
        if given not in columns:
            raise UnreadableFile(f"{what}_field: no field {given!r}; fields are {columns}")
        return given
    lowered = {column.lower(): column for column in columns}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def read_frame(
    path: Path, layer: str | None = None, encoding: str | None = None
) -> gpd.GeoDataFrame:
    """Read a vector file with pyogrio, raising `UnreadableFile` with the reason."""
    if not path.exists():
        raise UnreadableFile(f"file: {path} does not exist")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise UnreadableFile(
            f"file: unknown format {suffix or '(no extension)'!r} of {path.name}; "
            f"expected one of {known}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = gpd.read_file(_source(path), layer=layer, engine="pyogrio", encoding=encoding)
    except (DataSourceError, DataLayerError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0]
        raise UnreadableFile(
            f"file: cannot read {path.name} as {FORMATS[suffix]}: {reason}"
        ) from exc
    if frame.empty:
        raise UnreadableFile(f"file: {path.name} has no features")
    return _without_placemark_fields(frame) if suffix == ".kml" else frame


def _without_placemark_fields(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A KML's features without the fields every placemark has (a description only if empty)."""
    dropped = [
        column
        for column in frame.columns
        if column.lower() in KML_PLACEMARK
        or (column.lower() == "description" and frame[column].isna().all())
    ]
    return frame.drop(columns=dropped)


def _source(path: Path) -> str:
    """What GDAL opens for ``path``: a zip through ``/vsizip/`` (read in place, not extracted)."""
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def check_upload(path: Path, *, max_areas: int, max_unzipped_bytes: int) -> int:
    """Refuse a boundary file that holds too much before anything of it is read; its count.

    A zip is measured by the sizes its members declare (nothing is extracted: a zip bomb is
    refused as it is); features are counted by the driver (a shapefile's header, a GeoPackage's
    table, one pass over GeoJSON) without building a geometry.

    Raises
    ------
    PayloadTooLarge
        Over ``max_unzipped_bytes`` unzipped, or over ``max_areas`` features.
    UnreadableFile
        If the file cannot be opened in its format.
    """
    if path.suffix.lower() == ".zip":
        unzipped = unzipped_bytes(path)
        if unzipped > max_unzipped_bytes:
            raise PayloadTooLarge(
                f"file: {path.name} unzips to {unzipped:,} bytes; at most {max_unzipped_bytes:,}"
            )
    count = feature_count(path)
    if count > max_areas:
        raise PayloadTooLarge(
            f"file: {path.name} has {count:,} features; at most {max_areas:,} areas per "
            "upload (split it)"
        )
    return count


def unzipped_bytes(path: Path) -> int:
    """The sizes the members of a zip declare, together (`UnreadableFile` if it is no zip)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"file: {path.name} is not a readable zip: {exc}") from exc


def feature_count(path: Path, layer: str | None = None) -> int:
    """How many features the driver says the file has, without reading them."""
    try:
        info = pyogrio.read_info(_source(path), layer=layer, force_feature_count=True)
    except (DataSourceError, DataLayerError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0]
        what = FORMATS.get(path.suffix.lower(), "a vector file")
        raise UnreadableFile(f"file: cannot read {path.name} as {what}: {reason}") from exc
    return int(info["features"])


def resolve_crs(frame: gpd.GeoDataFrame, given: str | None, path: Path) -> crslib.InputCRS:
    """The CRS of the coordinates: ``--crs`` if given, else the file's own.

    GCJ-02 and BD-09 files always declare WGS84 (they are not EPSG systems), so ``--crs
    gcj02|bd09`` overrides a declared geographic CRS; any other disagreement is an error.
    """
    declared = crslib.InputCRS.from_pyproj(frame.crs) if frame.crs is not None else None
    if given is None:
        if declared is None:
            raise CRSError(
                f"crs: {path.name} declares no coordinate system; "
                "give one, e.g. wgs84, gcj02, bd09 or EPSG:4547"
            )
        return declared
    stated = crslib.parse_crs(given)
    if declared is None or declared == stated:
        return stated
    if declared.is_geographic and stated.is_geographic:
        return stated
    raise CRSError(f"crs: {path.name} declares {declared} but crs says {stated}")


def _label(position: int, codes: pd.Series | None) -> str:
    code = codes.iloc[position] if codes is not None else None
    return f"feature {position + 1}" + (f" (code {code})" if code else "")


def normalise_codes(values: pd.Series) -> pd.Series:
    """Codes as strings: integers and floats like ``110108.0`` become ``'110108'``.

    Examples
    --------
    >>> normalise_codes(pd.Series([110108, 110108010.0, " 110108010019 ", None])).tolist()
    ['110108', '110108010', '110108010019', '']
    """

    def one(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    return values.map(one).astype(str)


def check_codes(codes: pd.Series, level: Level) -> None:
    """Every code has the level's format, and none repeats."""
    for position, code in enumerate(codes):
        if not code:
            raise CodeError(f"feature {position + 1}: field code is empty")
        try:
            check_code(level, code)
        except CodeError as exc:
            raise CodeError(f"feature {position + 1}: {exc.detail}") from None
    repeated = codes[codes.duplicated(keep=False)]
    if not repeated.empty:
        positions = [str(p + 1) for p in np.flatnonzero(codes.duplicated(keep=False))]
        raise CodeError(
            f"features {', '.join(positions)}: field code {repeated.iloc[0]!r} "
            "appears more than once in the file"
        )


def check_geometries(
    geoms: np.ndarray, codes: pd.Series, repair: bool
) -> tuple[np.ndarray, list[str]]:
    """Refuse empty, non-polygonal or invalid geometries (or repair the invalid ones).

    Returns the (possibly repaired) geometries and one note per repair. Errors name the
    feature, the reason GEOS gives and its location.
    """
    repairs: list[str] = []
    out = geoms.copy()
    for position, geometry in enumerate(geoms):
        label = _label(position, codes)
        if geometry is None or shapely.is_empty(geometry):
            raise InvalidGeometry(f"{label}: field geometry is empty")
        if shapely.get_type_id(geometry) not in (3, 6):
            raise InvalidGeometry(
                f"{label}: field geometry is a {geometry.geom_type}; "
                "expected Polygon or MultiPolygon"
            )
        if shapely.is_valid(geometry):
            continue
        reason = shapely.is_valid_reason(geometry)
        if not repair:
            raise InvalidGeometry(
                f"{label}: field geometry is invalid: {reason} (repair fixes it with make_valid)"
            )
        out[position] = polygonal_part(shapely.make_valid(geometry))
        if shapely.is_empty(out[position]):
            raise InvalidGeometry(
                f"{label}: field geometry is invalid ({reason}) and "
                "nothing polygonal is left after repair"
            )
        repairs.append(f"{label}: repaired {reason}")
    return out, repairs


def to_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Promote polygons to single-part multipolygons (the storage type).

    Examples
    --------
    >>> from shapely import box
    >>> promoted = to_multipolygons(np.array([box(0, 0, 1, 1), None], dtype=object))
    >>> promoted[0].geom_type, promoted[1]
    ('MultiPolygon', None)
    """
    out = np.array(geoms, dtype=object)
    polygons = np.flatnonzero(shapely.get_type_id(out) == 3)
    if polygons.size:
        out[polygons] = shapely.multipolygons(out[polygons], indices=np.arange(polygons.size))
    return out


def _counts(frame: gpd.GeoDataFrame, candidates: tuple[str, ...], what: str) -> pd.Series:
    """Whole, non-negative counts from the first matching field (None where missing)."""
    column = detect_field(list(frame.columns), candidates, None, what)
    if column is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = np.flatnonzero((values < 0) | (frame[column].notna() & values.isna()))
    if bad.size:
        position = int(bad[0])
        raise InvalidInput(
            f"feature {position + 1}: field {column}: {_jsonable(frame[column].iloc[position])!r} "
            "is not a whole number >= 0"
        )
    return values.map(lambda v: None if pd.isna(v) else int(v)).astype(object)


def _count_columns(frame: gpd.GeoDataFrame) -> set[str]:
    columns = list(frame.columns)
    found = (
        detect_field(columns, fields, None, "count")
        for fields in (HOUSEHOLD_FIELDS, POPULATION_FIELDS)
    )
    return {column for column in found if column}


def _attributes(frame: gpd.GeoDataFrame, used: set[str]) -> list[dict[str, object]]:
    """Free attributes: the other fields, merged into an exported ``attributes`` JSON field."""
    rest = [c for c in frame.columns if c not in used | STRUCTURAL and c != frame.geometry.name]
    plain = frame[rest].astype(object).where(frame[rest].notna(), None)
    exported = frame["attributes"] if "attributes" in frame.columns else [None] * len(frame)
    return [
        {**_parse_json_object(saved), **{k: _jsonable(v) for k, v in row.items()}}
        for row, saved in zip(plain.to_dict("records"), exported, strict=True)
    ]


def _parse_json_object(value: object) -> dict[str, object]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {"attributes": value}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _jsonable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def read_boundaries(
    path: Path,
    *,
    level: Level,
    crs: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    repair: bool = False,
    layer: str | None = None,
    encoding: str | None = None,
    lenient: bool = False,
) -> BoundaryFile:
    """Read, check and convert the areas of one boundary file to EPSG:4326.

    Raises a `gis.errors.InvalidInput` subclass naming the feature and field on the first
    problem: unreadable file, unknown format, missing CRS, coordinates out of range, bad or
    duplicate codes, empty or invalid geometry (unless ``repair``). With ``lenient`` (for
    checking and for draft plans) codes and geometries are kept as they are, to be reported by
    `gis.checks`; only what prevents reading at all (format, CRS, coordinates) is refused.
    """
    frame = read_frame(path, layer=layer, encoding=encoding)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    code_col = detect_field(columns, CODE_FIELDS, code_field, "code")
    name_col = detect_field(columns, NAME_FIELDS, name_field, "name")
    if code_col is None:
        raise CodeError(f"code_field: no code field found in {path.name}; fields are {columns}")
    codes = normalise_codes(frame[code_col])
    names = frame[name_col].fillna("").astype(str).str.strip() if name_col else codes
    source_crs = resolve_crs(frame, crs, path)
    geoms, repairs = frame.geometry.to_numpy(), list[str]()
    if not lenient:
        check_codes(codes, level)
        geoms, repairs = check_geometries(geoms, codes, repair)
    check_ranges(geoms, codes, source_crs)
    wgs84 = to_multipolygons(crslib.geometries_to_wgs84(geoms, source_crs))
    areas = gpd.GeoDataFrame(
        {
            "code": codes.to_numpy(),
            "name": np.where(names.to_numpy() == "", codes.to_numpy(), names.to_numpy()),
            "households": _counts(frame, HOUSEHOLD_FIELDS, "households").to_numpy(),
            "population": _counts(frame, POPULATION_FIELDS, "population").to_numpy(),
            "attributes": _attributes(frame, {code_col, name_col or "", *_count_columns(frame)}),
        },
        geometry=gpd.GeoSeries(wgs84, crs=STORAGE_CRS),
    )
    return BoundaryFile(areas, str(source_crs), code_col, name_col or code_col, repairs)


def check_ranges(geoms: np.ndarray, codes: pd.Series, source_crs: crslib.InputCRS) -> None:
    """Coordinates must be plausible for the stated CRS (degrees in range, not swapped).

    All at once; only a file that fails is gone through feature by feature, to name the first.
    """
    xy = shapely.get_coordinates(geoms)
    try:
        crslib.check_coordinates(xy[:, 0], xy[:, 1], source_crs)
    except CRSError:
        pass
    else:
        return
    for position, geometry in enumerate(geoms):
        xy = shapely.get_coordinates(geometry) if geometry is not None else np.empty((0, 2))
        try:
            crslib.check_coordinates(xy[:, 0], xy[:, 1], source_crs)
        except CRSError as exc:
            raise CRSError(f"{_label(position, codes)}: field geometry: {exc.detail}") from None


def write_areas(areas: gpd.GeoDataFrame, path: Path, file_format: str) -> None:
    """Write areas (EPSG:4326) as GeoJSON, GeoPackage or FlatGeobuf."""
    driver = WRITE_FORMATS.get(file_format)
    if driver is None:
        raise UnreadableFile(
            f"format: unknown format {file_format!r}; expected one of {', '.join(WRITE_FORMATS)}"
        )
    if path.exists():
        path.unlink()
    pyogrio.write_dataframe(areas, path, driver=driver)


def export_table(
    areas: gpd.GeoDataFrame, *, level: str | None = None, parent_code: str | None = None
) -> gpd.GeoDataFrame:
    """Areas (EPSG:4326) as an exported file holds them: `EXPORT_COLUMNS` and the geometry.

    ``households`` becomes a nullable whole number, ``area_m2`` the area in m² to 0.1 m²;
    ``households_source`` is kept if the areas have it. ``level`` and ``parent_code`` are
    the areas' own columns unless given (a plan's areas have neither).

    Examples
    --------
    >>> from shapely import box
    >>> areas = gpd.GeoDataFrame({"code": ["a"], "name": ["西"], "households": [None]},
    ...                          geometry=[box(116.34, 39.99, 116.35, 40.0)], crs=4326)
    >>> table = export_table(areas, level="grid", parent_code="110108010019")
    >>> table.drop(columns="geometry").to_dict("records")
    [{'code': 'a', 'name': '西', 'level': 'grid', 'parent_code': '110108010019', \
'households': None, 'households_source': None, 'area_m2': 947550.4}]
    """
    sources = areas.get("households_source")
    table = pd.DataFrame(
        {
            "code": areas["code"].astype(str).to_numpy(),
            "name": areas["name"].astype(str).to_numpy(),
            "level": areas["level"].to_numpy() if level is None else level,
            "parent_code": areas["parent_code"].to_numpy() if parent_code is None else parent_code,
            "households": pd.array(areas["households"].to_numpy(), dtype="Int32"),
            "households_source": [None] * len(areas) if sources is None else sources.to_numpy(),
            "area_m2": np.round(area_m2(areas.geometry.to_numpy()), 1),
        }
    )
    geometry = to_multipolygons(areas.geometry.to_numpy())
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, crs=STORAGE_CRS))


def parse_encoding(value: str | None, file_format: str) -> str:
    """The attribute encoding of an export: ``utf-8`` (the default) or, for a Shapefile, ``gbk``.

    Examples
    --------
    >>> parse_encoding("GBK", "shp.zip"), parse_encoding(None, "kml")
    ('gbk', 'utf-8')
    >>> parse_encoding("gbk", "kml")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: encoding: only shp.zip and csv have a choice; kml is utf-8
    """
    if value is None:
        return "utf-8"
    encoding = value.strip().lower()
    if encoding not in ENCODINGS:
        raise InvalidInput(f"encoding: {value[:20]!r} is not one of {', '.join(ENCODINGS)}")
    if encoding != "utf-8" and file_format not in ("shp.zip", "csv"):
        raise InvalidInput(f"encoding: only shp.zip and csv have a choice; {file_format} is utf-8")
    return encoding


def export_areas(
    table: gpd.GeoDataFrame,
    file_format: str,
    *,
    name: str,
    encoding: str = "utf-8",
    crs: crslib.InputCRS = crslib.WGS84,
) -> bytes:
    """The bytes of a file of ``table`` in ``file_format`` (one of `FILE_FORMATS`).

    ``name`` names the layer and the file (a zipped Shapefile's members: ``name.shp``,
    ``.shx``, ``.dbf``, ``.prj`` and ``.cpg``, with no folder). A Shapefile's long field
    names are shortened as `SHAPEFILE_FIELDS` says, and its attributes are encoded in
    ``encoding`` (``gbk`` for desktop GIS that read them so; the ``.cpg`` says which). A CSV
    (for Excel: UTF-8 with a BOM, or GBK) has the attributes, a point inside each area
    (``lon``, ``lat``) and its outline as WKT. Coordinates are in ``crs`` (`in_crs`). The
    file is written in a temporary folder, removed afterwards even on error.

    Raises
    ------
    InvalidInput
        An unknown format or encoding, a text that GBK cannot encode, a projected CRS for KML.
    """
    driver = FILE_FORMATS[parse_export_format(file_format)]
    encoding = parse_encoding(encoding, file_format)
    if driver == "KML" and not crs.is_geographic:
        raise InvalidInput(f"crs: a KML file is in longitude and latitude, not {crs}")
    table = in_crs(table, crs)
    if driver == "CSV":
        return _areas_csv(table, encoding)
    with tempfile.TemporaryDirectory(prefix="gridmap-export-") as folder:
        if file_format == "shp.zip":
            return _zipped_shapefile(table, Path(folder), name, encoding)
        path = Path(folder) / f"{name}.{file_format}"
        kml = driver == "KML"  # a KML layer is an XML id: no hyphens
        pyogrio.write_dataframe(
            table,
            path,
            layer=name.replace("-", "_") if kml else name,
            driver=driver,
            geometry_type="MultiPolygon",
            dataset_options={"NameField": "name"} if kml else None,
        )
        return path.read_bytes()


def in_crs(table: gpd.GeoDataFrame, crs: crslib.InputCRS) -> gpd.GeoDataFrame:
    """``table`` (EPSG:4326) with its coordinates in ``crs``.

    The file says the CRS by its EPSG code; GCJ-02 and BD-09 have none, so their files say
    EPSG:4326 with shifted coordinates, as Chinese web maps' own exports do.

    Examples
    --------
    >>> from shapely import Point
    >>> table = gpd.GeoDataFrame(geometry=[Point(116.404, 39.915)], crs=4326)
    >>> [round(v, 6) for v in in_crs(table, crslib.GCJ02).geometry[0].coords[0]]
    [116.410244, 39.916404]
    >>> in_crs(table, crslib.CGCS2000).crs.to_epsg()
    4490
    """
    if crs.kind == "wgs84":
        return table
    moved = crslib.geometries_from_wgs84(table.geometry.to_numpy(), crs)
    code = crs.epsg if crs.epsg is not None else STORAGE_SRID
    return table.set_geometry(gpd.GeoSeries(moved, index=table.index, crs=f"EPSG:{code}"))


def _areas_csv(table: gpd.GeoDataFrame, encoding: str) -> bytes:
    """Areas as a CSV: attributes, a point inside each, and the outline as WKT.

    The point is ``lon``, ``lat`` (``x``, ``y`` when projected); an Excel cell holds 32,767
    characters, which a grid's outline fits.
    """
    inside = shapely.point_on_surface(table.geometry.to_numpy())
    geographic = table.crs is None or table.crs.is_geographic
    digits, (x, y) = (7, ("lon", "lat")) if geographic else (3, ("x", "y"))
    frame = pd.DataFrame(table.drop(columns=table.geometry.name))
    frame[x] = np.round(shapely.get_x(inside), digits)
    frame[y] = np.round(shapely.get_y(inside), digits)
    frame["wkt"] = shapely.to_wkt(table.geometry.to_numpy(), rounding_precision=digits)
    return table_bytes(frame, "csv", encoding=parse_csv_encoding(encoding))


def parse_export_format(value: str) -> str:
    """One of `FILE_FORMATS` (the file extension, without its dot).

    Examples
    --------
    >>> parse_export_format("shp.zip")
    'shp.zip'
    >>> parse_export_format("xlsx")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: format: 'xlsx' is not one of .gpkg, .geojson, .shp.zip, .kml, .csv
    """
    if value not in FILE_FORMATS:
        known = ", ".join(f".{ext}" for ext in FILE_FORMATS)
        raise InvalidInput(f"format: {value[:20]!r} is not one of {known}")
    return value


def _zipped_shapefile(table: gpd.GeoDataFrame, folder: Path, name: str, encoding: str) -> bytes:
    """A Shapefile of ``table`` written in ``folder``, its files zipped side by side."""
    if encoding == "gbk":
        _check_encodable(table, "gbk")
    renamed = table.rename(columns=SHAPEFILE_FIELDS)
    pyogrio.write_dataframe(
        renamed,
        folder / f"{name}.shp",
        driver="ESRI Shapefile",
        geometry_type="MultiPolygon",
        encoding=ENCODINGS[encoding],
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for member in sorted(folder.iterdir()):
            out.write(member, arcname=member.name)
    return archive.getvalue()


def _check_encodable(table: gpd.GeoDataFrame, encoding: str) -> None:
    """Refuse a text that ``encoding`` cannot hold (GDAL would write ``?`` in its place)."""
    for column in table.columns.drop(table.geometry.name):
        for position, value in enumerate(table[column]):
            if not isinstance(value, str):
                continue
            try:
                value.encode(encoding)
            except UnicodeEncodeError:
                code = table["code"].iloc[position]
                raise InvalidInput(
                    f"encoding: field {column} of area {code} has characters {encoding} "
                    "cannot encode; export with utf-8"
                ) from None


def read_shape(value: str, *, crs: str | None = None, field: str = "geometry") -> shapely.Geometry:
    """One geometry from WKT text or a file (all its features united), in EPSG:4326.

    WKT is taken as WGS84 unless ``crs`` says otherwise; a file uses its own CRS unless ``crs``.

    Examples
    --------
    >>> read_shape("LINESTRING (116.34 40.0, 116.36 40.0)").length
    0.01999999999999602
    """
    path = Path(value)
    if path.suffix.lower() in FORMATS and path.exists():
        frame = read_frame(path)
        source = resolve_crs(frame, crs, path)
        geometry = shapely.union_all(frame.geometry.to_numpy())
    else:
        try:
            geometry = shapely.from_wkt(value)
        except shapely.errors.GEOSException:
            raise InvalidInput(
                f"{field}: {value[:40]!r} is neither WKT nor a readable file"
            ) from None
        source = crslib.parse_crs(crs or "wgs84")
    return _in_wgs84(geometry, source, field)


def _in_wgs84(geometry: shapely.Geometry, source: Any, field: str) -> shapely.Geometry:
    xy = shapely.get_coordinates(geometry)
    try:
        crslib.check_coordinates(xy[:, 0], xy[:, 1], source)
    except CRSError as exc:
        raise CRSError(f"{field}: {exc.detail}") from None
    return crslib.geometries_to_wgs84(np.array([geometry], dtype=object), source)[0]


def geojson_shape(
    value: object, *, kinds: tuple[str, ...], crs: str | None = None, field: str = "geometry"
) -> shapely.Geometry:
    """A GeoJSON geometry object of one of ``kinds`` (in ``crs``, default WGS84), in EPSG:4326.

    Examples
    --------
    >>> line = {"type": "LineString", "coordinates": [[116.34, 40.0], [116.36, 40.0]]}
    >>> geojson_shape(line, kinds=("LineString",)).geom_type
    'LineString'
    >>> geojson_shape({"type": "Point", "coordinates": [116.3, 40]}, kinds=("Polygon",))
    Traceback (most recent call last):
    ...
    gis.errors.InvalidGeometry: geometry: a Point; expected a GeoJSON Polygon
    """
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in kinds:
        shown = kind if isinstance(kind, str) else type(value).__name__
        raise InvalidGeometry(f"{field}: a {shown}; expected a GeoJSON {' or '.join(kinds)}")
    try:
        geometry = shapely.geometry.shape(value)
    except (TypeError, ValueError, IndexError, KeyError, shapely.errors.GEOSException):
        raise InvalidGeometry(f"{field}: not a valid GeoJSON {kind}") from None
    if geometry.is_empty:
        raise InvalidGeometry(f"{field}: an empty {kind}")
    return _in_wgs84(geometry, crslib.parse_crs(crs or "wgs84"), field)
