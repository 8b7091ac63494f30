"""Each broken coverage of the zoo is found with the right rule and a measure within 1%."""

from __future__ import annotations

import pytest
import shapely
from shapely import box

from gis.checks import CheckConfig, Finding, check_areas, has_errors
from gis.errors import InvalidGeometry
from tests.gis.checks import zoo

REL = 0.01


def only(findings: list[Finding], rule: str) -> Finding:
    found = [f for f in findings if f.rule == rule]
    assert len(found) == 1, [f.message for f in findings]
    return found[0]


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def test_clean_coverage_has_no_findings() -> None:
    assert check_areas(zoo.areas([zoo.LEFT, zoo.RIGHT]), parent=zoo.PARENT) == []


def test_overlap_is_measured_between_the_pair() -> None:
    found = only(check_areas(zoo.areas(zoo.OVERLAPPING), parent=zoo.PARENT), "overlap")
    assert (found.severity, found.codes, found.unit) == ("error", tuple(zoo.CODES[:2]), "m²")
    assert found.measure == pytest.approx(1_000, rel=REL)


def test_overlap_geometry_is_the_intersection() -> None:
    found = only(check_areas(zoo.areas(zoo.OVERLAPPING), parent=zoo.PARENT), "overlap")
    difference = shapely.symmetric_difference(zoo.metres(found.geometry), box(90, 0, 100, 100))
    assert difference.area < 1e-3


def test_contained_area_overlaps_its_container() -> None:
    findings = check_areas(zoo.areas([zoo.PARENT_M, box(10, 10, 30, 30)]), parent=zoo.PARENT)
    assert only(findings, "overlap").measure == pytest.approx(400, rel=REL)


def test_duplicate_geometry_overlaps_fully() -> None:
    findings = check_areas(zoo.areas([zoo.LEFT, zoo.LEFT, zoo.RIGHT]), parent=zoo.PARENT)
    assert only(findings, "overlap").measure == pytest.approx(10_000, rel=REL)


def test_overlap_below_tolerance_is_ignored() -> None:
    grids = zoo.areas([zoo.LEFT, box(99.995, 0, 200, 100)])  # 0.5 m²
    assert "overlap" not in rules(check_areas(grids, parent=zoo.PARENT))


def test_gap_has_area_width_and_neighbours() -> None:
    found = only(check_areas(zoo.areas(zoo.GAPPED), parent=zoo.PARENT), "gap")
    assert found.codes == tuple(zoo.CODES[:2])
    assert found.measure == pytest.approx(1_000, rel=REL)
    assert found.details["width_m"] == pytest.approx(10, rel=REL)


def test_half_metre_sliver_gap_is_measured_within_one_percent() -> None:
    found = only(check_areas(zoo.areas(zoo.SLIVER_GAP), parent=zoo.PARENT), "gap")
    assert found.measure == pytest.approx(50, rel=REL)
    assert found.details["width_m"] == pytest.approx(0.5, rel=REL)


def test_hole_without_allowance_is_a_gap() -> None:
    found = only(check_areas(zoo.areas(zoo.HOLED), parent=zoo.PARENT), "gap")
    assert (found.codes, found.measure) == ((zoo.CODES[0],), pytest.approx(400, rel=REL))


def test_hole_inside_allowed_hole_is_info() -> None:
    config = CheckConfig(allowed_holes=(zoo.lonlat(zoo.LAKE_M),))
    findings = check_areas(zoo.areas(zoo.HOLED), parent=zoo.PARENT, config=config)
    assert rules(findings) == ["allowed-hole"]
    assert findings[0].severity == "info"
    assert findings[0].measure == pytest.approx(400, rel=REL)


def test_area_outside_parent_is_measured() -> None:
    found = only(check_areas(zoo.areas(zoo.OUTSIDE), parent=zoo.PARENT), "outside-parent")
    assert (found.codes, found.severity) == ((zoo.CODES[1],), "error")
    assert found.measure == pytest.approx(2_000, rel=REL)


def test_area_wholly_outside_parent_is_outside_entirely() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT, box(300, 0, 350, 100)])
    found = only(check_areas(grids, parent=zoo.PARENT), "outside-parent")
    assert found.measure == pytest.approx(5_000, rel=REL)


def test_multipart_measures_all_but_the_largest_part() -> None:
    found = only(check_areas(zoo.areas(zoo.MULTIPART), parent=zoo.PARENT), "multipart")
    assert (found.codes, found.severity) == ((zoo.CODES[1],), "error")
    assert found.measure == pytest.approx(2_000, rel=REL)
    assert found.details["parts"] == 2


def test_allowed_multipart_is_info() -> None:
    config = CheckConfig(allow_multipart=frozenset({zoo.CODES[1]}))
    findings = check_areas(zoo.areas(zoo.MULTIPART), parent=zoo.PARENT, config=config)
    assert [(f.rule, f.severity) for f in findings] == [("multipart", "info")]


def test_enclosed_area_is_a_warning_with_its_shared_boundary() -> None:
    findings = check_areas(zoo.areas(zoo.ENCLOSED), parent=zoo.PARENT)
    found = only(findings, "enclosed")
    assert (found.severity, found.codes) == ("warning", tuple(zoo.CODES[:2]))
    assert found.details["enclosed_by"] == zoo.CODES[0]
    assert found.measure == pytest.approx(1.0, rel=REL)
    assert not has_errors(findings)


def test_area_in_a_bay_touching_the_parent_edge_is_not_enclosed() -> None:
    u_shape = zoo.PARENT_M.difference(box(80, 0, 120, 70))
    findings = check_areas(zoo.areas([u_shape, box(80, 0, 120, 70)]), parent=zoo.PARENT)
    assert "enclosed" not in rules(findings)


