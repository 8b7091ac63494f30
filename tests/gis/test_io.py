"""Reading boundary files: formats, field detection, CRS handling, and every kind of bad input."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.areas import Level
from gis.crs import wgs84_to_gcj02
from gis.errors import CodeError, CRSError, InvalidGeometry, InvalidInput, UnreadableFile
from gis.io import read_boundaries, write_areas
from tests import geoms

GRID_ROWS = geoms.HIERARCHY["grid"]


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [
        (".geojson", "GeoJSON"),
        (".gpkg", "GPKG"),
        (".shp", "ESRI Shapefile"),
        (".fgb", "FlatGeobuf"),
    ],
)
def test_reads_every_supported_format(tmp_path: Path, suffix: str, driver: str) -> None:
    path = geoms.write(
        geoms.frame(GRID_ROWS, households=[320, 410]), tmp_path / f"g{suffix}", driver
    )
    found = read_boundaries(path, level=Level.GRID)
    assert sorted(found.areas["code"]) == [r[0] for r in GRID_ROWS]
    assert sorted(found.areas["households"]) == [320, 410]
    assert found.areas.crs.to_epsg() == 4326
    assert all(g.geom_type == "MultiPolygon" for g in found.areas.geometry)
    first = found.areas.set_index("code").geometry[GRID_ROWS[0][0]]
    assert shapely.equals_exact(
        first.geoms[0].normalize(), GRID_ROWS[0][2].normalize(), tolerance=1e-9
    )


def test_reads_kml_with_codes_in_name(tmp_path: Path) -> None:
    # KML keeps only Name/Description, so codes travel in Name
    kml = geoms.frame([(code, code, geom) for code, _, geom in GRID_ROWS])
    path = geoms.write(kml, tmp_path / "codes.kml", "KML")
    found = read_boundaries(path, level=Level.GRID, code_field="Name")
    assert list(found.areas["code"]) == [r[0] for r in GRID_ROWS]
    assert found.areas.total_bounds == pytest.approx([116.34, 39.99, 116.36, 40.01], abs=1e-7)


def test_detects_chinese_field_names_and_counts(tmp_path: Path) -> None:
    gdf = geoms.frame(GRID_ROWS, code="网格编码", name="名称", households=[300, 450])
    gdf = gdf.rename(columns={"households": "户数"})
    found = read_boundaries(geoms.write(gdf, tmp_path / "g.geojson"), level=Level.GRID)
    assert (found.code_field, found.name_field) == ("网格编码", "名称")
    assert list(found.areas["name"]) == ["第01网格", "第02网格"]
    assert list(found.areas["households"]) == [300, 450]


def test_explicit_fields_and_extra_attributes_kept(tmp_path: Path) -> None:
    gdf = geoms.frame(GRID_ROWS, code="WGBH", name="WGMC")
    gdf["worker"] = ["张三", "李四"]
    path = geoms.write(gdf, tmp_path / "g.gpkg")
    found = read_boundaries(path, level=Level.GRID, code_field="WGBH", name_field="WGMC")
    assert found.areas["attributes"].iloc[1] == {"worker": "李四"}


def test_integer_codes_are_read_as_text(tmp_path: Path) -> None:
    gdf = geoms.frame([(110108, "海淀区", geoms.DISTRICT)])  # type: ignore[list-item]
    found = read_boundaries(geoms.write(gdf, tmp_path / "d.geojson"), level=Level.DISTRICT)
    assert found.areas["code"].iloc[0] == "110108"


def test_gcj02_input_is_shifted_onto_wgs84(tmp_path: Path) -> None:
    wgs_box = shapely.box(116.34, 39.99, 116.36, 40.01)
    gcj_box = shapely.transform(
        wgs_box, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )
    assert gcj_box.centroid.distance(wgs_box.centroid) > 0.005  # ~550 m apart as given
    path = geoms.write(geoms.frame([("110108010019", "社区", gcj_box)]), tmp_path / "c.geojson")
    found = read_boundaries(path, level=Level.COMMUNITY, crs="gcj02")
    assert found.source_crs == "gcj02"
    assert found.areas.total_bounds == pytest.approx([116.34, 39.99, 116.36, 40.01], abs=1e-7)


def test_projected_file_is_converted(tmp_path: Path) -> None:
    gdf = geoms.frame(GRID_ROWS).to_crs("EPSG:32650")
    found = read_boundaries(geoms.write(gdf, tmp_path / "g.gpkg"), level=Level.GRID)
    assert found.source_crs == "EPSG:32650"
    assert found.areas.total_bounds == pytest.approx([116.34, 39.99, 116.36, 40.01], abs=1e-7)


# --- bad input: one clear error naming the feature and the field --------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="does not exist"):
        read_boundaries(tmp_path / "nope.geojson", level=Level.GRID)


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "grids.csv"
    path.write_text("code,name\n1,2\n")
    with pytest.raises(UnreadableFile, match=r"unknown format '\.csv'"):
        read_boundaries(path, level=Level.GRID)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection", "features": [', "cannot read g.geojson as GeoJSON"),
        ('{"type":"FeatureCollection","features":[]}', "has no features"),
    ],
    ids=["truncated", "empty"],
)
def test_unreadable_or_empty_content(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "g.geojson"
    path.write_text(content)
    with pytest.raises(UnreadableFile, match=message):
        read_boundaries(path, level=Level.GRID)


def test_missing_crs(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(GRID_ROWS, crs=None), tmp_path / "g.shp")
    with pytest.raises(CRSError, match="crs: g.shp declares no coordinate system"):
        read_boundaries(path, level=Level.GRID)


def test_missing_crs_given_on_the_command_line_is_used(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(GRID_ROWS, crs=None), tmp_path / "g.shp")
    assert read_boundaries(path, level=Level.GRID, crs="wgs84").source_crs == "wgs84"


def test_projected_metres_declared_as_degrees(tmp_path: Path) -> None:
    metres = geoms.frame(GRID_ROWS).to_crs("EPSG:32650").set_crs("EPSG:4326", allow_override=True)
    path = geoms.write(metres, tmp_path / "g.geojson")
    with pytest.raises(CRSError, match=r"feature 1 \(code 110108010019001\): field geometry"):
        read_boundaries(path, level=Level.GRID)


def test_swapped_lon_lat(tmp_path: Path) -> None:
    swapped = shapely.transform(GRID_ROWS[0][2], lambda xy: xy[:, ::-1])
    path = geoms.write(geoms.frame([(GRID_ROWS[0][0], "g", swapped)]), tmp_path / "g.geojson")
    with pytest.raises(CRSError, match="swapped"):
        read_boundaries(path, level=Level.GRID)


def test_conflicting_crs(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(GRID_ROWS).to_crs("EPSG:32650"), tmp_path / "g.gpkg")
    with pytest.raises(CRSError, match="declares EPSG:32650 but crs says gcj02"):
        read_boundaries(path, level=Level.GRID, crs="gcj02")


def test_duplicate_codes(tmp_path: Path) -> None:
    rows = [GRID_ROWS[0], (GRID_ROWS[0][0], "again", GRID_ROWS[1][2])]
    path = geoms.write(geoms.frame(rows), tmp_path / "g.geojson")
    with pytest.raises(CodeError, match="features 1, 2: field code '110108010019001' appears more"):
        read_boundaries(path, level=Level.GRID)


def test_wrong_code_length(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame([("11010801001900", "g", geoms.VALID)]), tmp_path / "g.geojson")
    with pytest.raises(CodeError, match="feature 1: code: '11010801001900' is not a grid code"):
        read_boundaries(path, level=Level.GRID)


def test_no_code_field(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"label": ["x"]}, geometry=[geoms.VALID], crs="EPSG:4326")
    with pytest.raises(CodeError, match="no code field found"):
        read_boundaries(geoms.write(gdf, tmp_path / "g.geojson"), level=Level.GRID)


def test_named_code_field_missing(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(GRID_ROWS), tmp_path / "g.geojson")
    with pytest.raises(UnreadableFile, match="code_field: no field 'WGBH'"):
        read_boundaries(path, level=Level.GRID, code_field="WGBH")


def test_empty_geometry(tmp_path: Path) -> None:
    rows = [GRID_ROWS[0], (GRID_ROWS[1][0], "g", None)]
    path = geoms.write(geoms.frame(rows), tmp_path / "g.geojson")
    with pytest.raises(
        InvalidGeometry, match=r"feature 2 \(code 110108010019002\): field geometry is empty"
    ):
        read_boundaries(path, level=Level.GRID)


def test_non_polygon_geometry(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame([(GRID_ROWS[0][0], "g", geoms.LINE)]), tmp_path / "g.geojson")
    with pytest.raises(InvalidGeometry, match="is a LineString; expected Polygon or MultiPolygon"):
        read_boundaries(path, level=Level.GRID)


def test_invalid_geometry_refused_with_reason_and_location(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame([(GRID_ROWS[0][0], "g", geoms.BOW_TIE)]), tmp_path / "g.geojson")
    with pytest.raises(InvalidGeometry, match=r"invalid: Self-intersection\[116.345 39.995\]"):
        read_boundaries(path, level=Level.GRID)


def test_invalid_geometry_repaired_on_request(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame([(GRID_ROWS[0][0], "g", geoms.BOW_TIE)]), tmp_path / "g.geojson")
    found = read_boundaries(path, level=Level.GRID, repair=True)
    assert found.repairs == [
        "feature 1 (code 110108010019001): repaired Self-intersection[116.345 39.995]"
    ]
    repaired = found.areas.geometry.iloc[0]
    assert repaired.is_valid and len(repaired.geoms) == 2
    assert (
        repaired.area == pytest.approx(geoms.BOW_TIE.buffer(0).area * 2, rel=0.01)
        or repaired.area > 0
    )


def test_nan_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "nan.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"code":"110108010019001"},"geometry":{"type":"Polygon","coordinates":'
        "[[[116.34,39.99],[116.35,39.99],[116.35,1e999],[116.34,39.99]]]}}]}"
    )
    with pytest.raises((CRSError, InvalidGeometry, UnreadableFile)):
        read_boundaries(path, level=Level.GRID)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "fgb"])
def test_write_areas_round_trips(tmp_path: Path, fmt: str) -> None:
    found = read_boundaries(
        geoms.write(geoms.frame(GRID_ROWS), tmp_path / "in.geojson"), level=Level.GRID
    )
    out = tmp_path / f"out.{fmt}"
    write_areas(found.areas.drop(columns=["attributes"]), out, fmt)
    again = read_boundaries(out, level=Level.GRID)
    assert sorted(again.areas["code"]) == sorted(found.areas["code"])  # FlatGeobuf sorts spatially


def test_write_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="format: unknown format 'svg'"):
        write_areas(geoms.frame(GRID_ROWS), tmp_path / "x.svg", "svg")


def test_negative_households(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(GRID_ROWS, households=[300, -1]), tmp_path / "g.geojson")
    with pytest.raises(InvalidInput, match="feature 2: field households: -1 is not a whole number"):
        read_boundaries(path, level=Level.GRID)
