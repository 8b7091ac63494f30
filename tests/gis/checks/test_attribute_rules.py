"""Codes (format, prefix, duplicates) and size balance."""

from __future__ import annotations

import pytest

from gis.areas import Level
from gis.checks import CheckConfig, Finding, check_areas
from gis.errors import CRSError
from tests.gis.checks import zoo


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


@pytest.mark.parametrize("code", ["1101080100190", "11010801001900A", None])
def test_code_with_wrong_digits_is_a_format_error(code: str | None) -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], codes=[zoo.CODES[0], code])
    (found,) = by_rule(check_areas(grids, parent=zoo.PARENT), "code-format")
    assert (found.severity, found.codes, found.details["expected_digits"]) == (
        "error",
        (code or "",),
        15,
    )


def test_community_codes_have_twelve_digits() -> None:
    communities = zoo.areas([zoo.LEFT, zoo.RIGHT], codes=["110108010019", "110108010020"])
    config = CheckConfig.for_level(Level.COMMUNITY, households_min=None, households_max=None)
    assert check_areas(communities, level=Level.COMMUNITY, config=config) == []


def test_code_outside_parent_code_is_a_prefix_error() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], codes=[zoo.CODES[0], "110108010020001"])
    findings = check_areas(grids, parent=zoo.PARENT, parent_code=zoo.COMMUNITY)
    (found,) = by_rule(findings, "code-prefix")
    assert found.codes == ("110108010020001",)


def test_duplicate_code_counts_its_uses() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], codes=[zoo.CODES[0]] * 2)
    (found,) = by_rule(check_areas(grids, parent=zoo.PARENT), "duplicate-code")
    assert (found.codes, found.measure, found.geometry.geom_type) == (
        (zoo.CODES[0],),
        2,
        "MultiPoint",
    )


def test_unbalanced_sizes_are_warnings_with_deviation_from_mean() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[100, 900])
    findings = by_rule(check_areas(grids, parent=zoo.PARENT), "size-balance")
    assert [(f.codes[0], f.severity, f.measure) for f in findings] == [
        (zoo.CODES[0], "warning", 100),
        (zoo.CODES[1], "warning", 900),
    ]
    assert findings[0].details["mean"] == 500
    assert findings[0].details["deviation_from_mean"] == pytest.approx(100 / 500 - 1)


def test_balanced_sizes_pass() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[300, 500])
    assert check_areas(grids, parent=zoo.PARENT) == []


def test_unknown_households_are_skipped_with_one_info() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[None, 1_000])
    findings = check_areas(grids, parent=zoo.PARENT)
    assert [(f.rule, f.severity, f.codes) for f in findings] == [
        ("size-balance", "warning", (zoo.CODES[1],)),
        ("households-missing", "info", (zoo.CODES[0],)),
    ]


def test_missing_households_column_is_one_info() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT]).drop(columns="households")
    findings = check_areas(grids, parent=zoo.PARENT)
    assert [(f.rule, f.measure) for f in findings] == [("households-missing", 2)]


def test_size_balance_can_be_disabled() -> None:
    config = CheckConfig(households_min=None, households_max=None)
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[None, 10_000])
    assert check_areas(grids, parent=zoo.PARENT, config=config) == []


@pytest.mark.parametrize(
    ("level", "band"),
    [
        (Level.GRID, (300, 500)),
        (Level.COMMUNITY, (1_000, 3_000)),
        (Level.SUBDISTRICT, (None, None)),
    ],
)
def test_config_for_level_sets_the_household_band(level: Level, band: tuple) -> None:
    config = CheckConfig.for_level(level)
    assert (config.households_min, config.households_max) == band


def test_default_config_follows_the_level() -> None:
    communities = zoo.areas(
        [zoo.LEFT, zoo.RIGHT], codes=["110108010019", "110108010020"], households=[2_000, 400]
    )
    findings = check_areas(communities, level=Level.COMMUNITY, parent=zoo.PARENT)
    assert [f.codes for f in by_rule(findings, "size-balance")] == [("110108010020",)]


def test_areas_in_another_crs_are_refused() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT]).to_crs(32650)
    with pytest.raises(CRSError, match="EPSG:4326"):
        check_areas(grids)
