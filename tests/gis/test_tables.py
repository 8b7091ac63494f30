"""Tables as people have them (issue 15): UTF-8 or GBK CSVs, .xlsx, coordinate columns by name."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from gis.errors import InvalidInput, UnreadableFile
from gis.tables import (
    BOM,
    TableOptions,
    answer_encoding,
    coordinate_columns,
    decode,
    detect,
    encoded,
    open_table,
    parse_encoding,
    read_table,
    table_kind,
    table_options,
)

TEXT = "经度,纬度,备注\n116.345,40.0,东门 北侧\n116.355,40.0,\n"


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def without_sheets(content: bytes) -> bytes:
    """The workbook with its list of sheets emptied (openpyxl will not save one like it)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            target.writestr(name, data)
    return out.getvalue()


# --- decoding


@pytest.mark.parametrize(
    ("raw", "used"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (BOM + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gb2312"), "gb18030"),
        (b"lon,lat\n116.3,40\n", "utf-8"),
    ],
)
def test_every_usual_encoding_is_found(raw: bytes, used: str) -> None:
    text, found = decode(raw)
    assert found == used
    assert text == (TEXT if "经" in text else "lon,lat\n116.3,40\n")


def test_a_character_only_gb18030_has_is_read() -> None:
    text = "经度,名称\n116.3,𠀀\n"  # U+20000: four bytes in GB18030, none in GBK
    assert decode(text.encode("gb18030")) == (text, "gb18030")


@pytest.mark.parametrize("name", ["utf-8", "UTF8", "utf-8-sig", "gbk", "GBK", "gb18030", "gb2312"])
def test_a_named_encoding_is_used(name: str) -> None:
    codec = "gbk" if name.lower() == "gbk" else name
    raw = TEXT.encode(codec if codec.lower() != "utf8" else "utf-8")
    assert decode(raw, parse_encoding(name))[0] == TEXT


def test_a_named_encoding_that_does_not_read_the_file_is_refused() -> None:
    with pytest.raises(UnreadableFile) as caught:
        decode(TEXT.encode("gbk"), "utf-8", what="body")
    assert caught.value.detail == "body: not utf-8 text (unreadable at byte 0)"


def test_utf8_named_reads_a_bom_too() -> None:
    assert decode(BOM + b"lon", "utf-8") == ("lon", "utf-8-sig")


@pytest.mark.parametrize("name", ["latin-1", "shift_jis", "big5", "klingon"])
def test_other_encodings_are_refused_naming_the_field(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_encoding(name, "--encoding")
    assert caught.value.detail == (
        f"--encoding: unknown encoding {name!r}; use one of utf-8, utf-8-sig, gbk, gb18030, gb2312"
    )


def test_bytes_in_neither_encoding_are_refused_naming_both_and_where() -> None:
    raw = "经度,纬度\n".encode() + b"\xff\xfe\x00\x81" + "116.3,40\n".encode("gbk")
    with pytest.raises(UnreadableFile) as caught:
        decode(raw)
    assert caught.value.detail == (
        "file: not utf-8 or gb18030 (gbk, gb2312) text (unreadable at byte 14); "
        "say which with encoding"
    )


def test_a_stream_is_checked_block_by_block_and_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gis.tables.BLOCK_BYTES", 5)
    raw = ("x" * 3 + "经度" * 10).encode("gbk")  # characters split across blocks
    stream = io.BytesIO(b"??" + raw)
    stream.seek(2)
    assert detect(stream) == "gb18030"
    assert stream.tell() == 2
    bad = io.BytesIO(raw[:9] + b"\xff" + raw[9:])
    with pytest.raises(UnreadableFile, match=r"unreadable at byte 9\)"):
        detect(bad)


# --- answers


@pytest.mark.parametrize(
    ("read_as", "asked", "answer"),
    [
        ("utf-8", None, "utf-8"),
        ("utf-8-sig", None, "utf-8-sig"),
        ("gb18030", None, "gb18030"),
        ("gbk", None, "gb18030"),
        (None, None, "utf-8-sig"),
        ("gb18030", "utf-8", "utf-8"),
        ("utf-8", "gbk", "gbk"),
    ],
)
def test_answers_are_in_the_input_encoding_unless_asked(
    read_as: str | None, asked: str | None, answer: str
) -> None:
    assert answer_encoding(read_as, asked) == answer


def test_an_answer_in_utf8_sig_has_one_bom_and_gbk_replaces_what_it_lacks() -> None:
    pieces = ["经度,grid\n", "116.3,第01网格\n", "116.4,𠀀\n"]
    assert b"".join(encoded(pieces, "utf-8-sig")).count(BOM) == 1
    assert b"".join(encoded(pieces, "gbk")).decode("gbk").endswith("116.4,?\n")
    assert b"".join(encoded(pieces, "gb18030")).decode("gb18030") == "".join(pieces)


# --- reading tables


def test_a_gbk_csv_reads_its_chinese_header_and_blank_lines() -> None:
    rows, used = read_table(TEXT.encode("gbk") + b"\n")
    assert used == "gb18030"
    assert rows == [
        ["经度", "纬度", "备注"],
        ["116.345", "40.0", "东门 北侧"],
        ["116.355", "40.0", ""],
        [],
    ]


def test_a_csv_with_a_bom_loses_it() -> None:
    rows, used = read_table(BOM + TEXT.encode())
    assert used == "utf-8-sig" and rows[0][0] == "经度"


def test_a_path_is_read_and_closed(tmp_path: Path) -> None:
    path = tmp_path / "点位.csv"
    path.write_bytes(TEXT.encode("gbk"))
    with open_table(path) as table:
        assert next(table.rows) == ["经度", "纬度", "备注"]
        handles = list(table._closing)
    assert handles and all(handle.closed for handle in handles)


def test_a_missing_path_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="file: cannot read gone.csv"):
        open_table(tmp_path / "gone.csv")


def test_xlsx_cells_read_as_a_csv_holds_them() -> None:
    content = xlsx(
        (
            "点位",
            [
                ["名称", "经度", "纬度", "电话", "时间", "有效", None],
                ["东门", 116.345, 40, 13900000001, datetime(2026, 1, 5, 8, 0), True],
                [None, None, None, None, None, None],
                ["西门", 116.355, 40.5, None, None, False, None],
            ],
        )
    )
    with open_table(content, kind="xlsx") as table:
        rows = list(table.rows)
        assert table.encoding is None and table.declared_rows == 4
    assert rows == [
        ["名称", "经度", "纬度", "电话", "时间", "有效"],
        ["东门", "116.345", "40", "13900000001", "2026-01-05T08:00:00", "TRUE"],
        [],
        ["西门", "116.355", "40.5", "", "", "FALSE"],
    ]


def test_xlsx_rows_are_as_wide_as_the_header() -> None:
    content = xlsx(("s", [["lon", "lat", "note"], [116.3, 40], [116.4, 40, "x", "extra"]]))
    rows, _ = read_table(content, kind="xlsx")
    assert rows[1:] == [["116.3", "40", ""], ["116.4", "40", "x", "extra"]]


def test_xlsx_sheet_by_name_else_the_first() -> None:
    content = xlsx(("说明", [["readme"]]), ("点位", [["经度", "纬度"], [116.3, 40]]))
    assert read_table(content, kind="xlsx")[0] == [["readme"]]
    named = TableOptions(sheet="点位")
    assert read_table(content, kind="xlsx", options=named)[0] == [["经度", "纬度"], ["116.3", "40"]]
    with pytest.raises(InvalidInput) as caught:
        read_table(content, kind="xlsx", options=TableOptions(sheet="Sheet1"))
    assert caught.value.detail == "sheet: no sheet 'Sheet1' in the workbook; it has 说明, 点位"


def test_a_workbook_without_a_sheet_is_refused() -> None:
    content = without_sheets(xlsx(("s", [["lon", "lat"]])))
    with pytest.raises(UnreadableFile) as caught:
        open_table(content, kind="xlsx")
    assert caught.value.detail == "file: the workbook has no sheet"


@pytest.mark.parametrize("content", [b"", b"lon,lat\n", b"PK\x03\x04broken", b"\x00" * 64])
def test_what_is_no_workbook_is_refused(content: bytes) -> None:
    with pytest.raises(UnreadableFile, match=r"^body: not a readable \.xlsx workbook: "):
        open_table(content, kind="xlsx", what="body")


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [
        ("a.xlsx", b"", "xlsx"),
        ("A.XLSX", b"", "xlsx"),
        ("a.csv", b"PK\x03\x04", "csv"),
        (None, b"PK\x03\x04", "xlsx"),
        (None, b"lon,lat", "csv"),
        ("a.txt", b"", "csv"),
    ],
)
def test_table_kind(name: str | None, head: bytes, kind: str) -> None:
    assert table_kind(name, head) == kind


