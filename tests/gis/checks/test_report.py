"""Findings as JSON, GeoJSON and text."""

from __future__ import annotations

import json

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
    text = findings_to_text(findings)
    for needle in ("Errors (1):", "[overlap]", "Warnings (1):", "[size-balance]", "Info (1):"):
        assert needle in text
    assert text.index("[overlap]") < text.index("[size-balance]") < text.index("[households")
    assert text.splitlines()[-1].startswith("Summary: 1 error, 1 warning, 1 info")


def test_text_of_no_findings() -> None:
    assert findings_to_text([]) == "No findings: 0 errors, 0 warnings, 0 info."
