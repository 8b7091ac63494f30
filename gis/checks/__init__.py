"""Boundary and coverage checks of sibling areas (the grids of a community, ...).

Pure geometry: shapely 2 array functions and STRtrees in a local UTM projection; findings
carry EPSG:4326 geometries. `check_areas` runs every rule; `findings_to_json`,
`findings_to_geojson` and `findings_to_text` report them.

Rules (severity): ``invalid-geometry``, ``empty-geometry``, ``overlap``, ``gap``,
``outside-parent``, ``multipart``, ``code-format``, ``code-prefix``, ``duplicate-code``
(error); ``enclosed``, ``sliver``, ``size-balance`` (warning); ``allowed-hole``,
``households-missing`` and allowed ``multipart`` (info).
"""

from gis.checks.core import check_areas
from gis.checks.model import CheckConfig, Finding, has_errors
from gis.checks.report import findings_to_geojson, findings_to_json, findings_to_text

__all__ = [
    "CheckConfig",
    "Finding",
    "check_areas",
    "findings_to_geojson",
    "findings_to_json",
    "findings_to_text",
    "has_errors",
]
