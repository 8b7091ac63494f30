"""Coverage reports: mode and tier parsing, and the summary, shares and GeoJSON of a table."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import box

from gis.errors import InvalidInput
from gis.geometry import area_m2
from gis.stations.catalogue import StationType, Tier
from gis.stations.coverage import (
    MODES,
    WEIGHTS_NOTE,
    CoverageReport,
    Homes,
    circle_homes_covered,
    coverage_table,
    parse_mode,
    tier_radius,
)
from gis.stations.reach import Unsnapped
from tests import geoms

SCHOOL = StationType("school", "学校", "School", "education", (Tier(5, 300), Tier(15, 1000)))
WEST, EAST = (code for code, _, _ in geoms.HIERARCHY["grid"])
(COMMUNITY, _, _) = geoms.HIERARCHY["community"][0]
REACH = box(116.34, 39.99, 116.345, 40.01)  # the western half of the west grid
# two homes in the west grid (one inside the reach), one in the east grid
HOMES_LONLAT = np.array([[116.342, 40.0], [116.347, 40.0], [116.355, 40.0]])
HOMES_COUNTS = np.array([10.0, 30.0, 20.0])
NO_HOMES = Homes(np.zeros((0, 2)), np.zeros(0), np.zeros(0, dtype=bool))


def areas(households: list[int] | None = None) -> gpd.GeoDataFrame:
    """The two grids and their community, as the coverage table takes them."""
    frame = geoms.frame(
        geoms.HIERARCHY["grid"] + geoms.HIERARCHY["community"],
        households=[100, 50, 150] if households is None else households,
    )
    frame["level"] = ["grid", "grid", "community"]
    return frame


def homes(counts: np.ndarray = HOMES_COUNTS, reach: shapely.Geometry = REACH) -> Homes:
    return Homes(HOMES_LONLAT, counts, circle_homes_covered(HOMES_LONLAT, reach))


def report(table: gpd.GeoDataFrame | None = None, weights: str = "households") -> CoverageReport:
    return CoverageReport(
        station_type=SCHOOL,
        mode="circle",
        minutes=5,
        stations=3,
        table=coverage_table(areas(), REACH, homes()) if table is None else table,
        weights=weights,
        unsnapped=[Unsnapped(7, "东门驿站", "1.2 km from a street")],
    )


def feature(collection: dict[str, object], code: str) -> dict[str, object]:
    features = collection["features"]
    assert isinstance(features, list)
    (found,) = (f for f in features if f["id"] == code)
    return dict(found)


# --- parse_mode


@pytest.mark.parametrize("mode", MODES)
def test_known_mode_is_returned(mode: str) -> None:
    assert parse_mode(mode) == mode


@pytest.mark.parametrize("mode", ["walk", "Circle", " network", ""])
def test_unknown_mode_is_refused_naming_it(mode: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_mode(mode)
    assert caught.value.detail == f"mode: {mode!r} must be circle or network"


# --- tier_radius


@pytest.mark.parametrize(("minutes", "radius"), [(5, 300.0), (5.0, 300.0), (15, 1000.0)])
def test_tier_radius_of_a_listed_tier(minutes: float, radius: float) -> None:
    assert tier_radius(SCHOOL, minutes) == radius


@pytest.mark.parametrize("minutes", [10, 4.5, 0])
def test_unlisted_minutes_are_refused_listing_the_tiers(minutes: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        tier_radius(SCHOOL, minutes)
    expected = f"minutes: school has no {minutes:g}-minute tier; tiers: 5, 15"
    assert caught.value.detail == expected


# --- the table the report is built on


def test_table_counts_the_homes_in_each_area() -> None:
    table = coverage_table(areas(), REACH, homes()).set_index("code")
    assert table["households"].to_dict() == {WEST: 40.0, EAST: 20.0, COMMUNITY: 60.0}
    assert table["covered_households"].to_dict() == {WEST: 10.0, EAST: 0.0, COMMUNITY: 10.0}


def test_table_without_homes_weighs_by_area() -> None:
    table = coverage_table(areas(), REACH, NO_HOMES).set_index("code")
    assert table["covered_households"].to_dict() == pytest.approx(
        {WEST: 50.0, EAST: 0.0, COMMUNITY: 37.5}, abs=0.1
    )
    assert (table["household_share"] == table["area_share"]).all()


# --- CoverageReport.summary


def test_summary_is_over_the_grids_only() -> None:
    assert report().summary == {
        "households": 60.0,
        "covered_households": 10.0,
        "uncovered_households": 50.0,
        "household_share": 0.1667,
        "area_share": 0.25,
    }


def test_summary_without_households_has_no_household_share() -> None:
    summary = report(coverage_table(areas([0, 0, 0]), REACH, NO_HOMES)).summary
    assert summary["household_share"] is None
    assert summary["households"] == 0.0
    assert summary["area_share"] == 0.25


def test_summary_of_an_empty_reach_covers_nothing() -> None:
    nowhere = shapely.Polygon()
    summary = report(coverage_table(areas(), nowhere, homes(reach=nowhere))).summary
    assert (summary["covered_households"], summary["household_share"]) == (0.0, 0.0)
    assert summary["area_share"] == 0.0


def test_summary_of_no_grids_has_no_shares() -> None:
    table = coverage_table(areas(), REACH, homes())
    summary = report(table[table["level"] == "community"]).summary
    assert summary == {
        "households": 0.0,
        "covered_households": 0.0,
        "uncovered_households": 0.0,
        "household_share": None,
        "area_share": None,
    }


# --- CoverageReport.grid_shares


def test_grid_shares_are_per_grid_code() -> None:
    assert report().grid_shares() == {WEST: 0.25, EAST: 0.0}


def test_grid_without_households_has_no_share() -> None:
    counts = np.array([10.0, 30.0, 0.0])  # no one in the east grid
    shares = report(coverage_table(areas(), REACH, homes(counts))).grid_shares()
    assert shares[WEST] == 0.25
    east = shares[EAST]
    assert east is None or math.isnan(east)  # NaN: the table's column is float


# --- CoverageReport.to_geojson


def test_geojson_describes_the_report() -> None:
    collection = report().to_geojson()
    header = {k: v for k, v in collection.items() if k not in ("features", "summary")}
    assert header == {
        "type": "FeatureCollection",
        "station_type": {"code": "school", "zh": "学校", "en": "School"},
        "mode": "circle",
        "minutes": 5,
        "stations": 3,
        "unsnapped": [{"id": 7, "name": "东门驿站", "detail": "1.2 km from a street"}],
        "weights": "households",
        "note": "households from the standard addresses",
    }


def test_geojson_carries_the_summary() -> None:
    made = report()
    assert made.to_geojson()["summary"] == made.summary


def test_geojson_weighted_by_area_says_so() -> None:
    collection = report(coverage_table(areas(), REACH, NO_HOMES), weights="area").to_geojson()
    assert (collection["weights"], collection["note"]) == ("area", WEIGHTS_NOTE)


def test_geojson_has_one_feature_per_area_with_its_code() -> None:
    features = report().to_geojson()["features"]
    assert [f["id"] for f in features] == [WEST, EAST, COMMUNITY]
    assert all(f["type"] == "Feature" for f in features)


def test_geojson_properties_are_the_table_row() -> None:
    properties = feature(report().to_geojson(), WEST)["properties"]
    assert properties == {
        "code": WEST,
        "name": "第01网格",
        "level": "grid",
        "households": 40.0,
        "covered_households": 10.0,
        "uncovered_households": 30.0,
        "household_share": 0.25,
        "area_m2": pytest.approx(1_894_964, abs=10),
        "covered_area_m2": pytest.approx(947_480, abs=10),
        "area_share": 0.5,
    }


@pytest.mark.parametrize(
    ("code", "uncovered"), [(WEST, box(116.345, 39.99, 116.35, 40.01)), (EAST, geoms.GRIDS[1])]
)
def test_geojson_geometry_is_the_uncovered_part(code: str, uncovered: shapely.Geometry) -> None:
    geometry = shapely.geometry.shape(feature(report().to_geojson(), code)["geometry"])
    assert area_m2([shapely.symmetric_difference(geometry, uncovered)])[0] < 10  # of ~950,000


def test_geojson_shows_missing_shares_as_null() -> None:
    table = coverage_table(areas(), REACH, homes(np.array([10.0, 30.0, 0.0])))
    properties = feature(report(table).to_geojson(), EAST)["properties"]
    assert isinstance(properties, dict)
    assert properties["household_share"] is None


def test_geojson_is_plain_json() -> None:
    table = coverage_table(areas(), REACH, homes(np.array([10.0, 30.0, 0.0])))
    text = json.dumps(report(table).to_geojson(), allow_nan=False, ensure_ascii=False)
    assert json.loads(text)["features"][1]["properties"]["household_share"] is None
