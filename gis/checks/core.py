"""`check_areas`: every boundary and coverage rule over one set of sibling areas."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from gis.areas import Level
from gis.checks import wording
from gis.checks.attributes import Where, find_code_problems, find_size_problems
from gis.checks.gaps import find_gaps
from gis.checks.model import ERROR, CheckConfig, Finding, finding, sort_findings
from gis.checks.prepare import Prepared, households_of, polygonal_part, prepare
from gis.checks.shape import find_enclosed, find_multipart, find_slivers
from gis.checks.topology import find_outside, find_overlaps, union_of
from gis.errors import InvalidGeometry
from gis.limits import Deadline


def check_areas(
    areas: gpd.GeoDataFrame,
    *,
    level: Level = Level.GRID,
    parent: shapely.Geometry | None = None,
    parent_code: str | None = None,
    config: CheckConfig | None = None,
    deadline: Deadline | None = None,
) -> list[Finding]:
    """Check that sibling areas tile their parent: geometry, coverage, shape, codes, size.

    Parameters
    ----------
    areas
        Columns ``code``, ``name``, ``households`` (may be missing or NaN) and a geometry in
        EPSG:4326; None, empty and invalid geometries are reported, not raised.
    level
        The level of ``areas`` (code digits, default size band).
    parent
        The parent polygon in EPSG:4326. Without it, gaps are looked for inside the areas'
        own outline (holes and notches narrower than ``config.gap_width_m``).
    parent_code
        When given, every code must start with it.
    config
        Thresholds; default ``CheckConfig.for_level(level)``.
    deadline
        When given, checked between the rules: the check stops (`TimeLimitExceeded`) once its
        time is up or whoever started it called it off.

    Returns
    -------
    list of Finding
        Sorted errors first; geometries in EPSG:4326.

    Raises
    ------
    InvalidGeometry
        If ``parent`` is empty or not polygonal.
    TimeLimitExceeded
        If ``deadline`` passed, or was stopped, before the check ended.
    CRSError
        If ``areas`` is not in EPSG:4326.

    Examples
    --------
    >>> from shapely import box
    >>> grids = gpd.GeoDataFrame(
    ...     {"code": ["110108010019001", "110108010019002"], "households": [400, 420]},
    ...     geometry=[box(116.34, 39.99, 116.35, 40.0), box(116.35, 39.99, 116.36, 40.0)],
    ...     crs=4326,
    ... )
    >>> check_areas(grids, parent=box(116.34, 39.99, 116.36, 40.0))
    []
    >>> [f.rule for f in check_areas(grids, parent=box(116.34, 39.99, 116.37, 40.0))]
    ['gap']
    """
    level = Level(level)
    config = config or CheckConfig.for_level(level)
    step = deadline.check if deadline is not None else _go_on
    parent, parent_findings = _checked_parent(parent, parent_code)
    prep, findings = prepare(areas, parent=parent, holes=config.allowed_holes)
    step()
    findings += parent_findings + _geometry_rules(prep, config, step, level)
    where = _where(prep, len(areas))
    findings += find_code_problems(prep.codes, level, parent_code, where)
    sources = areas.get("households_source")
    findings += find_size_problems(prep.codes, households_of(areas), config, where, sources)
    return sort_findings(findings)


def _go_on() -> None:
    """No deadline: every step goes on."""


def _geometry_rules(
    prep: Prepared,
    config: CheckConfig,
    step: Callable[[], None] = _go_on,
    level: Level | None = None,
) -> list[Finding]:
    """The geometric rules over areas of ``level``, calling ``step`` between them."""
    if prep.wgs84.size == 0:
        return []
    findings, suspects = find_overlaps(prep, config)
    step()
    union = union_of(prep, suspects)
    step()
    if prep.parent is not None:
        findings += find_outside(prep, prep.parent, config, level)
        step()
    findings += find_gaps(prep, union, prep.parent, config)
    step()
    findings += find_multipart(prep, config)
    findings += find_enclosed(prep, prep.parent)
    step()
    findings += find_slivers(prep, config)
    return findings


def _checked_parent(
    parent: shapely.Geometry | None, parent_code: str | None
) -> tuple[shapely.Geometry | None, list[Finding]]:
    """The parent, repaired when invalid (with an ``invalid-geometry`` finding)."""
    if parent is None:
        return None, []
    if shapely.is_empty(parent) or polygonal_part(parent) is not parent:
        raise InvalidGeometry(f"parent: must be a non-empty polygon, not {parent.geom_type}")
    if shapely.is_valid(parent):
        return parent, []
    reason = shapely.is_valid_reason(parent)
    code = parent_code or "parent"
    words = wording.invalid_parent(parent_code, reason)
    repaired = polygonal_part(shapely.make_valid(parent, method="structure"))
    if repaired is None:
        raise InvalidGeometry(f"parent: cannot be repaired ({reason})")
    details = {"reason": reason}
    where = shapely.point_on_surface(parent)
    return repaired, [finding("invalid-geometry", ERROR, [code], 1, "parts", words, where, details)]


def _where(prep: Prepared, count: int) -> Where:
    """A function giving a point (one per usable area) for rows of the input."""
    located = np.full(count, None, dtype=object)
    located[prep.rows] = prep.wgs84

    def where(rows: npt.ArrayLike) -> shapely.Geometry | None:
        geoms = located[np.asarray(rows, dtype=np.intp)]
        points = shapely.point_on_surface(geoms[~shapely.is_missing(geoms)])
        if points.size == 0:
            return None
        return points[0] if points.size == 1 else shapely.multipoints(points)

    return where
