"""Files of points: strict about the whole input, lenient (an error per row) about each row."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from gis.errors import InvalidInput, PayloadTooLarge, UnreadableFile
from gis.pointfiles import (
    CsvPoints,
    FeaturePoint,
    feature_collection,
    feature_point,
    feature_rows,
    geojson_chunks,
    point_features,
    read_point_table,
    table_records,
)
from tests.geoms import POINT

LON, LAT = POINT.x, POINT.y


def point_feature(lon: object = LON, lat: object = LAT, **members: Any) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": {}, **members}


def collection(*features: Any) -> bytes:
    return orjson.dumps({"type": "FeatureCollection", "features": list(features)})


def unreadable(call: object, *args: object, **kwargs: object) -> str:
    assert callable(call)
    with pytest.raises(UnreadableFile) as caught:
        call(*args, **kwargs)
    return caught.value.detail


def csv_records(text: str, what: str = "csv") -> tuple[list[str], list[dict[str, Any]]]:
    header, records, _ = table_records(text.encode(), what=what)
    return header, records


def all_chunks(points: CsvPoints, size: int) -> list[tuple[list[list[Any]], Any]]:
    return list(points.chunks(size))


# --- feature_collection


@pytest.mark.parametrize("content", [collection(), collection().decode()])
def test_feature_collection_reads_bytes_or_text(content: bytes | str) -> None:
    assert feature_collection(content) == []


def test_feature_collection_returns_the_features_as_given() -> None:
    feature = point_feature(id=7)
    assert feature_collection(collection(feature, "odd")) == [feature, "odd"]


@pytest.mark.parametrize("content", [b"", b"not json", b"{'type': 1}", "{"])
def test_not_json_is_unreadable_naming_what(content: bytes | str) -> None:
    assert unreadable(feature_collection, content, "upload.geojson").startswith(
        "upload.geojson: not valid JSON: "
    )


@pytest.mark.parametrize(
    ("content", "got"),
    [
        ('{"type": "Feature"}', "'Feature'"),
        ('{"features": []}', "None"),
        ("[1, 2]", "'list'"),
        ('"FeatureCollection"', "'str'"),
        ("null", "'NoneType'"),
    ],
)
def test_not_a_feature_collection_is_unreadable(content: str, got: str) -> None:
    expected = f"points: expected a FeatureCollection of Points, got {got}"
    assert unreadable(feature_collection, content, "points") == expected


@pytest.mark.parametrize("features", ['{"a": 1}', "null", '"abc"', "1"])
def test_features_must_be_a_list(features: str) -> None:
    content = f'{{"type": "FeatureCollection", "features": {features}}}'
    assert unreadable(feature_collection, content, "points") == "points: 'features' must be a list"


def test_missing_features_member_is_unreadable() -> None:
    content = '{"type": "FeatureCollection"}'
    assert unreadable(feature_collection, content) == "geojson: 'features' must be a list"


# --- feature_point


def test_point_feature_is_read() -> None:
    feature = point_feature(id="a1", properties={"kind": "x"})
    assert feature_point(feature) == FeaturePoint("a1", LON, LAT, {"kind": "x"}, "")


def test_id_comes_from_the_feature_first() -> None:
    assert feature_point(point_feature(id=1, properties={"id": 2})).id == 1


def test_id_falls_back_to_the_properties() -> None:
    assert feature_point(point_feature(properties={"id": "p7"})).id == "p7"


def test_feature_without_any_id_has_none() -> None:
    assert feature_point(point_feature()).id is None


def test_null_feature_id_falls_back_to_the_properties() -> None:
    assert feature_point(point_feature(id=None, properties={"id": "p7"})).id == "p7"


def test_properties_are_copied() -> None:
    properties = {"a": 1}
    point = feature_point(point_feature(properties=properties))
    point.properties["b"] = 2
    assert properties == {"a": 1}


@pytest.mark.parametrize("properties", [None, [1, 2], "text"])
def test_properties_that_are_no_object_read_as_empty(properties: object) -> None:
    assert feature_point(point_feature(properties=properties)).properties == {}


@pytest.mark.parametrize(
    "feature", [None, [1, 2], "Feature", {"type": "Point", "coordinates": [1, 2]}, {}]
)
def test_non_feature_is_a_row_error(feature: object) -> None:
    expected = FeaturePoint(None, None, None, {}, "feature: not a GeoJSON Feature")
    assert feature_point(feature) == expected


@pytest.mark.parametrize("kind", ["LineString", "Polygon", "MultiPoint", None])
def test_non_point_geometry_is_a_row_error(kind: str | None) -> None:
    feature = {"type": "Feature", "id": 3, "geometry": {"type": kind, "coordinates": []}}
    point = feature_point(feature)
    assert (point.id, point.lon, point.lat) == (3, None, None)
    assert point.error == f"geometry: a Point is needed, got {kind!r}"


@pytest.mark.parametrize("geometry", [None, "POINT (1 2)", [LON, LAT]])
def test_missing_geometry_is_a_row_error_when_required(geometry: object) -> None:
    feature = {"type": "Feature", "id": 4, "geometry": geometry, "properties": {"a": 1}}
    assert feature_point(feature) == FeaturePoint(4, None, None, {"a": 1}, "geometry: missing")


@pytest.mark.parametrize("geometry", [None, "POINT (1 2)"])
def test_missing_geometry_is_no_error_when_not_required(geometry: object) -> None:
    feature = {"type": "Feature", "id": 4, "geometry": geometry, "properties": {"a": 1}}
    point = feature_point(feature, geometry_required=False)
    assert point == FeaturePoint(4, None, None, {"a": 1}, "")


def test_feature_without_a_geometry_member_is_missing_its_geometry() -> None:
    assert feature_point({"type": "Feature"}).error == "geometry: missing"


@pytest.mark.parametrize("coordinates", [None, [], [LON], "116.3,40.0", {"lon": LON}])
def test_bad_coordinates_are_a_row_error(coordinates: object) -> None:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates}}
    point = feature_point(feature, geometry_required=False)
    assert (point.lon, point.lat) == (None, None)
    assert point.error == "geometry.coordinates: expected [lon, lat]"


def test_coordinates_beyond_lon_lat_are_ignored() -> None:
    geometry = {"type": "Point", "coordinates": [1, 2, 3]}
    point = feature_point({"type": "Feature", "geometry": geometry})
    assert (point.lon, point.lat, point.error) == (1, 2, "")


def test_coordinates_are_given_as_they_are() -> None:
    point = feature_point(point_feature("116.3", None))
    assert (point.lon, point.lat, point.error) == ("116.3", None, "")


@pytest.mark.parametrize(
    ("lon", "lat", "read"),
    [(True, LAT, (None, LAT)), (LON, False, (LON, None)), (True, True, (None, None))],
)
def test_boolean_coordinates_read_as_missing(lon: object, lat: object, read: tuple) -> None:
    point = feature_point(point_feature(lon, lat))
    assert ((point.lon, point.lat), point.error) == (read, "")


# --- csv_records


def test_csv_records_are_dicts_by_header() -> None:
    header, records = csv_records("id,lon,lat\na,116.3,40\nb,116.4,39.9\n")
    assert header == ["id", "lon", "lat"]
    assert records == [
        {"id": "a", "lon": "116.3", "lat": "40"},
        {"id": "b", "lon": "116.4", "lat": "39.9"},
    ]


def test_csv_byte_order_mark_is_stripped() -> None:
    header, records = csv_records("\ufeffcategory,address\nhazard,学院路\n")
    assert header == ["category", "address"]
    assert records == [{"category": "hazard", "address": "学院路"}]


def test_csv_header_names_are_stripped() -> None:
    header, _ = csv_records(" category , lon\n", "incidents.csv")
    assert header == ["category", "lon"]


def test_csv_records_are_keyed_by_the_header_names() -> None:
    header, records = csv_records("category, lon, lat\nhazard,116.3,40\n")
    assert list(records[0]) == header


def test_csv_with_only_a_header_has_no_records() -> None:
    assert csv_records("a,b\n") == (["a", "b"], [])


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n"])
def test_empty_csv_is_unreadable_naming_what(text: str) -> None:
    assert unreadable(csv_records, text, "stations") == "stations: empty; expected a header line"


# --- CsvPoints


def test_csv_columns_are_found_ignoring_case() -> None:
    points = CsvPoints(io.StringIO("ID,Lon,LAT\n"))
    assert (points.lon_index, points.lat_index) == (1, 2)


def test_csv_named_columns_are_found_ignoring_case() -> None:
    points = CsvPoints(io.StringIO("经度,纬度,X,y\n"), lon_field="x", lat_field="Y")
    assert (points.lon_index, points.lat_index) == (2, 3)


def test_csv_header_is_stripped_of_spaces_and_byte_order_mark() -> None:
    points = CsvPoints(io.StringIO("\ufeffid , lon,lat \n"))
    assert points.header == ["id", "lon", "lat"]


def test_chunk_names_the_columns_as_written() -> None:
    ((_, chunk),) = CsvPoints(io.StringIO("ID,Lon,LAT\na,1,2\n")).chunks()
    assert chunk.fields == ("Lon", "LAT")


def test_chunk_holds_the_coordinates_as_given() -> None:
    ((rows, chunk),) = CsvPoints(io.StringIO("lat,id,lon\n40,a,116.3\n")).chunks()
    assert rows == [["40", "a", "116.3"]]
    assert (chunk.lon.tolist(), chunk.lat.tolist(), chunk.errors.tolist()) == (
        ["116.3"],
        ["40"],
        [""],
    )


@pytest.mark.parametrize(
    ("line", "row", "error"),
    [
        ("a,1", ["a", "1", "", ""], "fields: expected 4, got 2"),
        ("a,1,2,x,extra,more", ["a", "1", "2", "x"], "fields: expected 4, got 6"),
        ("a,1,2,x", ["a", "1", "2", "x"], ""),
    ],
)
def test_rows_are_padded_or_cut_to_the_header_with_an_error(
    line: str, row: list[str], error: str
) -> None:
    ((rows, chunk),) = CsvPoints(io.StringIO(f"id,lon,lat,note\n{line}\n")).chunks()
    assert (rows, chunk.errors.tolist()) == ([row], [error])


def test_blank_lines_are_skipped() -> None:
    points = CsvPoints(io.StringIO("id,lon,lat\n\na,1,2\n\n\nb,3,4\n\n"))
    ((rows, chunk),) = points.chunks()
    assert rows == [["a", "1", "2"], ["b", "3", "4"]]
    assert chunk.errors.tolist() == ["", ""]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8])
def test_chunks_keep_the_order_of_the_rows(size: int) -> None:
    lines = "".join(f"{i},{i}.5,{i}.25\n" for i in range(7))
    chunks = all_chunks(CsvPoints(io.StringIO(f"id,lon,lat\n{lines}")), size)
    assert [row[0] for rows, _ in chunks for row in rows] == [str(i) for i in range(7)]
    assert [v for _, chunk in chunks for v in chunk.lon] == [f"{i}.5" for i in range(7)]


@pytest.mark.parametrize(("size", "sizes"), [(1, [1] * 5), (2, [2, 2, 1]), (5, [5]), (9, [5])])
def test_chunks_hold_at_most_size_rows(size: int, sizes: list[int]) -> None:
    lines = "".join(f"{i},1,2\n" for i in range(5))
    chunks = all_chunks(CsvPoints(io.StringIO(f"id,lon,lat\n{lines}")), size)
    assert [len(rows) for rows, _ in chunks] == sizes
    assert [len(chunk.errors) for _, chunk in chunks] == sizes


def test_row_errors_stay_with_their_chunk() -> None:
    chunks = all_chunks(CsvPoints(io.StringIO("id,lon,lat\na,1,2\nb,1\nc,1,2\nd\n")), 2)
    assert [chunk.errors.tolist() for _, chunk in chunks] == [
        ["", "fields: expected 3, got 2"],
        ["", "fields: expected 3, got 1"],
    ]


def test_header_only_csv_has_no_chunks() -> None:
    assert list(CsvPoints(io.StringIO("id,lon,lat\n")).chunks()) == []


@pytest.mark.parametrize("text", ["", "\n", ",,\n", " , \n1,2\n"])
def test_csv_without_a_header_is_unreadable(text: str) -> None:
    expected = "csv: empty; expected a header lon,lat[,id]"
    assert unreadable(CsvPoints, io.StringIO(text)) == expected


@pytest.mark.parametrize(
    ("header", "missing"), [("id,x,lat", "lon"), ("id,lon,height", "lat"), ("lon", "lat")]
)
def test_missing_coordinate_column_names_the_field_and_the_names_tried(
    header: str, missing: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        CsvPoints(io.StringIO(f"{header}\n1,2,3\n"))
    shown = header.replace(",", ", ")
    assert caught.value.detail.startswith(f"{missing}_field: no ")
    assert f"column in the header {shown}; tried {missing}, " in caught.value.detail
    assert caught.value.detail.endswith(f"; name it with {missing}_field")


# --- geojson_chunks


def numbered(count: int) -> list[dict[str, Any]]:
    return [point_feature(LON + i, LAT, id=i) for i in range(count)]


@pytest.mark.parametrize(("size", "sizes"), [(1, [1] * 5), (2, [2, 2, 1]), (5, [5]), (9, [5])])
def test_geojson_chunks_hold_at_most_size_features(size: int, sizes: list[int]) -> None:
    assert [len(rows) for rows, _ in geojson_chunks(numbered(5), size)] == sizes


def test_geojson_chunks_keep_the_order_as_id_lon_lat_rows() -> None:
    rows = [row for rows, _ in geojson_chunks(numbered(5), 2) for row in rows]
    assert rows == [[i, LON + i, LAT] for i in range(5)]


def test_geojson_chunk_carries_coordinates_and_row_errors() -> None:
    features = [point_feature(id="a"), {"type": "Feature", "id": "b", "geometry": None}, 1]
    ((rows, chunk),) = geojson_chunks(features, 10)
    assert rows == [["a", LON, LAT], ["b", None, None], [None, None, None]]
    assert chunk.lon.tolist() == [LON, None, None]
    assert chunk.lat.tolist() == [LAT, None, None]
    assert chunk.errors.tolist() == ["", "geometry: missing", "feature: not a GeoJSON Feature"]
    assert chunk.fields == ("lon", "lat")


def test_no_features_make_no_chunks() -> None:
    assert list(geojson_chunks([])) == []


# --- read_point_table


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_csv_table_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "incidents.csv", "category,lon,lat\nhazard,116.3,40\n")
    assert read_point_table(path)[:2] == (
        ["category", "lon", "lat"],
        [{"category": "hazard", "lon": "116.3", "lat": "40"}],
    )


def test_csv_table_loses_its_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path / "incidents.csv", "\ufeffcategory,address\nhazard,学院路\n")
    header, records, _ = read_point_table(path)
    assert header == ["category", "address"]
    assert list(records[0]) == ["category", "address"]


@pytest.mark.parametrize("name", ["points.geojson", "points.json", "POINTS.GeoJSON"])
def test_geojson_rows_get_id_lon_lat(tmp_path: Path, name: str) -> None:
    feature = point_feature(id="f1", properties={"category": "hazard"})
    header, records, _ = read_point_table(write(tmp_path / name, collection(feature)))
    assert header == ["id", "lon", "lat", "category"]
    assert records == [{"category": "hazard", "id": "f1", "lon": LON, "lat": LAT}]


def test_geojson_header_is_the_union_of_properties_in_order(tmp_path: Path) -> None:
    features = [
        point_feature(properties={"b": 1, "a": 2}),
        point_feature(properties={"c": 3, "a": 4}),
    ]
    header, _, _ = read_point_table(write(tmp_path / "p.geojson", collection(*features)))
    assert header == ["id", "lon", "lat", "b", "a", "c"]


def test_geojson_row_id_comes_from_its_properties(tmp_path: Path) -> None:
    feature = point_feature(properties={"id": "p2"})
    _, (record,), _ = read_point_table(write(tmp_path / "p.geojson", collection(feature)))
    assert record["id"] == "p2"


def test_geojson_point_wins_over_lon_lat_properties(tmp_path: Path) -> None:
    feature = point_feature(properties={"lon": 1.0, "lat": 2.0})
    _, (record,), _ = read_point_table(write(tmp_path / "p.geojson", collection(feature)))
    assert (record["lon"], record["lat"]) == (LON, LAT)


@pytest.mark.parametrize(
    ("feature", "error"),
    [
        (
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}},
            "geometry: a Point is needed, got 'Polygon'",
        ),
        ({"type": "Point", "coordinates": [LON, LAT]}, "feature: not a GeoJSON Feature"),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [LON]}},
            "geometry.coordinates: expected [lon, lat]",
        ),
    ],
)
def test_geojson_row_that_is_not_a_point_carries_the_reason(
    tmp_path: Path, feature: dict[str, Any], error: str
) -> None:
    header, (record,), _ = read_point_table(write(tmp_path / "p.geojson", collection(feature)))
    assert record["_error"] == error
    assert (record["lon"], record["lat"]) == (None, None)
    assert "_error" not in header


def test_geojson_row_without_geometry_is_no_error(tmp_path: Path) -> None:
    feature = {"type": "Feature", "geometry": None, "properties": {"address": "学院路"}}
    _, (record,), _ = read_point_table(write(tmp_path / "p.geojson", collection(feature)))
    assert record == {"address": "学院路", "id": None, "lon": None, "lat": None}


def test_geojson_that_is_no_feature_collection_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "p.geojson", '{"type": "Feature"}')
    assert unreadable(read_point_table, path).startswith("p.geojson: expected a FeatureCollection")


def test_geojson_that_is_not_json_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", "id,lon,lat\n")
    assert unreadable(read_point_table, path).startswith("p.json: not valid JSON")


@pytest.mark.parametrize("name", ["points.txt", "points.shp", "points", "points.csv.gz"])
def test_unknown_suffix_is_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "id,lon,lat\n")
    assert unreadable(read_point_table, path) == f"{name}: expected .csv, .xlsx or .geojson"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gone.csv"
    assert unreadable(read_point_table, path) == f"{path}: no such file"


def test_folder_is_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "points.csv"
    folder.mkdir()
    assert unreadable(read_point_table, folder) == f"{folder}: no such file"


def test_issue15_csv_in_gbk_is_read_with_its_chinese_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "gbk.csv", "类别,经度,纬度\n隐患,116.3,40\n".encode("gbk"))
    assert read_point_table(path) == (
        ["类别", "经度", "纬度"],
        [{"类别": "隐患", "经度": "116.3", "纬度": "40"}],
        "gb18030",
    )


def test_issue15_csv_in_no_known_encoding_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", b"category,lon,lat\nhazard,116.3,40\n\xff\xfe\x00\x81")
    assert unreadable(read_point_table, path) == (
        "odd.csv: not utf-8 or gb18030 (gbk, gb2312) text (unreadable at byte 33); "
        "say which with encoding"
    )


def test_empty_csv_file_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.csv", "")
    assert unreadable(read_point_table, path) == "empty.csv: empty; expected a header line"


# --- issue 11, item 8: a field over the csv module's limit is one row's error


def test_item8_a_field_over_the_csv_limit_is_an_error_of_its_row_alone() -> None:
    huge = "x" * (200 * 1024)
    text = f"id,lon,lat\na,1,2\n{huge},3,4\nc,5,6\n"
    ((rows, chunk),) = CsvPoints(io.StringIO(text)).chunks()
    assert rows == [["a", "1", "2"], ["", "", ""], ["c", "5", "6"]]
    assert chunk.errors.tolist() == ["", "row: a field is longer than 131,072 characters", ""]
    assert chunk.lon.tolist() == ["1", "", "5"]


# --- issue 11, item 5: a GeoJSON batch read feature by feature, kept compact


def collection_bytes(features: list[Any]) -> io.BytesIO:
    return io.BytesIO(orjson.dumps({"type": "FeatureCollection", "features": features}))


def test_item5_point_features_keep_id_lon_lat_and_errors_in_chunks() -> None:
    features = [*numbered(3), {"type": "Feature", "id": "x", "geometry": None}]
    chunks = point_features(collection_bytes(features), max_rows=10, size=3)
    assert [len(chunk.lon) for chunk in chunks] == [3, 1]
    rows = [row for chunk in chunks for row in feature_rows(chunk)]
    assert rows == [(0, LON, LAT), (1, LON + 1, LAT), (2, LON + 2, LAT), ("x", None, None)]
    assert [e for chunk in chunks for e in chunk.errors] == ["", "", "", "geometry: missing"]


def test_item5_point_features_over_the_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge, match="over the limit of 2 points"):
        point_features(collection_bytes(numbered(3)), max_rows=2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature"}', "not valid JSON"),
        (b"{nope", "not valid JSON"),
        (b'{"type": "Feature"}', "expected a FeatureCollection of Points, got 'Feature'"),
        (b"[1, 2]", "expected a FeatureCollection of Points, got 'list'"),
        (b'{"type": "FeatureCollection", "features": 3}', "'features' must be a list"),
        (b'{"type": "FeatureCollection"}', "'features' must be a list"),
    ],
)
def test_item5_point_features_refuse_a_broken_document_whole(content: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        point_features(io.BytesIO(content), max_rows=10)


def test_item5_point_features_read_an_empty_collection() -> None:
    assert point_features(collection_bytes([]), max_rows=10) == []


def test_item5_point_features_keep_all_float_coordinates_as_floats() -> None:
    features = [*numbered(2), point_feature("116.3", LAT, id="s")]
    [plain, mixed] = point_features(collection_bytes(features), max_rows=10, size=2)
    assert (plain.lon.dtype.name, plain.ids.dtype.name) == ("float64", "int64")  # type: ignore[union-attr]
    assert mixed.lon.tolist() == ["116.3"] and mixed.ids.tolist() == ["s"]  # type: ignore[union-attr]
