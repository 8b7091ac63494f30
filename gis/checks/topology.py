"""Overlaps between areas and parts of areas outside their parent.

Overlapping pairs are only looked for among the areas that GEOS's coverage validator flags
(``coverage_invalid_edges``): in a valid coverage no interiors overlap, so a clean coverage
costs one validation and no pairwise intersection. Pieces are cut in EPSG:4326 (where shared
edges are exact) and measured in metres.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from gis.areas import Level
from gis.checks import wording
from gis.checks.model import ERROR, CheckConfig, Finding, finding
from gis.checks.prepare import Prepared, polygonal_part


def find_overlaps(
    prep: Prepared, config: CheckConfig
) -> tuple[list[Finding], npt.NDArray[np.intp]]:
    """``overlap`` findings, and the areas flagged by the coverage validator.

    A pair is reported when the intersection of the two areas is at least
    ``config.overlap_tolerance_m2``; the finding's geometry is the intersection.
    """
    geoms = prep.wgs84
    suspects = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(geoms)))
    if suspects.size == 0:
        return [], suspects
    pairs = _touching_pairs(prep, suspects)
    shared = shapely.intersection(geoms[pairs[:, 0]], geoms[pairs[:, 1]])
    areas = shapely.area(prep.to_metric(shared))
    keep = np.flatnonzero(areas >= config.overlap_tolerance_m2)
    return [_overlap(prep, pairs[k], shared[k], areas[k]) for k in keep], suspects


def _touching_pairs(prep: Prepared, suspects: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Unordered pairs (i < j) of a suspect area and any area it intersects."""
    found, other = prep.tree.query(prep.wgs84[suspects], predicate="intersects")
    first = suspects[found]
    pairs = np.column_stack([first, other])[first != other]
    return np.unique(np.sort(pairs, axis=1), axis=0).reshape(-1, 2)


def _overlap(
    prep: Prepared, pair: npt.NDArray[np.intp], shared: shapely.Geometry, area: float
) -> Finding:
    codes = prep.codes_at(pair)
    words = wording.overlap(codes, float(area))
    geometry = polygonal_part(shared)
    return finding("overlap", ERROR, codes, area, "m²", words, geometry, {"area_m2": area})


def union_of(prep: Prepared, suspects: npt.NDArray[np.intp]) -> shapely.Geometry:
    """The union of the usable areas.

    The areas the validator did not flag form a valid coverage by themselves, so they take
    the fast coverage union; only the ``suspects`` go through a full overlay union.
    """
    clean = np.delete(prep.wgs84, suspects)
    union = shapely.coverage_union_all(clean)
    if suspects.size == 0:
        return union
    return shapely.union_all(np.append(prep.wgs84[suspects], union))


def find_outside(
    prep: Prepared, parent: shapely.Geometry, config: CheckConfig, level: Level | None = None
) -> list[Finding]:
    """``outside-parent`` findings: the part of each area (of ``level``) outside ``parent``."""
    candidates = _maybe_outside(prep, parent)
    outside = shapely.difference(prep.wgs84[candidates], parent)
    areas = shapely.area(prep.to_metric(outside))
    whole = shapely.area(prep.metric[candidates])
    keep = np.flatnonzero(areas >= config.overlap_tolerance_m2)
    return [
        _outside(
            prep.codes_at([candidates[k]])[0], outside[k], areas[k], areas[k] / whole[k], level
        )
        for k in keep
    ]


def _outside(
    code: str, piece: shapely.Geometry, area: float, share: float, level: Level | None
) -> Finding:
    words = wording.outside(code, float(area), float(share), level)
    details = {"area_m2": area, "share": share}
    geometry = polygonal_part(piece)
    return finding("outside-parent", ERROR, [code], area, "m²", words, geometry, details)


def _maybe_outside(prep: Prepared, parent: shapely.Geometry) -> npt.NDArray[np.intp]:
    """Areas not covered by ``parent``, found cheaply.

    Areas that cross the parent's boundary are tested with ``covers``; every other area lies
    wholly inside or wholly outside, which one vertex per polygon part tells.
    """
    shapely.prepare(parent)
    geoms = prep.wgs84
    crossing = prep.tree.query(shapely.boundary(parent), predicate="intersects")
    others = np.setdiff1d(np.arange(geoms.size), crossing)
    crossing = crossing[~shapely.covers(parent, geoms[crossing])]
    parts, owner = shapely.get_parts(geoms[others], return_index=True)
    vertex = shapely.get_point(shapely.get_exterior_ring(parts), 0)
    out = np.bincount(owner, weights=~shapely.contains(parent, vertex), minlength=others.size)
    return np.union1d(crossing, others[out > 0])
