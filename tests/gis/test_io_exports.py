"""Issue 14 (files in and out): plan areas written as GeoPackage, GeoJSON, zipped Shapefile, KML."""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely import MultiPolygon, box

from gis.areas import Level
from gis.errors import InvalidInput
from gis.io import EXPORT_FORMATS, export_areas, export_table, read_boundaries

WEST, EAST = "110108010019001", "110108010019002"
AREAS = gpd.GeoDataFrame(
    {
        "code": [WEST, EAST],
        "name": ["第01网格", "第02网格"],
        "households": [392, None],
        "households_source": ["registry + area share", None],
    },
    geometry=[
        MultiPolygon([box(116.3412345678, 39.99, 116.35, 40.01)]),
        MultiPolygon([box(116.35, 39.99, 116.36, 40.0), box(116.351, 40.001, 116.352, 40.002)]),
    ],
    crs="EPSG:4326",
)
TABLE = export_table(AREAS, level="grid", parent_code="110108010019")
NAME = "plan-7-110108010019"
SUFFIX = {"gpkg": ".gpkg", "geojson": ".geojson", "shp.zip": ".zip", "kml": ".kml"}


def exported(tmp_path: Path, file_format: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / f"{NAME}{SUFFIX[file_format]}"
    path.write_bytes(export_areas(TABLE, file_format, name=NAME, encoding=encoding))
    return path


def read(path: Path, encoding: str | None = None) -> gpd.GeoDataFrame:
    source = f"/vsizip/{path}" if path.suffix == ".zip" else str(path)
    return pyogrio.read_dataframe(source, encoding=encoding)


def same_shapes(found: gpd.GeoSeries, expected: gpd.GeoSeries) -> bool:
    pairs = zip(found.to_numpy(), expected.to_numpy(), strict=True)
    return all(
        shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), 1e-9) for a, b in pairs
    )


@pytest.mark.parametrize("file_format", ["gpkg", "geojson"])
def test_issue14_gpkg_and_geojson_hold_every_attribute(tmp_path: Path, file_format: str) -> None:
    found = read(exported(tmp_path, file_format))
    assert list(found.columns) == [*TABLE.columns.drop("geometry"), "geometry"]
    assert found["code"].tolist() == [WEST, EAST]
    assert found["name"].tolist() == ["第01网格", "第02网格"]
    assert found["level"].tolist() == ["grid"] * 2
    assert found["parent_code"].tolist() == ["110108010019"] * 2
    assert found["households"].iloc[0] == 392 and found["households"].isna().iloc[1]
    assert found["households_source"].iloc[0] == "registry + area share"
    assert found["area_m2"].tolist() == TABLE["area_m2"].tolist() and TABLE["area_m2"].gt(0).all()
    assert found.crs.to_epsg() == 4326 and same_shapes(found.geometry, TABLE.geometry)


def test_issue14_a_gpkg_layer_is_named_after_the_file(tmp_path: Path) -> None:
    assert pyogrio.list_layers(exported(tmp_path, "gpkg"))[:, 0].tolist() == [NAME]


def test_issue14_a_zipped_shapefile_has_its_sidecars_and_no_folder(tmp_path: Path) -> None:
    path = exported(tmp_path, "shp.zip")
    with zipfile.ZipFile(path) as archive:
        members = sorted(archive.namelist())
        cpg = archive.read(f"{NAME}.cpg").decode()
        prj = archive.read(f"{NAME}.prj").decode()
    assert members == sorted(f"{NAME}.{ext}" for ext in ("cpg", "dbf", "prj", "shp", "shx"))
    assert cpg.strip() == "UTF-8" and "WGS" in prj


def test_issue14_shapefile_fields_are_shortened_as_documented(tmp_path: Path) -> None:
    found = read(exported(tmp_path, "shp.zip"))
    fields = [*found.columns.drop("geometry")]
    assert fields == [
        "code", "name", "level", "parent_cd", "households", "hh_source", "area_m2"
    ]  # fmt: skip
    assert all(len(field) <= 10 for field in fields)
    assert found["hh_source"].iloc[0] == "registry + area share"
    assert found["parent_cd"].iloc[0] == "110108010019" and found["households"].iloc[0] == 392
    assert same_shapes(found.geometry.map(_multi), TABLE.geometry)


