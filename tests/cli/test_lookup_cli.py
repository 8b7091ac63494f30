"""``gridmap lookup`` and ``gridmap assign`` against the real test store."""

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from gis.crs import wgs84_to_gcj02
from gis.settings import StoreSettings
from tests import geoms

runner = CliRunner()


def gridmap(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def loaded(cli_env: StoreSettings, empty_store: Engine, tmp_path: Path) -> Engine:
    files = geoms.hierarchy_files(tmp_path)
    for level in ("district", "subdistrict", "community", "grid"):
        result = gridmap("load", files[level], "--level", level, "--commit")
        assert result.exit_code == 0, result.output
    return empty_store


def test_lookup_prints_every_level(loaded: Engine) -> None:
    result = gridmap("lookup", "116.345", "40.0")
    assert result.exit_code == 0, result.output
    assert "grid        110108010019001  第01网格" in result.output
    assert "community   110108010019  中国农业大学东校区社区居委会" in result.output
    assert "subdistrict 110108010  学院路街道" in result.output
    assert "district    110108  海淀区" in result.output


def test_lookup_json_with_gcj02(loaded: Engine) -> None:
    lon, lat = (float(v) for v in wgs84_to_gcj02(116.345, 40.0))
    result = gridmap("lookup", lon, lat, "--crs", "gcj02", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["grid"]["code"] == "110108010019001" and body["input"]["crs"] == "gcj02"
    assert body["wgs84"]["lon"] == pytest.approx(116.345, abs=1e-7)


def test_item23_lookup_on_a_shared_edge_names_the_neighbours(loaded: Engine) -> None:
    result = gridmap("lookup", "116.35", "40.0")
    assert result.exit_code == 0, result.output
    assert "grid        110108010019001" in result.output
    assert "on the boundary with 110108010019002: the lowest code" in result.output
    body = json.loads(gridmap("lookup", "116.35", "40.0", "--json").output)
    assert body["neighbours"] == ["110108010019002"]


def test_lookup_outside_names_the_nearest_grid(loaded: Engine) -> None:
    result = gridmap("lookup", "116.3395", "40.0")
    assert result.exit_code == 0
    assert "outside every grid; nearest grid 110108010019001 第01网格 at 42." in result.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["40", "116.3"], "lon and lat look swapped [CRSError]"),
        (["east", "40"], "lon: 'east' is not a number [InvalidInput]"),
        (["116.3", "40", "--crs", "gauss"], "unknown CRS 'gauss'; accepted: wgs84"),
        (
            ["116.3", "40", "--as-of", "2000-01-01"],
            "--as-of: 2000-01-01T00:00:00+08:00 is before any boundary",  # Beijing time
        ),
        (["116.3", "40", "--as-of", "soon"], "--as-of: 'soon' is not an ISO 8601"),
    ],
)
def test_lookup_bad_input(loaded: Engine, args: list[str], fragment: str) -> None:
    result = gridmap("lookup", *args)
    assert result.exit_code == 1
    assert fragment in result.output


def test_assign_keeps_columns_and_reports_bad_rows(loaded: Engine, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "name,x,y,note\na,116.345,40.0,一\nb,abc,40.0,二\nc,116.355,40.0,三\n", encoding="utf-8"
    )
    target = tmp_path / "out.csv"
    result = gridmap("assign", source, "--out", target, "--lon-field", "x", "--lat-field", "y")
    assert result.exit_code == 0, result.output
    assert "3 rows, 2 in a grid, 1 with errors" in result.output
    with target.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:5] == ["name", "x", "y", "note", "wgs84_lon"]
    assert [(r["name"], r["note"], r["grid_code"]) for r in rows] == [
        ("a", "一", "110108010019001"),
        ("b", "二", ""),
        ("c", "三", "110108010019002"),
    ]
    assert rows[1]["error"] == "x: 'abc' is not a number"
    assert rows[2]["community_name"] == "中国农业大学东校区社区居委会"


