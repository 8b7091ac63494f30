"""Walking networks: the OSM reader, snapping, and exact isochrones (checked against networkx)."""

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

from gis.errors import InvalidInput, UnreadableFile
from gis.network import Unsnappable, isochrones, network_from_osm, snap_points, walk_metres
from gis.network.reach import walk_distances
from gis.network.synthetic import street_grid

OSM = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "osm"
    / "osm_beijing_haidian_cau_east_campus.osm"
)


def reference_distances(net, snapped) -> np.ndarray:
    """Node distances from one snapped source by plain networkx Dijkstra."""
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(net.u.tolist(), net.v.tolist(), net.length_m.tolist(), strict=True)
    )
    edge, offset = int(snapped.edge[0]), float(snapped.offset_m[0])
    graph.add_edge("s", int(net.u[edge]), weight=offset)
    graph.add_edge("s", int(net.v[edge]), weight=float(net.length_m[edge]) - offset)
    found = nx.single_source_dijkstra_path_length(graph, "s")
    return np.array([found.get(i, np.inf) for i in range(net.node_count)])


def point_distance(net, nodes: np.ndarray, xy: np.ndarray, snapped) -> float:
    """Network distance of a point lying on the network, from the reference node distances."""
    [found] = net.tree.query_nearest(shapely.Point(xy), all_matches=True)[None]
    best = np.inf
    for edge in np.atleast_1d(found):
        t = float(np.hypot(*(xy - net.xy[net.u[edge]])))
        best = min(best, nodes[net.u[edge]] + t, nodes[net.v[edge]] + net.length_m[edge] - t)
        if edge == snapped.edge[0]:
            best = min(best, abs(t - float(snapped.offset_m[0])))
    return best


@pytest.fixture(scope="module")
def grid():
    return street_grid(21, 21, 100.0)


@pytest.mark.parametrize("limit", [300.0, 730.0, 1200.0])
def test_isochrone_never_overreaches_and_reaches_what_is_near(grid, limit: float) -> None:
    source = grid.lonlat[10 * 21 + 10] + [0.0003, 0.00001]  # off a node, near a street
    snapped = snap_points(grid, [source])
    [[iso]] = isochrones(grid, snapped, [limit])
    nodes = reference_distances(grid, snapped)
    ends = iso.pieces.reshape(-1, 2)
    reached = np.array([point_distance(grid, nodes, xy, snapped) for xy in ends])
    assert reached.max() <= limit + 1e-6
    assert reached.max() >= limit - 1e-6  # cut exactly at the limit, not before
    inside = shapely.contains_xy(iso.polygon, grid.xy[:, 0], grid.xy[:, 1])
    assert inside[nodes <= limit - 30].all()
    assert not inside[nodes > limit + 25 + 1e-6].any()


def test_isochrone_has_holes_between_streets_and_over_a_park() -> None:
    def outside_park(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        def in_park(rc: np.ndarray) -> np.ndarray:
            return (rc[:, 0] >= 12) & (rc[:, 0] <= 16) & (rc[:, 1] >= 8) & (rc[:, 1] <= 12)

        return ~(in_park(a) & in_park(b))

    net = street_grid(21, 21, 100.0, keep=outside_park)
    [[iso]] = isochrones(net, snap_points(net, [net.lonlat[5 * 21 + 10]]), [2000.0])
    polygon = iso.polygon
    assert polygon.geom_type == "Polygon" and len(polygon.interiors) > 0
    block_centre = net.xy[5 * 21 + 10] + [50.0, 50.0]
    park_centre = net.xy[14 * 21 + 10]
    assert not polygon.contains(shapely.Point(block_centre))
    assert not polygon.contains(shapely.Point(park_centre))
    assert polygon.contains(shapely.Point(net.xy[11 * 21 + 10]))  # the park's edge streets


def test_tiers_come_from_one_routing_and_grow(grid) -> None:
    [tiers] = isochrones(grid, snap_points(grid, [grid.lonlat[220]]), [400.0, 800.0, 1200.0])
    areas = [t.polygon.area for t in tiers]
    assert areas == sorted(areas) and tiers[0].polygon.within(tiers[2].polygon.buffer(1e-6))


def test_walk_distances_add_the_access_leg(grid) -> None:
    sources = snap_points(grid, [grid.lonlat[0]])
    home = (grid.lonlat[1] + grid.lonlat[2]) / 2 - [0.0, 0.0002]  # 150 m along, ~22 m south
    targets = snap_points(grid, [home])
    [[walk]] = walk_distances(grid, sources, targets, 1200.0)
    assert targets.distance_m[0] == pytest.approx(22.2, abs=0.5)
    expected = 100.0 + float(targets.offset_m[0] + targets.distance_m[0])
    assert walk == pytest.approx(expected, abs=1e-6) and walk == pytest.approx(172.2, abs=0.5)


def test_far_point_cannot_be_snapped(grid) -> None:
    with pytest.raises(Unsnappable, match="more than 200 m"):
        snap_points(grid, [[116.40, 40.05]], labels=["far"])
    loose = snap_points(grid, [[116.40, 40.05], grid.lonlat[3]], strict=False)
    assert loose.ok.tolist() == [False, True]


@pytest.mark.parametrize(
    ("minutes", "speed"), [(0, 4.8), (-5, 4.8), (121, 4.8), (15, 0), (15, -1), (float("nan"), 4.8)]
)
def test_bad_minutes_or_speed(minutes: float, speed: float) -> None:
    with pytest.raises(InvalidInput):
        walk_metres(minutes, speed)


def test_osm_extract_reads_offline_without_motorways() -> None:
    net = network_from_osm(OSM)
    assert net.node_count > 1000 and net.edge_count > 1000
    assert net.length_m.min() > 0
    assert net.version == network_from_osm(OSM).version
    [[iso]] = isochrones(net, snap_points(net, [[116.3553, 40.0073]]), [1200.0])
    assert iso.polygon.area < 0.8 * shapely.convex_hull(iso.polygon).area


def test_unreadable_osm(tmp_path: Path) -> None:
    bad = tmp_path / "x.osm"
    bad.write_text("<osm version='0.6'><node id='1' lat='40' lon='116'/></osm>")
    with pytest.raises(UnreadableFile, match="no walkable"):
        network_from_osm(bad)
    bad.write_text("not xml")
    with pytest.raises(UnreadableFile):
        network_from_osm(bad)
