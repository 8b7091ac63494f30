"""Findings as JSON (with a summary), as a GeoJSON FeatureCollection and as text.

Each speaks Chinese unless ``lang="en"`` (`gis.checks.wording.parse_lang`): the ``message`` of
every finding and the text report's headings; rule and severity codes stay as they are.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely

from gis.checks.model import SEVERITIES, Finding, sort_findings
from gis.checks.wording import Words, parse_lang, rule_name

_HEADINGS = {
    "error": Words("错误", "Errors"),
    "warning": Words("警告", "Warnings"),
    "info": Words("提示", "Info"),
}


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


def _properties(f: Finding, lang: str) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "codes": list(f.codes),
        "measure": f.measure,
        "unit": f.unit,
        "message": f.message_in(lang),
        "details": dict(f.details),
    }


def findings_to_json(findings: Iterable[Finding], lang: str | None = "zh") -> dict[str, Any]:
    """``{"summary": {...}, "findings": [...]}``, each finding with a GeoJSON ``geometry``.

    Each ``message`` is in ``lang``: ``zh`` (the default; None too) or ``en``.

    Raises
    ------
    InvalidInput
        If ``lang`` is neither (``lang: ...``).

    Examples
    --------
    >>> findings_to_json([])
    {'summary': {'errors': 0, 'warnings': 0, 'info': 0, 'by_rule': {}}, 'findings': []}
    """
    lang = parse_lang(lang)
    items = sort_findings(findings)
    geoms = _geojson([f.geometry for f in items]) if items else []
    rows = [{**_properties(f, lang), "geometry": g} for f, g in zip(items, geoms, strict=True)]
    return {"summary": summary(items), "findings": rows}


def findings_to_geojson(findings: Iterable[Finding], lang: str | None = "zh") -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326), one Feature per finding with a geometry.

    Each ``message`` is in ``lang`` (``zh`` or ``en``; anything else is `InvalidInput`).

    Examples
    --------
    >>> findings_to_geojson([])
    {'type': 'FeatureCollection', 'features': []}
    """
    lang = parse_lang(lang)
    items = [f for f in sort_findings(findings) if f.geometry is not None]
    geoms = _geojson([f.geometry for f in items]) if items else []
    features = [
        {"type": "Feature", "geometry": g, "properties": _properties(f, lang)}
        for f, g in zip(items, geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def findings_to_text(findings: Iterable[Finding], lang: str | None = "zh") -> str:
    """A human report in ``lang``: findings grouped by severity, then a summary line.

    Examples
    --------
    >>> print(findings_to_text([]))
    未发现问题：0 个错误，0 个警告，0 条提示。
    >>> print(findings_to_text([], "en"))
    No findings: 0 errors, 0 warnings, 0 info.
    """
    lang = parse_lang(lang)
    items = sort_findings(findings)
    lines: list[str] = []
    for severity in SEVERITIES:
        group = [f for f in items if f.severity == severity]
        if group:
            heading = _HEADINGS[severity].pick(lang)
            lines.append(
                f"{heading}（{len(group)}）：" if lang == "zh" else f"{heading} ({len(group)}):"
            )
            lines += [f"  [{_rule(f.rule, lang)}] {f.message_in(lang)}" for f in group]
    lines.append(_summary_line(items, lang))
    return "\n".join(lines)


def _rule(rule: str, lang: str) -> str:
    """A rule as the text report names it: its Chinese name, or its code in English."""
    return rule_name(rule, lang) if lang == "zh" else rule


def _summary_line(items: Sequence[Finding], lang: str) -> str:
    counts = summary(items)
    rules = [f"{_rule(rule, lang)} {n}" for rule, n in counts["by_rule"].items()]
    if lang == "zh":
        total = f"{counts['errors']} 个错误，{counts['warnings']} 个警告，{counts['info']} 条提示"
        return f"合计：{total}（{'，'.join(rules)}）。" if items else f"未发现问题：{total}。"
    errors, warnings = _count(counts["errors"], "error"), _count(counts["warnings"], "warning")
    total = f"{errors}, {warnings}, {counts['info']} info"
    if not items:
        return f"No findings: {total}."
    return f"Summary: {total} ({', '.join(rules)})."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