def _multi(geometry: shapely.Geometry) -> shapely.Geometry:
    return MultiPolygon([geometry]) if geometry.geom_type == "Polygon" else geometry


def test_issue14_a_gbk_shapefile_encodes_its_attributes_in_gbk(tmp_path: Path) -> None:
    path = exported(tmp_path, "shp.zip", encoding="gbk")
    with zipfile.ZipFile(path) as archive:
        assert archive.read(f"{NAME}.cpg").decode().strip() == "GBK"
        dbf = archive.read(f"{NAME}.dbf")
    assert "第01网格".encode("gbk") in dbf and "第01网格".encode() not in dbf
    assert read(path, encoding="GBK")["name"].tolist() == ["第01网格", "第02网格"]
    assert read(path)["name"].tolist() == ["第01网格", "第02网格"]  # GDAL follows the .cpg


def test_issue14_what_gbk_cannot_encode_is_refused_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    table = TABLE.assign(name=["第01网格", "第02网格😀"])
    with pytest.raises(InvalidInput, match=f"encoding: field name of area {EAST}"):
        export_areas(table, "shp.zip", name=NAME, encoding="gbk")
    assert list(tmp_path.iterdir()) == []  # the temporary folder went with the error
    assert export_areas(table, "shp.zip", name=NAME).startswith(b"PK")  # utf-8 holds it


def test_issue14_kml_placemarks_are_named_after_the_areas(tmp_path: Path) -> None:
    path = exported(tmp_path, "kml")
    text = path.read_text(encoding="utf-8")
    assert "<name>第01网格</name>" in text and "<name>第02网格</name>" in text
    found = read(path)
    assert found["Name"].tolist() == ["第01网格", "第02网格"]
    assert found["code"].tolist() == [WEST, EAST]
    assert same_shapes(found.geometry.map(_multi), TABLE.geometry)


@pytest.mark.parametrize("file_format", list(EXPORT_FORMATS))
def test_issue14_every_export_reads_back_as_the_same_areas(
    tmp_path: Path, file_format: str
) -> None:
    found = read_boundaries(exported(tmp_path, file_format), level=Level.GRID).areas
    assert found["code"].tolist() == [WEST, EAST]
    assert found["name"].tolist() == ["第01网格", "第02网格"]
    assert same_shapes(found.geometry, TABLE.geometry)
    # what an export derives (level, parent, source, area; KML's placemark fields) is no attribute
    assert found["attributes"].tolist() == [{}, {}]


@pytest.mark.parametrize("file_format", list(EXPORT_FORMATS))
def test_issue14_a_plan_without_areas_is_an_empty_file(tmp_path: Path, file_format: str) -> None:
    empty = export_table(AREAS.iloc[:0], level="grid", parent_code="110108010019")
    content = export_areas(empty, file_format, name=NAME)
    path = tmp_path / f"{NAME}{SUFFIX[file_format]}"
    path.write_bytes(content)
    source = f"/vsizip/{path}" if file_format == "shp.zip" else path
    assert pyogrio.read_info(source, force_feature_count=True)["features"] == 0


@pytest.mark.parametrize(
    ("file_format", "encoding", "fragment"),
    [
        ("xlsx", "utf-8", "format: 'xlsx' is not one of .gpkg, .geojson, .shp.zip, .kml, .csv"),
        ("gpkg", "gbk", "encoding: only shp.zip and csv have a choice"),
        ("shp.zip", "latin-1", "encoding: 'latin-1' is not one of utf-8, gbk"),
    ],
)
def test_issue14_an_unknown_format_or_encoding_is_refused(
    file_format: str, encoding: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(fragment)):
        export_areas(TABLE, file_format, name=NAME, encoding=encoding)
