"""The values of the coverage checks: `CheckConfig` (thresholds) and `Finding` (one problem)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import shapely

from gis.areas import Level
from gis.checks.wording import Words

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

# Households per area that the rules of thumb name (DOMAIN.md): urban grids hold about
# 300-500 households; a 社区 typically 1,000-3,000. Higher levels have no such norm.
HOUSEHOLDS_BY_LEVEL: dict[Level, tuple[int | None, int | None]] = {
    Level.GRID: (300, 500),
    Level.COMMUNITY: (1_000, 3_000),
    Level.SUBDISTRICT: (None, None),
    Level.DISTRICT: (None, None),
}
# Exclaves (飞地) are real: a county may have several separate parts (肃南裕固族自治县 has four);
# a grid should not, a community seldom does.
MULTIPART_BY_LEVEL = {
    Level.GRID: ERROR,
    Level.COMMUNITY: WARNING,
    Level.SUBDISTRICT: INFO,
    Level.DISTRICT: INFO,
}


@dataclass(frozen=True)
class CheckConfig:
    """Thresholds of the coverage checks.

    Attributes
    ----------
    overlap_tolerance_m2
        Overlaps, gaps, outside parts and multipart pieces smaller than this are ignored.
    gap_width_m
        Without a parent, gaps narrower than this (notches in the outline) are closed and
        reported as gaps.
    sliver_ratio
        An area whose Polsby-Popper compactness 4πA/P² is below this is a ``sliver``.
    households_min, households_max
        The size-balance band per area; None disables that side.
    allowed_holes
        EPSG:4326 polygons (a lake, a fenced site) inside which a gap is an ``allowed-hole``.
    allow_multipart
        Codes that may consist of several parts (reported as ``info``).
    multipart_severity
        How a several-part area (an exclave, 飞地) is reported otherwise: an ``error`` for grids,
        a ``warning`` for communities, ``info`` above, where exclaves are real.

    Examples
    --------
    >>> CheckConfig().households_max
    500
    >>> CheckConfig.for_level(Level.COMMUNITY).households_min
    1000
    """

    overlap_tolerance_m2: float = 1.0
    gap_width_m: float = 2.0
    sliver_ratio: float = 0.05
    households_min: int | None = 300
    households_max: int | None = 500
    allowed_holes: tuple[shapely.Geometry, ...] = ()
    allow_multipart: frozenset[str] = frozenset()
    multipart_severity: str = ERROR

    @classmethod
    def for_level(cls, level: Level, **overrides: Any) -> CheckConfig:
        """The defaults for a level, with keyword overrides.

        Grids get 300-500 households, communities 1,000-3,000; subdistricts and districts
        have no size band.

        Examples
        --------
        >>> config = CheckConfig.for_level(Level.SUBDISTRICT, gap_width_m=5.0)
        >>> config.households_min is None, config.gap_width_m
        (True, 5.0)
        """
        low, high = HOUSEHOLDS_BY_LEVEL[Level(level)]
        multipart = MULTIPART_BY_LEVEL[Level(level)]
        defaults = cls(households_min=low, households_max=high, multipart_severity=multipart)
        return replace(defaults, **overrides)


@dataclass(frozen=True)
class Finding:
    """One problem found by `check_areas`.

    Attributes
    ----------
    rule
        Stable rule code, e.g. ``overlap``, ``gap``, ``code-format``.
    severity
        ``error``, ``warning`` or ``info``.
    codes
        Codes of the areas involved, sorted.
    measure, unit
        The main measure (``m²``, ``m``, ``ratio``, ``households`` or ``parts``).
    words
        One human line naming the codes and the measure, in Chinese and English
        (`gis.checks.wording`); `message_in` picks one.
    geometry
        Where the problem is, in EPSG:4326 (point, line or polygon), or None.
    details
        Extra measures, e.g. ``{"width_m": 0.5}``.

    Examples
    --------
    >>> f = finding("gap", ERROR, ["b", "a"], 2.0, "m²", Words("缝隙", "a gap"))
    >>> f.codes, f.details, f.message_in("zh")
    (('a', 'b'), {}, '缝隙')
    """

    rule: str
    severity: str
    codes: tuple[str, ...]
    measure: float
    unit: str
    words: Words
    geometry: shapely.Geometry | None = None
    details: dict[str, float | str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English line (as the reports had it before they spoke Chinese)."""
        return self.words.en

    @property
    def message_zh(self) -> str:
        """The Chinese line."""
        return self.words.zh

    def message_in(self, lang: str) -> str:
        """The line in ``lang`` (``zh`` or ``en``, see `gis.checks.wording.parse_lang`)."""
        return self.words.pick(lang)


def finding(
    rule: str,
    severity: str,
    codes: Iterable[str],
    measure: float,
    unit: str,
    words: Words,
    geometry: shapely.Geometry | None = None,
    details: Mapping[str, float | str] | None = None,
) -> Finding:
    """Build a `Finding` with sorted, de-duplicated codes and plain-float measures."""
    plain = {
        key: value if isinstance(value, str) else float(value)
        for key, value in (details or {}).items()
    }
    return Finding(
        rule, severity, tuple(sorted(set(codes))), float(measure), unit, words, geometry, plain
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings and info; within a severity by rule, then codes."""
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.rule, f.codes))


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error.

    Examples
    --------
    >>> has_errors([]), has_errors([finding("gap", ERROR, ["a"], 2.0, "m²", Words("", ""))])
    (False, True)
    """
    return any(f.severity == ERROR for f in findings)
