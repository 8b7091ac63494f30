"""Rules on the shape of each area: ``multipart``, ``sliver`` and ``enclosed``."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from gis.checks import wording
from gis.checks.model import INFO, WARNING, CheckConfig, Finding, finding
from gis.checks.prepare import Prepared


def polsby_popper(geoms: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Compactness 4πA/P² (1 for a circle, π/4 for a square, near 0 for a sliver).

    Examples
    --------
    >>> from shapely import box
    >>> polsby_popper([box(0, 0, 1, 1), box(0, 0, 100, 1)]).round(4).tolist()
    [0.7854, 0.0308]
    """
    perimeter = shapely.length(geoms)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = 4 * np.pi * shapely.area(geoms) / perimeter**2
    return np.nan_to_num(ratio, nan=0.0)


def find_slivers(prep: Prepared, config: CheckConfig) -> list[Finding]:
    """``sliver`` findings: areas whose Polsby-Popper ratio is below ``config.sliver_ratio``."""
    ratio = polsby_popper(prep.metric)
    findings = []
    for position in np.flatnonzero(ratio < config.sliver_ratio):
        (code,) = prep.codes_at([position])
        value = float(ratio[position])
        words = wording.sliver(code, value, config.sliver_ratio)
        geometry = prep.wgs84[position]
        findings.append(finding("sliver", WARNING, [code], value, "ratio", words, geometry))
    return findings


def find_multipart(prep: Prepared, config: CheckConfig) -> list[Finding]:
    """``multipart`` findings: areas with more than one part of at least the tolerance."""
    parts, owner = shapely.get_parts(prep.wgs84, return_index=True)
    areas = shapely.area(shapely.get_parts(prep.metric))  # same parts, same order, in metres
    big = areas >= config.overlap_tolerance_m2
    parts, owner, areas = parts[big], owner[big], areas[big]
    counts = np.bincount(owner, minlength=prep.wgs84.size)
    findings = []
    for position in np.flatnonzero(counts > 1):
        start, stop = np.searchsorted(owner, [position, position + 1])
        code = prep.codes_at([position])[0]
        findings.append(_multipart(code, config, parts[start:stop], areas[start:stop]))
    return findings


def _multipart(
    code: str, config: CheckConfig, parts: npt.NDArray[np.object_], areas: npt.NDArray[np.float64]
) -> Finding:
    largest = int(np.argmax(areas))
    rest = float(areas.sum() - areas[largest])
    severity = INFO if code in config.allow_multipart else config.multipart_severity
    words = wording.multipart(code, parts.size, rest)
    geometry = shapely.multipolygons(np.delete(parts, largest))
    details = {"parts": parts.size, "largest_m2": float(areas[largest])}
    return finding("multipart", severity, [code], rest, "m²", words, geometry, details)


def find_enclosed(prep: Prepared, parent: shapely.Geometry | None) -> list[Finding]:
    """``enclosed`` findings: an area alone in a hole of one neighbour, off the parent's edge.

    The measure is the share of the enclosed area's boundary that the neighbour shares.
    """
    holes, host = _holes(prep)
    if holes.size == 0:
        return []
    hole, inner = prep.tree.query(holes, predicate="covers")
    keep = inner != host[hole]
    hole, inner = hole[keep], inner[keep]
    alone = np.bincount(hole, minlength=holes.size) == 1
    edge = shapely.boundary(parent) if parent is not None else None
    findings = []
    for h, position in zip(hole, inner, strict=True):
        if alone[h] and not (edge is not None and shapely.intersects(edge, prep.wgs84[position])):
            findings.append(_enclosed(prep, int(position), int(host[h])))
    return findings


def _holes(prep: Prepared) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]:
    """The interior rings of all areas as polygons, and the area each belongs to."""
    parts, owner = shapely.get_parts(prep.wgs84, return_index=True)
    with_holes = np.flatnonzero(shapely.get_num_interior_rings(parts) > 0)
    rings, part = shapely.get_rings(parts[with_holes], return_index=True)
    exterior = np.r_[True, part[1:] != part[:-1]] if part.size else part.astype(bool)
    return shapely.polygons(rings[~exterior]), owner[with_holes[part[~exterior]]]


def _enclosed(prep: Prepared, position: int, host: int) -> Finding:
    inner, outer = prep.metric[position], prep.metric[host]
    own_edge = shapely.boundary(inner)
    shared = shapely.length(shapely.intersection(own_edge, shapely.boundary(outer)))
    ratio = float(shared / shapely.length(own_edge))
    code, host_code = prep.codes_at([position, host])
    words = wording.enclosed(code, host_code, ratio)
    details = {"enclosed_by": host_code}
    geometry = prep.wgs84[position]
    return finding("enclosed", WARNING, [code, host_code], ratio, "ratio", words, geometry, details)
