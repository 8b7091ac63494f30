"""Rules on the attributes of areas: code format, prefix and uniqueness, size balance."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from gis.areas import Level
from gis.checks import wording
from gis.checks.model import ERROR, INFO, WARNING, CheckConfig, Finding, finding

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
            words = wording.code_prefix(code, parent_code)
            details = {"parent_code": parent_code}
            findings.append(
                finding("code-prefix", ERROR, [code], 1, "parts", words, where([i]), details)
            )
    return findings + _duplicates(series, where)


def _format(code: str, level: Level, geometry: shapely.Geometry | None) -> Finding:
    words = wording.code_format(code, level)
    details = {"expected_digits": level.digits}
    return finding("code-format", ERROR, [code], 1, "parts", words, geometry, details)


def _duplicates(series: pd.Series, where: Where) -> list[Finding]:
    counts = series[series != ""].value_counts()
    repeated = counts[counts > 1]
    if repeated.empty:
        return []
    rows = series.groupby(series).indices
    findings = []
    for code, count in repeated.items():
        words = wording.duplicate_code(str(code), int(count))
        geometry = where(rows[code])
        findings.append(
            finding("duplicate-code", ERROR, [str(code)], count, "parts", words, geometry)
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
        source = sources.iloc[i] if sources is not None else None
        named = source if isinstance(source, str) else None
        findings.append(_unbalanced(str(codes[i]), values[i], mean, config, where([i]), named))
    return findings


def _missing(codes: npt.NDArray[np.str_], known: npt.NDArray[np.bool_]) -> list[Finding]:
    unknown = [str(c) for c in codes[~known]]
    if not unknown:
        return []
    words = wording.households_missing(len(unknown), known.size)
    return [finding("households-missing", INFO, unknown, len(unknown), "parts", words)]


def _unbalanced(
    code: str,
    value: float,
    mean: float,
    config: CheckConfig,
    geometry: shapely.Geometry | None,
    source: str | None,
) -> Finding:
    """A ``size-balance`` warning; ``source`` says where the household figure comes from."""
    below = config.households_min is not None and value < config.households_min
    bound = int((config.households_min if below else config.households_max) or 0)
    details: dict[str, float | str] = {"mean": mean, "bound": float(bound)}
    if mean > 0:
        details["deviation_from_mean"] = value / mean - 1
    if source is not None:
        details["households_source"] = source
    words = wording.size_balance(code, float(value), bound, below, mean, source)
    return finding("size-balance", WARNING, [code], value, "households", words, geometry, details)
