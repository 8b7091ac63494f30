"""Findings as JSON, GeoJSON and text."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import shapely

from gis.checks import (
    Finding,
    check_areas,
    findings_to_geojson,
    findings_to_json,
    findings_to_text,
    has_errors,
)
from gis.checks.model import sort_findings
from gis.errors import InvalidInput
from tests.gis.checks import zoo

PROPERTIES = ("rule", "severity", "codes", "measure", "unit", "message", "details")


@pytest.fixture
def findings() -> list[Finding]:
    """An overlap (error), a size-balance (warning) and households-missing (info)."""
    grids = zoo.areas(zoo.OVERLAPPING, households=[None, 900])
    return check_areas(grids, parent=zoo.PARENT)


def test_has_errors(findings: list[Finding]) -> None:
    assert has_errors(findings)
    assert not has_errors([f for f in findings if f.severity != "error"])


def test_json_has_summary_and_findings(findings: list[Finding]) -> None:
    report = findings_to_json(findings)
    assert report["summary"] == {
        "errors": 1,
        "warnings": 1,
        "info": 1,
        "by_rule": {"households-missing": 1, "overlap": 1, "size-balance": 1},
    }
    assert set(report["findings"][0]) == {*PROPERTIES, "geometry"}


def test_json_is_serialisable_with_geojson_geometry(findings: list[Finding]) -> None:
    report = json.loads(json.dumps(findings_to_json(findings)))
    overlap = report["findings"][0]
    assert overlap["rule"] == "overlap"
    assert shapely.from_geojson(json.dumps(overlap["geometry"])).geom_type == "Polygon"
    assert report["findings"][2]["geometry"] is None


def test_geojson_has_one_valid_feature_per_located_finding(findings: list[Finding]) -> None:
    collection = json.loads(json.dumps(findings_to_geojson(findings)))
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["rule"] for f in collection["features"]] == ["overlap", "size-balance"]
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert shapely.is_valid(shapely.from_geojson(json.dumps(feature["geometry"])))
        assert set(feature["properties"]) == set(PROPERTIES)


def test_text_groups_by_severity_and_ends_with_summary(findings: list[Finding]) -> None:
    text = findings_to_text(findings, lang="en")
    for needle in ("Errors (1):", "[overlap]", "Warnings (1):", "[size-balance]", "Info (1):"):
        assert needle in text
    assert text.index("[overlap]") < text.index("[size-balance]") < text.index("[households")
    assert "900 households, above the maximum 500" in text
    assert text.splitlines()[-1].startswith("Summary: 1 error, 1 warning, 1 info")


def test_text_is_chinese_by_default(findings: list[Finding]) -> None:
    text = findings_to_text(findings)
    for needle in (
        "错误（1）：",
        "[重叠]",
        "警告（1）：",
        "[户数偏离]",
        "提示（1）：",
        "[缺少户数]",
    ):
        assert needle in text
    assert text.index("[重叠]") < text.index("[户数偏离]") < text.index("[缺少户数]")
    assert f"{zoo.CODES[1]}：900 户，超过上限 500" in text
    assert text.splitlines()[-1] == (
        "合计：1 个错误，1 个警告，1 条提示（缺少户数 1，重叠 1，户数偏离 1）。"
    )


def test_text_of_no_findings() -> None:
    assert findings_to_text([]) == "未发现问题：0 个错误，0 个警告，0 条提示。"
    assert findings_to_text([], "en") == "No findings: 0 errors, 0 warnings, 0 info."


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_json_and_geojson_messages_in_the_language_asked(
    findings: list[Finding], lang: str
) -> None:
    as_json = [f["message"] for f in findings_to_json(findings, lang=lang)["findings"]]
    features = findings_to_geojson(findings, lang=lang)["features"]
    located = [f for f in sort_findings(findings) if f.geometry is not None]
    assert as_json == [f.message_in(lang) for f in sort_findings(findings)]
    assert [f["properties"]["message"] for f in features] == [f.message_in(lang) for f in located]
    expected = "重叠 1,000.0 m²" if lang == "zh" else "overlap by 1,000.0 m²"
    assert as_json[0].endswith(expected)


def test_json_is_chinese_by_default(findings: list[Finding]) -> None:
    overlap = findings_to_json(findings)["findings"][0]
    assert overlap["message"] == f"{zoo.CODES[0]} 与 {zoo.CODES[1]} 重叠 1,000.0 m²"
    feature = findings_to_geojson(findings)["features"][0]
    assert feature["properties"]["message"] == overlap["message"]


@pytest.mark.parametrize("report", [findings_to_json, findings_to_geojson, findings_to_text])
def test_other_languages_are_refused(findings: list[Finding], report: Callable) -> None:
    with pytest.raises(InvalidInput, match=r"^lang: 'fr' is not one of zh, en$"):
        report(findings, lang="fr")