def test_an_old_excel_file_is_refused_with_what_to_do() -> None:
    with pytest.raises(UnreadableFile, match="save it as .xlsx or CSV"):
        table_kind("台账.xls")


# --- coordinate columns


@pytest.mark.parametrize(
    ("header", "found"),
    [
        (["id", "lon", "lat"], (1, 2)),
        (["id", "LNG", "Lat"], (1, 2)),
        (["Longitude", "Latitude"], (0, 1)),
        (["long", "lat"], (0, 1)),
        (["名称", "经度", "纬度", "备注"], (1, 2)),
        ([" 经度 ", "\ufeff纬度"], (0, 1)),
        (["东经", "北纬"], (0, 1)),
        (["x", "y"], (0, 1)),
        (["X", "Y", "经度", "纬度"], (2, 3)),
        (["lat", "lon"], (1, 0)),
    ],
)
def test_coordinate_columns_by_their_usual_names(header: list[str], found: tuple) -> None:
    assert coordinate_columns(header) == found


@pytest.mark.parametrize(
    ("header", "missing"),
    [(["id", "x", "lat"], "lon"), (["经度", "y"], "lat"), (["名称", "地址"], "lon")],
)
def test_x_or_y_alone_is_no_coordinate_and_the_error_says_what_was_tried(
    header: list[str], missing: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        coordinate_columns(header)
    what = "longitude" if missing == "lon" else "latitude"
    tried = (
        "lon, lng, long, longitude, 经度, 东经, x"
        if missing == "lon"
        else "lat, latitude, 纬度, 北纬, y"
    )
    assert caught.value.detail == (
        f"{missing}_field: no {what} column in the header {', '.join(header)}; "
        f"tried {tried}; name it with {missing}_field"
    )


def test_named_columns_win_over_the_usual_names() -> None:
    header = ["lon", "lat", "GCJ经度", "GCJ纬度"]
    assert coordinate_columns(header, "gcj经度", " GCJ纬度 ") == (2, 3)
    assert coordinate_columns(header, options=TableOptions(lon_field="GCJ经度")) == (2, 1)


def test_a_named_column_not_there_is_refused_naming_the_option() -> None:
    with pytest.raises(InvalidInput) as caught:
        coordinate_columns(["经度", "纬度"], options=table_options(lat_field="北", cli=True))
    assert caught.value.detail == "--lat-field: no column '北' in the header 经度, 纬度"


def test_a_long_header_is_cut_in_the_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        coordinate_columns([f"column{i}" for i in range(100)])
    assert "column0, column1" in caught.value.detail and "column99" not in caught.value.detail


def test_options_are_checked_once_and_blank_is_not_given() -> None:
    assert table_options(encoding=" ", sheet="", lon_field=" ") == TableOptions()
    with pytest.raises(InvalidInput, match="^encoding: unknown encoding 'ascii'"):
        table_options(encoding="ascii")
