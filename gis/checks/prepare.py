"""Read the areas, report empty and invalid geometries, repair them and project to metres."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from gis import geometry
from gis.checks import wording
from gis.checks.model import ERROR, Finding, finding
from gis.errors import CRSError
from gis.geometry import WGS84, to_metric

Geoms = npt.NDArray[np.object_]
_LOCATION = re.compile(r"\[(\S+) (\S+)\]")
# Longest edge (degrees, about 10 m) kept when projecting pieces to measure them.
SEGMENT_DEGREES = 1e-4
_POLYGONAL = [int(shapely.GeometryType.POLYGON), int(shapely.GeometryType.MULTIPOLYGON)]


@dataclass(frozen=True)
class Prepared:
    """The areas ready for the geometric rules.

    ``rows`` are the positions (in the input) of the usable areas and ``wgs84`` their
    repaired polygons. Topology (which parts overlap or are uncovered) is computed on these
    stored EPSG:4326 coordinates, where shared edges are exact; measures are taken after
    projecting to the local UTM ``crs`` (``metric`` holds the areas projected).
    """

    codes: npt.NDArray[np.str_]
    rows: npt.NDArray[np.intp]
    wgs84: Geoms
    metric: Geoms
    parent: shapely.Geometry | None
    holes: Geoms
    crs: pyproj.CRS

    @cached_property
    def tree(self) -> shapely.STRtree:
        """An STRtree over ``wgs84``; its indices are positions in ``rows``."""
        return shapely.STRtree(self.wgs84)

    def codes_at(self, positions: npt.ArrayLike) -> list[str]:
        """Codes of the usable areas at ``positions`` (indices into ``rows``)."""
        return [str(c) for c in self.codes[self.rows[np.asarray(positions, dtype=np.intp)]]]

    def to_metric(self, geoms: npt.ArrayLike) -> Geoms:
        """Project EPSG:4326 geometries to ``crs``, following their straight 4326 edges.

        Edges are first cut to ``SEGMENT_DEGREES``: a long edge along a parallel bows once
        projected, so a sliver of zero area in EPSG:4326 would otherwise gain a spurious one.
        """
        segmented = shapely.segmentize(np.asarray(geoms, dtype=object), SEGMENT_DEGREES)
        return _project(segmented, WGS84, self.crs)

    def to_wgs84(self, geoms: npt.ArrayLike) -> Geoms:
        """Project geometries in ``crs`` back to EPSG:4326."""
        return _project(geoms, self.crs, WGS84)


def _project(geoms: npt.ArrayLike, source: pyproj.CRS, target: pyproj.CRS) -> Geoms:
    array = np.asarray(geoms, dtype=object)
    if array.size == 0 or source == target:
        return array
    how = pyproj.Transformer.from_crs(source, target, always_xy=True)
    return np.asarray(
        shapely.transform(array, lambda xy: np.column_stack(how.transform(xy[:, 0], xy[:, 1]))),
        dtype=object,
    )


def area_codes(areas: gpd.GeoDataFrame) -> npt.NDArray[np.str_]:
    """The ``code`` column as strings; missing codes become ``""``.

    Examples
    --------
    >>> area_codes(gpd.GeoDataFrame({"code": ["1", None, 2]}, geometry=[None] * 3)).tolist()
    ['1', '', '2']
    """
    if "code" not in areas:
        return np.full(len(areas), "", dtype=object)
    values = areas["code"]
    return np.asarray(values.where(values.notna(), "").astype(str), dtype=object)


def prepare(
    areas: gpd.GeoDataFrame,
    *,
    parent: shapely.Geometry | None,
    holes: Sequence[shapely.Geometry],
) -> tuple[Prepared, list[Finding]]:
    """Check, repair and project the areas; return them with the geometry findings.

    Raises
    ------
    CRSError
        If ``areas`` has a CRS other than EPSG:4326.
    """
    if areas.crs is not None and pyproj.CRS(areas.crs) != WGS84:
        raise CRSError(f"areas must be in EPSG:4326, not {areas.crs.to_string()}")
    codes = area_codes(areas)
    geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
    findings, repaired = _geometry_findings(codes, geoms)
    rows = np.flatnonzero(~(shapely.is_missing(repaired) | shapely.is_empty(repaired)))
    metric, crs = to_metric(repaired[rows])
    hole_array = shapely.make_valid(np.asarray(holes, dtype=object).reshape(-1))
    prepared = Prepared(codes, rows, repaired[rows], metric, parent, hole_array, crs)
    return prepared, findings


def _geometry_findings(codes: npt.NDArray[np.str_], geoms: Geoms) -> tuple[list[Finding], Geoms]:
    """Findings for empty, invalid and non-polygonal geometries, and the repaired array."""
    repaired = geoms.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    findings = [_empty(str(codes[i])) for i in np.flatnonzero(missing)]
    kinds = shapely.get_type_id(geoms)
    polygonal = np.isin(kinds, _POLYGONAL)
    invalid = ~missing & (~polygonal | ~shapely.is_valid(geoms))
    for i in np.flatnonzero(invalid):
        finding_, repaired[i] = _invalid(str(codes[i]), geoms[i])
        findings.append(finding_)
    return findings, repaired


def _empty(code: str) -> Finding:
    return finding("empty-geometry", ERROR, [code], 1, "parts", wording.empty_geometry(code))


def _invalid(code: str, geom: shapely.Geometry) -> tuple[Finding, shapely.Geometry | None]:
    """The ``invalid-geometry`` finding of one geometry and its polygonal repair (or None)."""
    repaired, where = None, None
    if shapely.get_type_id(geom) not in _POLYGONAL:
        reason, where = f"{geom.geom_type} is not polygonal", _finite_point(geom)
        words = wording.not_polygonal(code, geom.geom_type)
    else:
        reason = shapely.is_valid_reason(geom)
        if not reason.startswith("Invalid Coordinate"):  # NaN or inf: nothing to repair
            where = _location(reason) or shapely.point_on_surface(geom)
            repaired = polygonal_part(
                shapely.make_valid(geom, method="structure", keep_collapsed=False)
            )
        words = wording.invalid_geometry(code, reason)
    details = {"reason": reason}
    return finding("invalid-geometry", ERROR, [code], 1, "parts", words, where, details), repaired


def _finite_point(geom: shapely.Geometry) -> shapely.Point | None:
    """A point on the geometry, or None when it has NaN or infinite coordinates."""
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return None
    return shapely.point_on_surface(geom)


def _location(reason: str) -> shapely.Point | None:
    """The point in a GEOS validity reason such as ``Self-intersection[116.3 40.0]``.

    Examples
    --------
    >>> _location("Self-intersection[116.3 40.0]")
    <POINT (116.3 40)>
    >>> _location("Too few points in geometry component[nan nan]") is None
    True
    """
    match = _LOCATION.search(reason)
    if match is None:
        return None
    x, y = float(match.group(1)), float(match.group(2))
    return shapely.Point(x, y) if np.isfinite([x, y]).all() else None


def polygonal_part(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """The polygons of a geometry (of a collection's members), or None if there are none.

    Examples
    --------
    >>> from shapely import GeometryCollection, LineString, box
    >>> polygonal_part(GeometryCollection([box(0, 0, 1, 1), LineString([(0, 0), (2, 2)])]))
    <MULTIPOLYGON (((1 0, 1 1, 0 1, 0 0, 1 0)))>
    >>> polygonal_part(LineString([(0, 0), (1, 1)])) is None
    True
    """
    if geom is None or shapely.is_empty(geom):
        return None
    if shapely.get_type_id(geom) in _POLYGONAL:
        return geom
    polygons = geometry.polygonal_part(geom)
    return None if polygons.is_empty else polygons


def households_of(areas: gpd.GeoDataFrame) -> pd.Series:
    """The ``households`` column as floats (NaN where unknown or absent)."""
    if "households" not in areas:
        return pd.Series(np.nan, index=areas.index, dtype=float)
    return pd.to_numeric(areas["households"], errors="coerce").astype(float)
