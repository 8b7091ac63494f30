"""Boundary and coverage checks of sibling areas (the grids of a community, ...).

Pure geometry: shapely 2 array functions and STRtrees in a local UTM projection; findings
carry EPSG:4326 geometries. `check_areas` runs every rule; `findings_to_json`,
`findings_to_geojson` and `findings_to_text` report them, in Chinese unless ``lang="en"``
(`gis.checks.wording` holds every rule's name and message in both languages).

Rules (severity): ``invalid-geometry``, ``empty-geometry``, ``overlap``, ``gap``,
``outside-parent``, ``multipart``, ``code-format``, ``code-prefix``, ``duplicate-code``
(error); ``enclosed``, ``sliver``, ``size-balance`` (warning); ``allowed-hole``,
``households-missing`` and allowed ``multipart`` (info).
"""

from gis.checks.core import check_areas
from gis.checks.model import CheckConfig, Finding, has_errors
from gis.checks.report import findings_to_geojson, findings_to_json, findings_to_text
from gis.checks.wording import RULE_NAMES_ZH, Words, parse_lang, rule_name

__all__ = [
    "RULE_NAMES_ZH",
    "CheckConfig",
    "Finding",
    "Words",
    "check_areas",
    "findings_to_geojson",
    "findings_to_json",
    "findings_to_text",
    "has_errors",
    "parse_lang",
    "rule_name",
]
