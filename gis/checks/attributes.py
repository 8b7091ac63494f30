"""Rules on the attributes of areas: code format, prefix and uniqueness, size balance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from gis.areas import Level, check_code
from gis.checks.model import ERROR, INFO, WARNING, CheckConfig, Finding, finding
from gis.errors import CodeError

Where = Callable[[npt.ArrayLike], shapely.Geometry | None]


def find_code_problems(
    codes: npt.NDArray[np.str_], level: Level, parent_code: str | None, where: Where
) -> list[Finding]:
    """``code-format``, ``code-prefix`` and ``duplicate-code`` findings.

    ``where(rows)`` gives the geometry to attach (a point per area).
    """
    series = pd.Series(codes, dtype=object)
    wrong = ~series.str.fullmatch(rf"[0-9]{{{level.digits}}}").to_numpy(dtype=bool)
    findings = [_format(str(codes[i]), level, where([i])) for i in np.flatnonzero(wrong)]
    if parent_code is not None:
        foreign = ~series.str.startswith(parent_code).to_numpy(dtype=bool)
        for i in np.flatnonzero(foreign):
            code = str(codes[i])
            message = f"{code}: code does not start with the parent code {parent_code}"
            details = {"parent_code": parent_code}
            findings.append(
                finding("code-prefix", ERROR, [code], 1, "parts", message, where([i]), details)
            )
    return findings + _duplicates(series, where)


def _format(code: str, level: Level, geometry: shapely.Geometry | None) -> Finding:
    try:
        check_code(level, code)
        reason = f"code: {code!r} is not a {level.value} code"  # non-ASCII digits
    except CodeError as exc:
        reason = exc.detail
    details = {"expected_digits": level.digits}
    return finding("code-format", ERROR, [code], 1, "parts", reason, geometry, details)


def _duplicates(series: pd.Series, where: Where) -> list[Finding]:
    counts = series[series != ""].value_counts()
    repeated = counts[counts > 1]
    if repeated.empty:
        return []
    rows = series.groupby(series).indices
    findings = []
    for code, count in repeated.items():
        message = f"{code}: code used by {count} areas"
        geometry = where(rows[code])
        findings.append(
            finding("duplicate-code", ERROR, [str(code)], count, "parts", message, geometry)
        )
    return findings


def find_size_problems(
    codes: npt.NDArray[np.str_],
    households: pd.Series,
    config: CheckConfig,
    where: Where,
    sources: pd.Series | None = None,
) -> list[Finding]:
    """``size-balance`` warnings (households outside the band) and ``households-missing`` info.

    The mean is that of the areas with known households; ``deviation_from_mean`` is
    households / mean - 1. ``sources`` says where each figure comes from (a plan's:
    ``registry``, ``area share``, ``registry + area share``); a warning names it.
    """
    low, high = config.households_min, config.households_max
    if low is None and high is None:
        return []
    values = households.to_numpy(dtype=float)
    known = np.isfinite(values)
    findings = _missing(codes, known)
    if not known.any():
        return findings
    mean = float(values[known].mean())
    below = known & (values < low) if low is not None else np.zeros_like(known)
    above = known & (values > high) if high is not None else np.zeros_like(known)
    for i in np.flatnonzero(below | above):
        found = _unbalanced(str(codes[i]), values[i], mean, config, where([i]))
        source = sources.iloc[i] if sources is not None else None
        findings.append(_sourced(found, source) if isinstance(source, str) else found)
    return findings


def _sourced(found: Finding, source: str) -> Finding:
    """The finding saying where its household figure comes from."""
    details = {**found.details, "households_source": source}
    return replace(found, message=f"{found.message} [households: {source}]", details=details)


def _missing(codes: npt.NDArray[np.str_], known: npt.NDArray[np.bool_]) -> list[Finding]:
    unknown = [str(c) for c in codes[~known]]
    if not unknown:
        return []
    message = f"{len(unknown)} of {known.size} areas have no households; size balance skips them"
    return [finding("households-missing", INFO, unknown, len(unknown), "parts", message)]


def _unbalanced(
    code: str, value: float, mean: float, config: CheckConfig, geometry: shapely.Geometry | None
) -> Finding:
    below = config.households_min is not None and value < config.households_min
    bound = config.households_min if below else config.households_max
    side = "below the minimum" if below else "above the maximum"
    details: dict[str, float | str] = {"mean": mean, "bound": float(bound or 0)}
    message = f"{code}: {value:,.0f} households, {side} {bound:,}"
    if mean > 0:
        deviation = value / mean - 1
        details["deviation_from_mean"] = deviation
        message += f" ({deviation:+.0%} from the mean {mean:,.0f})"
    return finding("size-balance", WARNING, [code], value, "households", message, geometry, details)