def test_hole_filled_by_two_areas_encloses_neither() -> None:
    ring = zoo.PARENT_M.difference(box(80, 30, 120, 70))
    inner = [box(80, 30, 100, 70), box(100, 30, 120, 70)]
    assert "enclosed" not in rules(check_areas(zoo.areas([ring, *inner]), parent=zoo.PARENT))


def test_sliver_area_has_its_polsby_popper_ratio() -> None:
    findings = check_areas(zoo.areas(zoo.SLIVER_AREA), parent=zoo.PARENT)
    found = only(findings, "sliver")
    assert found.codes == (zoo.CODES[1],)
    assert found.measure == pytest.approx(4 * 3.141592653589793 * 400 / 404**2, rel=REL)


def test_bow_tie_is_invalid_with_its_location() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.BOW_TIE])
    found = only(check_areas(grids, parent=zoo.PARENT), "invalid-geometry")
    assert found.codes == (zoo.CODES[1],)
    assert "Self-intersection" in str(found.details["reason"])
    assert zoo.metres(found.geometry).distance(shapely.Point(150, 50)) < 0.01


def test_bow_tie_is_repaired_so_other_rules_still_run() -> None:
    grids = zoo.areas([box(0, 0, 110, 100), zoo.BOW_TIE])  # repaired: two triangles
    findings = check_areas(grids, parent=zoo.PARENT)
    overlap = only(findings, "overlap")  # left triangle for 100 <= x <= 110: 10 × (100 + 80) / 2
    assert overlap.measure == pytest.approx(900, rel=REL)
    assert "gap" in rules(findings)


@pytest.mark.parametrize("geometry", [None, shapely.Polygon()], ids=["none", "empty"])
def test_empty_geometry_is_reported(geometry: shapely.Geometry | None) -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT])
    grids.loc[1, "geometry"] = geometry
    findings = check_areas(grids, parent=zoo.PARENT)
    assert only(findings, "empty-geometry").codes == (zoo.CODES[1],)
    assert only(findings, "gap").measure == pytest.approx(10_000, rel=REL)


def test_line_is_not_polygonal() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT.exterior])
    found = only(check_areas(grids, parent=zoo.PARENT), "invalid-geometry")
    assert "not polygonal" in found.message


def test_nan_coordinates_are_invalid_not_a_crash() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT])
    with pytest.warns(RuntimeWarning):
        nan = shapely.from_wkt("POLYGON ((116.35 40, nan 40, 116.36 40.01, 116.35 40))")
    grids.loc[1, "geometry"] = nan
    found = only(check_areas(grids, parent=zoo.PARENT), "invalid-geometry")
    assert "Invalid Coordinate" in found.message
    assert found.geometry is None


def test_no_parent_finds_hole_but_not_outer_shape() -> None:
    found = only(check_areas(zoo.areas([*zoo.HOLED[:1], zoo.RIGHT])), "gap")
    assert found.measure == pytest.approx(400, rel=REL)


def test_no_parent_accepts_a_concave_outline() -> None:
    assert check_areas(zoo.areas(zoo.L_SHAPE)) == []


def test_no_parent_finds_a_narrow_notch() -> None:
    found = only(check_areas(zoo.areas(zoo.NOTCHED)), "gap")
    assert found.measure == pytest.approx(50, rel=REL)
    assert found.details["width_m"] == pytest.approx(1.0, rel=REL)


def test_no_parent_finds_a_narrow_channel() -> None:
    found = only(check_areas(zoo.areas(zoo.SLIVER_GAP)), "gap")
    assert found.details["width_m"] == pytest.approx(0.5, rel=REL)


def test_notch_wider_than_gap_width_is_outline() -> None:
    notched = [zoo.LEFT, zoo.RIGHT.difference(box(150, 50, 155, 100))]
    assert check_areas(zoo.areas(notched)) == []


def test_parent_with_fewer_vertices_on_long_straight_edges_is_tiled() -> None:
    """Shared edges are exact in EPSG:4326; straight lines bow a little once projected."""
    west = box(116.30, 39.99, 116.35, 40.0)  # about 4.3 km × 1.1 km each
    east = box(116.35, 39.99, 116.40, 40.0)
    grids = zoo.areas([zoo.metres(west), zoo.metres(east)])
    assert check_areas(grids, parent=box(116.30, 39.99, 116.40, 40.0)) == []


def test_invalid_parent_is_reported_and_repaired() -> None:
    bow_tie = zoo.lonlat(shapely.Polygon([(0, 0), (200, 100), (200, 0), (0, 100)]))
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT])
    findings = check_areas(grids, parent=bow_tie, parent_code=zoo.COMMUNITY)
    assert only(findings, "invalid-geometry").codes == (zoo.COMMUNITY,)
    assert "outside-parent" in rules(findings)


@pytest.mark.parametrize(
    "parent", [shapely.Polygon(), shapely.LineString([(116.3, 40.0), (116.4, 40.0)])]
)
def test_parent_must_be_a_polygon(parent: shapely.Geometry) -> None:
    with pytest.raises(InvalidGeometry, match="parent"):
        check_areas(zoo.areas([zoo.LEFT]), parent=parent)


def test_only_empty_geometries_give_only_empty_findings() -> None:
    findings = check_areas(zoo.areas([None, None]), parent=zoo.PARENT)
    assert rules(findings) == ["empty-geometry", "empty-geometry"]


def test_no_areas_no_findings() -> None:
    assert check_areas(zoo.areas([]), parent=zoo.PARENT) == []
