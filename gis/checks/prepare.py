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

from gis.areas import Level
from gis.checks.model import ERROR, Finding, finding
from gis.errors import CRSError
from gis.geometry import WGS84, to_metric

Geoms = npt.NDArray[np.object_]
_LOCATION = re.compile(r"\[(\S+) (\S+)\]")
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


@dataclass(frozen=True)
class Prepared:
    """The areas ready for the geometric rules.

    ``rows`` are the positions (in the input) of the usable areas and ``metric`` their
    repaired polygons in the local UTM ``crs``; ``wgs84`` is the same in EPSG:4326.
    """

    level: Level
    codes: npt.NDArray[np.str_]
    rows: npt.NDArray[np.intp]
    wgs84: Geoms
    metric: Geoms
    parent: shapely.Geometry | None
    holes: Geoms
    crs: pyproj.CRS

    @cached_property
    def tree(self) -> shapely.STRtree:
        """An STRtree over ``metric``; its indices are positions in ``rows``."""
        return shapely.STRtree(self.metric)

    def codes_at(self, positions: npt.ArrayLike) -> list[str]:
        """Codes of the usable areas at ``positions`` (indices into ``rows``)."""
        return [str(c) for c in self.codes[self.rows[np.asarray(positions, dtype=np.intp)]]]

    def to_wgs84(self, geoms: Sequence[shapely.Geometry | None]) -> Geoms:
        """Project metric geometries back to EPSG:4326."""
        array = np.asarray(geoms, dtype=object)
        if array.size == 0 or self.crs == WGS84:
            return array
        back = pyproj.Transformer.from_crs(self.crs, WGS84, always_xy=True)
        return shapely.transform(
            array, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1]))
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
    level: Level,
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
    usable = ~(shapely.is_missing(repaired) | shapely.is_empty(repaired))
    rows = np.flatnonzero(usable)
    extra = [g for g in (parent, *holes) if g is not None]
    projected, crs = to_metric(np.concatenate([repaired[rows], np.asarray(extra, dtype=object)]))
    n = rows.size
    metric_parent = projected[n] if parent is not None else None
    metric_holes = projected[n + (parent is not None) :]
    prepared = Prepared(
        level, codes, rows, repaired[rows], projected[:n], metric_parent, metric_holes, crs
    )
    return prepared, findings


def _geometry_findings(codes: npt.NDArray[np.str_], geoms: Geoms) -> tuple[list[Finding], Geoms]:
    """Findings for empty, invalid and non-polygonal geometries, and the repaired array."""
    repaired = geoms.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    findings = [_empty(str(codes[i])) for i in np.flatnonzero(missing)]
    kinds = shapely.get_type_id(geoms)
    polygonal = np.isin(kinds, [int(k) for k in _POLYGONAL])
    invalid = ~missing & (~polygonal | ~shapely.is_valid(geoms))
    for i in np.flatnonzero(invalid):
        finding_, repaired[i] = _invalid(str(codes[i]), geoms[i])
        findings.append(finding_)
    return findings, repaired


def _empty(code: str) -> Finding:
    return finding("empty-geometry", ERROR, [code], 1, "parts", f"{code}: geometry is empty")


def _invalid(code: str, geom: shapely.Geometry) -> tuple[Finding, shapely.Geometry | None]:
    """The ``invalid-geometry`` finding of one geometry and its polygonal repair (or None)."""
    if shapely.get_type_id(geom) not in [int(k) for k in _POLYGONAL]:
        reason, where = f"{geom.geom_type} is not polygonal", shapely.point_on_surface(geom)
        repaired = None
    else:
        reason = shapely.is_valid_reason(geom)
        where = _location(reason) or shapely.point_on_surface(geom)
        repaired = (
            None
            if reason.startswith("Invalid Coordinate")
            else polygonal_part(shapely.make_valid(geom, method="structure", keep_collapsed=False))
        )
    message = f"{code}: invalid geometry: {reason}"
    details = {"reason": reason}
    return finding("invalid-geometry", ERROR, [code], 1, "parts", message, where, details), repaired


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
    <POLYGON ((1 0, 1 1, 0 1, 0 0, 1 0))>
    >>> polygonal_part(LineString([(0, 0), (1, 1)])) is None
    True
    """
    if geom is None or shapely.is_empty(geom):
        return None
    if shapely.get_type_id(geom) in [int(k) for k in _POLYGONAL]:
        return geom
    parts = shapely.get_parts(geom)
    polygons = parts[np.isin(shapely.get_type_id(parts), [int(k) for k in _POLYGONAL])]
    if polygons.size == 0:
        return None
    return polygons[0] if polygons.size == 1 else shapely.union_all(polygons)


def households_of(areas: gpd.GeoDataFrame) -> pd.Series:
    """The ``households`` column as floats (NaN where unknown or absent)."""
    if "households" not in areas:
        return pd.Series(np.nan, index=areas.index, dtype=float)
    return pd.to_numeric(areas["households"], errors="coerce").astype(float)
