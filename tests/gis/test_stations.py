"""Stations without the store: catalogue, records, circles, coverage shares, siting gains."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.crs import wgs84_to_gcj02
from gis.errors import CRSError, InvalidInput
from gis.network import snap_points
from gis.network.project import Projection
from gis.network.synthetic import street_grid
from gis.stations.catalogue import StationCatalogue, UnknownStationType
from gis.stations.circles import circles
from gis.stations.coverage import Homes, circle_homes_covered, coverage_table
from gis.stations.records import parse_station, read_stations
from gis.stations.siting import greedy_max_cover
from gis.stations.suggest import cover_matrix

CATALOGUE = StationCatalogue.load()


@pytest.mark.parametrize("radius", [300.0, 500.0, 1000.0])
def test_circle_radius_is_metres_on_the_ground(radius: float) -> None:
    [[circle]] = circles([[116.35, 40.0]], [radius])
    projection = Projection.around(116.35, 40.0)
    centre = np.array(projection.forward(116.35, 40.0))
    ring = shapely.get_coordinates(circle)
    x, y = projection.forward(ring[:, 0], ring[:, 1])
    assert np.hypot(x - centre[0], y - centre[1]) == pytest.approx(radius, abs=0.01)
    assert circle.bounds[2] - circle.bounds[0] == pytest.approx(2 * radius / 85_390, rel=0.01)


def test_unknown_type_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownStationType, match=r"valid: .*red_post \(红色驿站\)"):
        CATALOGUE.find("网吧")
    assert CATALOGUE.find("Red post (rest stop for outdoor workers)").code == "red_post"


def test_gcj02_station_is_stored_in_wgs84() -> None:
    gx, gy = wgs84_to_gcj02(116.35, 40.0)
    station = parse_station(
        {"type": "警务室", "name": "x", "lon": float(gx), "lat": float(gy)}, CATALOGUE, crs="gcj02"
    )
    assert (station.lon, station.lat) == pytest.approx((116.35, 40.0), abs=1e-7)


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ({"name": "x", "lon": 116.35, "lat": 40}, "type: missing"),
        ({"type": "red_post", "lon": 116.35, "lat": 40}, "name: missing"),
        ({"type": "red_post", "name": "x", "lon": "abc", "lat": 40}, "lon: 'abc' is not a number"),
        ({"type": "red_post", "name": "x", "lon": 40, "lat": 116.35}, "look swapped"),
        ({"type": "red_post", "name": "x", "lon": 116.35, "lat": 40, "capacity": -1}, "capacity"),
    ],
)
def test_bad_station_fields(row: dict, error: str) -> None:
    with pytest.raises((InvalidInput, CRSError), match=error):
        parse_station(row, CATALOGUE)


def test_csv_is_refused_whole_naming_the_row() -> None:
    text = "type,name,lon,lat\n红色驿站,a,116.35,40.0\n网吧,b,116.35,40.0\n"
    with pytest.raises(UnknownStationType, match="row 3: type"):
        read_stations(text.encode(), kind="csv", catalogue=CATALOGUE)
    [good] = read_stations(
        text.encode().split(b"\n\xe7\xbd\x91")[0] + b"\n", kind="csv", catalogue=CATALOGUE
    )
    assert good.type == "red_post"


def _two_grids() -> gpd.GeoDataFrame:
    west = shapely.box(116.350, 40.000, 116.352, 40.002)
    east = shapely.box(116.352, 40.000, 116.354, 40.002)
    return gpd.GeoDataFrame(
        {
            "code": ["g1", "g2"],
            "name": ["west", "east"],
            "level": ["grid", "grid"],
            "households": [30, 30],
        },
        geometry=[west, east],
        crs="EPSG:4326",
    )


def test_coverage_shares_by_households_and_area() -> None:
    areas = _two_grids()
    reach = shapely.box(116.349, 39.999, 116.353, 40.003)  # all of west, half of east
    homes = np.array(
        [[116.351, 40.001], [116.3515, 40.0015], [116.3525, 40.001], [116.3535, 40.001]]
    )
    households = np.array([10.0, 20.0, 5.0, 15.0])
    table = coverage_table(
        areas, reach, Homes(homes, households, circle_homes_covered(homes, reach))
    )
    west, east = table.itertuples()
    assert (west.household_share, west.area_share, west.uncovered_households) == (1.0, 1.0, 0.0)
    assert east.household_share == 0.25 and east.area_share == pytest.approx(0.5, abs=0.001)
    assert east.uncovered_households == 15.0
    assert table.geometry.iloc[1].area == pytest.approx(0.001 * 0.002, rel=0.01)


def test_coverage_without_households_weighs_area() -> None:
    reach = shapely.box(116.349, 39.999, 116.353, 40.003)
    table = coverage_table(
        _two_grids(), reach, Homes(np.zeros((0, 2)), np.zeros(0), np.zeros(0, bool))
    )
    east = table.iloc[1]
    assert east.household_share == east.area_share == pytest.approx(0.5, abs=0.001)
    assert east.covered_households == pytest.approx(15.0, abs=0.1)


def test_network_coverage_on_a_hand_built_street() -> None:
    """One straight street of 20 blocks: a station at its west end covers the first 1,200 m."""
    net = street_grid(1, 21, 100.0)
    station = snap_points(net, [net.lonlat[0]])
    homes = snap_points(
        net, net.lonlat[[5, 11, 12, 13, 20]] + [0.0, 0.0001]
    )  # ~11 m off the street
    covered = (cover_matrix(net, station, homes, 1200.0).toarray()[0]).tolist()
    assert covered == [True, True, False, False, False]  # 1,100 + 11 m in; 1,200 + 11 m out


def test_greedy_siting_gain_keeps_existing_fixed() -> None:
    net = street_grid(1, 41, 100.0)  # 4 km street
    demand_nodes = [2, 3, 20, 21, 38, 39]
    demand = snap_points(net, net.lonlat[demand_nodes])
    weights = np.array([10.0, 10.0, 50.0, 50.0, 30.0, 30.0])
    sites = snap_points(net, net.lonlat)
    existing = snap_points(net, net.lonlat[[20]])
    limit = 500.0
    already = cover_matrix(net, existing, demand, limit).toarray()[0]
    picks = greedy_max_cover(cover_matrix(net, sites, demand, limit), weights, already=already, k=3)
    assert [p.gain for p in picks] == [60.0, 20.0]  # the middle is covered; then east, then west
    assert 34 <= picks[0].candidate <= 43 and picks[1].candidate <= 7
