"""Gaps: parts of the parent (or of the areas' closed outline) that no area covers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from gis.checks.model import ERROR, INFO, CheckConfig, Finding, finding, joined
from gis.checks.prepare import Geoms, Prepared, polygonal_part

# Accuracy of the maximum inscribed circle (m): a 0.5 m wide gap is measured within 0.4%.
WIDTH_TOLERANCE_M = 0.001
# Areas within this distance of a gap are the ones that touch it (rounding of shared edges).
TOUCH_M = 0.01
# A gap is an allowed hole when this share of it lies inside one allowed hole.
ALLOWED_SHARE = 0.99


def closed_outline(union: shapely.Geometry, gap_width_m: float) -> shapely.Geometry:
    """The union with its holes filled and notches narrower than ``gap_width_m`` closed.

    A morphological closing (buffer out, then in, mitred so corners stay sharp).

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
    prep: Prepared, union: shapely.Geometry, region: shapely.Geometry, config: CheckConfig
) -> list[Finding]:
    """``gap`` and ``allowed-hole`` findings for the parts of ``region`` outside ``union``."""
    uncovered = polygonal_part(shapely.difference(region, union))
    if uncovered is None:
        return []
    parts = shapely.get_parts(uncovered)
    parts = parts[shapely.area(parts) >= config.overlap_tolerance_m2]
    if parts.size == 0:
        return []
    circles = shapely.maximum_inscribed_circle(parts, tolerance=WIDTH_TOLERANCE_M)
    widths = 2 * shapely.length(circles)
    allowed = _allowed(parts, prep.holes)
    neighbours = _neighbours(prep, parts)
    return [_gap(parts[k], widths[k], neighbours[k], bool(allowed[k])) for k in range(parts.size)]


def _gap(part: shapely.Geometry, width: float, codes: list[str], allowed: bool) -> Finding:
    area = float(shapely.area(part))
    rule, severity = ("allowed-hole", INFO) if allowed else ("gap", ERROR)
    around = f"between {joined(codes)}" if codes else "touching no area"
    kind = "allowed hole" if allowed else "gap"
    message = f"{kind} of {area:,.1f} m², {width:.2f} m wide, {around}"
    details = {"area_m2": area, "width_m": width}
    return finding(rule, severity, codes, area, "m²", message, part, details)


def _neighbours(prep: Prepared, parts: Geoms) -> list[list[str]]:
    """Codes of the areas touching each gap."""
    gap, area = prep.tree.query(parts, predicate="dwithin", distance=TOUCH_M)
    codes: list[list[str]] = [[] for _ in range(parts.size)]
    for g, code in zip(gap, prep.codes_at(area), strict=True):
        codes[g].append(code)
    return codes


def _allowed(parts: Geoms, holes: Geoms) -> npt.NDArray[np.bool_]:
    """Which gaps lie (at least ``ALLOWED_SHARE`` of their area) inside one allowed hole."""
    allowed = np.zeros(parts.size, dtype=bool)
    if holes.size == 0:
        return allowed
    gap, hole = shapely.STRtree(holes).query(parts, predicate="intersects")
    inside = shapely.area(shapely.intersection(parts[gap], holes[hole]))
    share = inside / shapely.area(parts[gap])
    allowed[gap[share >= ALLOWED_SHARE]] = True
    return allowed
