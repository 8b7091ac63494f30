"""Gaps: parts of the parent (or of the areas' closed outline) that no area covers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from gis.checks import wording
from gis.checks.model import ERROR, INFO, CheckConfig, Finding, finding
from gis.checks.prepare import Geoms, Prepared, polygonal_part

# Accuracy of the maximum inscribed circle (m): a 0.5 m wide gap is measured within 0.4%.
WIDTH_TOLERANCE_M = 0.001
# Areas within this distance (degrees, about 1 cm) of a gap are the ones touching it.
TOUCH_DEGREES = 1e-7
# A gap is an allowed hole when this share of it lies inside one allowed hole.
ALLOWED_SHARE = 0.99


def closed_outline(union: shapely.Geometry, gap_width_m: float) -> shapely.Geometry:
    """The union with its holes filled and notches narrower than ``gap_width_m`` closed.

    A morphological closing (buffer out, then in, mitred so corners stay sharp), in metres.

    Examples
    --------
    >>> from shapely import box
    >>> u = shapely.union(box(0, 0, 10, 10), box(10.5, 0, 20, 10))
    >>> round(closed_outline(u, 2.0).area, 6)
    200.0
    >>> closed_outline(box(0, 0, 10, 10).difference(box(4, 4, 6, 6)), 2.0).area
    100.0
    """
    half = gap_width_m / 2
    grown = shapely.buffer(union, half, join_style="mitre")
    closed = shapely.buffer(grown, -half, join_style="mitre")
    shells = shapely.polygons(shapely.get_exterior_ring(shapely.get_parts(closed)))
    return shapely.union(shapely.union_all(shells), union)


def find_gaps(
    prep: Prepared, union: shapely.Geometry, parent: shapely.Geometry | None, config: CheckConfig
) -> list[Finding]:
    """``gap`` and ``allowed-hole`` findings: parts of the parent not covered by ``union``.

    Without a parent, the region is the `closed_outline` of the union (``config.gap_width_m``).
    """
    pieces, metric = _uncovered(prep, union, parent, config.gap_width_m)
    keep = shapely.area(metric) >= config.overlap_tolerance_m2
    pieces, metric = pieces[keep], metric[keep]
    if pieces.size == 0:
        return []
    widths = 2 * shapely.length(shapely.maximum_inscribed_circle(metric, WIDTH_TOLERANCE_M))
    allowed = _allowed(metric, prep.to_metric(prep.holes))
    neighbours = _neighbours(prep, pieces)
    return [
        _gap(pieces[k], float(shapely.area(metric[k])), widths[k], neighbours[k], allowed[k])
        for k in range(pieces.size)
    ]


def _uncovered(
    prep: Prepared, union: shapely.Geometry, parent: shapely.Geometry | None, gap_width_m: float
) -> tuple[Geoms, Geoms]:
    """The uncovered pieces in EPSG:4326 and in metres."""
    if parent is not None:
        pieces = _parts(shapely.difference(parent, union))
        return pieces, prep.to_metric(pieces)
    union_m = prep.to_metric([union])[0]
    metric = _parts(shapely.difference(closed_outline(union_m, gap_width_m), union_m))
    return prep.to_wgs84(metric), metric


def _parts(geom: shapely.Geometry) -> Geoms:
    polygons = polygonal_part(geom)
    return np.asarray(shapely.get_parts(polygons) if polygons is not None else [], dtype=object)


def _gap(
    piece: shapely.Geometry, area: float, width: float, codes: list[str], allowed: bool
) -> Finding:
    rule, severity = ("allowed-hole", INFO) if allowed else ("gap", ERROR)
    words = wording.gap(area, float(width), codes, allowed)
    details = {"area_m2": area, "width_m": width}
    return finding(rule, severity, codes, area, "m²", words, piece, details)


def _neighbours(prep: Prepared, pieces: Geoms) -> list[list[str]]:
    """Codes of the areas touching each gap."""
    gap, area = prep.tree.query(pieces, predicate="dwithin", distance=TOUCH_DEGREES)
    codes: list[list[str]] = [[] for _ in range(pieces.size)]
    for g, code in zip(gap, prep.codes_at(area), strict=True):
        codes[g].append(code)
    return codes


def _allowed(pieces: Geoms, holes: Geoms) -> npt.NDArray[np.bool_]:
    """Which gaps lie (at least ``ALLOWED_SHARE`` of their area) inside one allowed hole."""
    allowed = np.zeros(pieces.size, dtype=bool)
    if holes.size == 0:
        return allowed
    gap, hole = shapely.STRtree(holes).query(pieces, predicate="intersects")
    inside = shapely.area(shapely.intersection(pieces[gap], holes[hole]))
    share = inside / shapely.area(pieces[gap])
    allowed[gap[share >= ALLOWED_SHARE]] = True
    return allowed