def test_assign_streams_in_chunks(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gis.pointfiles

    original = gis.pointfiles.CsvPoints.chunks
    monkeypatch.setattr(gis.pointfiles.CsvPoints, "chunks", lambda self, size=0: original(self, 2))
    source = tmp_path / "in.csv"
    source.write_text("lon,lat\n" + "116.345,40.0\n116.355,40.0\n" * 3, encoding="utf-8")
    target = tmp_path / "out.csv"
    assert gridmap("assign", source, "--out", target).exit_code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 7 and lines[0].startswith("lon,lat,wgs84_lon")
    assert [line.split(",")[4][-3:] for line in lines[1:]] == ["001", "002"] * 3


def test_assign_needs_the_columns(loaded: Engine, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    result = gridmap("assign", source, "--out", tmp_path / "out.csv")
    assert result.exit_code == 1
    assert result.output == (
        "error: --lon-field: no longitude column in the header a, b; tried lon, lng, long, "
        "longitude, 经度, 东经, x; name it with --lon-field [InvalidInput]\n"
    )
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("command", [["lookup"], ["assign"]])
def test_help(command: list[str]) -> None:
    result = gridmap(*command, "--help")
    assert result.exit_code == 0 and "Usage: gridmap" in result.output


# --- issue 15: tables as people have them

GBK_TABLE = (
    "编号,经度,纬度,备注\nA1,116.345,40.0,东门 北侧\nA2,116.355,40.0,西门（旧）\nA3,abc,40.0,\n"
)


def test_issue15_assign_a_gbk_csv_keeps_its_chinese_columns_and_encoding(
    loaded: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "台账.csv"
    source.write_bytes(GBK_TABLE.encode("gbk"))
    target = tmp_path / "结果.csv"
    result = gridmap("assign", source, "--out", target)
    assert result.exit_code == 0, result.output
    assert "3 rows, 2 in a grid, 1 with errors" in result.output
    with pytest.raises(UnicodeDecodeError):
        target.read_bytes().decode("utf-8")
    with target.open(encoding="gbk", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:5] == ["编号", "经度", "纬度", "备注", "wgs84_lon"]
    assert [(r["编号"], r["备注"], r["grid_code"], r["grid_name"]) for r in rows] == [
        ("A1", "东门 北侧", "110108010019001", "第01网格"),
        ("A2", "西门（旧）", "110108010019002", "第02网格"),
        ("A3", "", "", ""),
    ]
    assert rows[2]["error"] == "经度: 'abc' is not a number"
    assert not list(tmp_path.glob(".*.part"))


def test_issue15_assign_out_encoding_and_named_columns(loaded: Engine, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("名称,E,N\n东门,116.345,40.0\n".encode("gbk"))
    target = tmp_path / "out.csv"
    result = gridmap(
        "assign", source, "--out", target, "--encoding", "gbk",
        "--lon-field", "e", "--lat-field", "N", "--out-encoding", "utf-8-sig",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert (row["名称"], row["grid_code"]) == ("东门", "110108010019001")


def test_issue15_assign_an_xlsx_sheet(loaded: Engine, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["说明"])
    sheet = book.create_sheet("点位")
    sheet.append(["名称", "lng", "lat"])
    sheet.append(["东门", 116.345, 40])
    source = tmp_path / "点位.xlsx"
    book.save(source)
    target = tmp_path / "out.csv"
    result = gridmap("assign", source, "--out", target, "--sheet", "点位")
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    [row] = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert (row["名称"], row["lng"], row["grid_code"]) == ("东门", "116.345", "110108010019001")


@pytest.mark.parametrize(
    ("content", "args", "said"),
    [
        (
            b"lon,lat\n116.3,40\n\xff\xfe\x00\x81\n",
            [],
            "error: in.csv: not utf-8 or gb18030 (gbk, gb2312) text (unreadable at byte 17); "
            "say which with --encoding [UnreadableFile]",
        ),
        (
            GBK_TABLE.encode("gbk"),
            ["--encoding", "latin-1"],
            "error: --encoding: unknown encoding 'latin-1'; use one of utf-8, utf-8-sig, gbk, "
            "gb18030, gb2312 [InvalidInput]",
        ),
        (
            GBK_TABLE.encode("gbk"),
            ["--out-encoding", "big5"],
            "error: --out-encoding: unknown encoding 'big5'; use one of utf-8, utf-8-sig, gbk, "
            "gb18030 [InvalidInput]",
        ),
        (
            GBK_TABLE.encode("gbk"),
            ["--lat-field", "北纬"],
            "error: --lat-field: no column '北纬' in the header 编号, 经度, 纬度, 备注 [InvalidInput]",
        ),
    ],
)
def test_issue15_assign_refuses_bad_input_writing_nothing(
    loaded: Engine, tmp_path: Path, content: bytes, args: list[str], said: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    target = tmp_path / "out.csv"
    result = gridmap("assign", source, "--out", target, *args)
    assert result.exit_code == 1
    assert result.output == said + "\n"
    assert not target.exists() and not list(tmp_path.glob(".*.part"))


def test_issue15_assign_leaves_nothing_when_it_fails_half_way(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gis.pointfiles
    import gis.usecases.lookup

    calls = []
    original = gis.usecases.lookup.answer_chunk

    def failing(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the store went away")
        return original(*args)

    monkeypatch.setattr(gis.usecases.lookup, "answer_chunk", failing)
    original_chunks = gis.pointfiles.CsvPoints.chunks
    monkeypatch.setattr(
        gis.pointfiles.CsvPoints, "chunks", lambda self, size=0: original_chunks(self, 1)
    )
    source = tmp_path / "in.csv"
    source.write_text("lon,lat\n116.345,40\n116.355,40\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    target.write_text("the old answer", encoding="utf-8")
    result = gridmap("assign", source, "--out", target)
    assert result.exit_code != 0 and len(calls) == 2
    assert target.read_text(encoding="utf-8") == "the old answer"
    assert not list(tmp_path.glob(".*.part"))
