"""Findings as JSON (with a summary), as a GeoJSON FeatureCollection and as text."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely

from gis.checks.model import SEVERITIES, Finding, sort_findings

_HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Info"}


def summary(findings: Sequence[Finding]) -> dict[str, Any]:
    """Counts per severity (``errors``, ``warnings``, ``info``) and per rule (``by_rule``).

    Examples
    --------
    >>> summary([])
    {'errors': 0, 'warnings': 0, 'info': 0, 'by_rule': {}}
    """
    severities = Counter(f.severity for f in findings)
    rules = Counter(f.rule for f in findings)
    return {
        "errors": severities["error"],
        "warnings": severities["warning"],
        "info": severities["info"],
        "by_rule": dict(sorted(rules.items())),
    }


def _geojson(geoms: Sequence[shapely.Geometry | None]) -> list[dict[str, Any] | None]:
    texts = shapely.to_geojson(np.asarray(geoms, dtype=object))
    return [None if text is None else json.loads(text) for text in np.atleast_1d(texts)]


def _properties(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "codes": list(f.codes),
        "measure": f.measure,
        "unit": f.unit,
        "message": f.message,
        "details": dict(f.details),
    }


def findings_to_json(findings: Iterable[Finding]) -> dict[str, Any]:
    """``{"summary": {...}, "findings": [...]}``, each finding with a GeoJSON ``geometry``.

    Examples
    --------
    >>> findings_to_json([])
    {'summary': {'errors': 0, 'warnings': 0, 'info': 0, 'by_rule': {}}, 'findings': []}
    """
    items = sort_findings(findings)
    geoms = _geojson([f.geometry for f in items]) if items else []
    rows = [{**_properties(f), "geometry": g} for f, g in zip(items, geoms, strict=True)]
    return {"summary": summary(items), "findings": rows}


def findings_to_geojson(findings: Iterable[Finding]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326), one Feature per finding with a geometry.

    Examples
    --------
    >>> findings_to_geojson([])
    {'type': 'FeatureCollection', 'features': []}
    """
    items = [f for f in sort_findings(findings) if f.geometry is not None]
    geoms = _geojson([f.geometry for f in items]) if items else []
    features = [
        {"type": "Feature", "geometry": g, "properties": _properties(f)}
        for f, g in zip(items, geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def findings_to_text(findings: Iterable[Finding]) -> str:
    """A human report: findings grouped by severity, then a summary line.

    Examples
    --------
    >>> print(findings_to_text([]))
    No findings: 0 errors, 0 warnings, 0 info.
    """
    items = sort_findings(findings)
    lines: list[str] = []
    for severity in SEVERITIES:
        group = [f for f in items if f.severity == severity]
        if group:
            lines.append(f"{_HEADINGS[severity]} ({len(group)}):")
            lines += [f"  [{f.rule}] {f.message}" for f in group]
    lines.append(_summary_line(items))
    return "\n".join(lines)


def _summary_line(items: Sequence[Finding]) -> str:
    counts = summary(items)
    errors, warnings = _count(counts["errors"], "error"), _count(counts["warnings"], "warning")
    total = f"{errors}, {warnings}, {counts['info']} info"
    if not items:
        return f"No findings: {total}."
    rules = ", ".join(f"{rule} {n}" for rule, n in counts["by_rule"].items())
    return f"Summary: {total} ({rules})."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
