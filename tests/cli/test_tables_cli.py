"""Issue 15: every import reads tables as people have them — GBK CSVs, .xlsx, 经度/纬度 columns."""

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

import api.cli.roster
import api.cli.stations  # noqa: F401
from api.cli import app
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.gis.test_tables import xlsx

runner = CliRunner()
LON, LAT = 116.3553, 40.0073  # inside grid 110108010018002
INCIDENTS = (
    "编号,category,description,经度,纬度,备注,上报人单位\n"
    f"A1,hazard,电线裸露,{LON},{LAT},东门 北侧,社区居委会\n"
    f"A2,hazard,井盖缺失,{LON + 1e-4},{LAT},,\n"
    f"A3,hazard,路灯不亮,东经,{LAT},西门（旧）,\n"
)


def gridmap(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def sample(cli_env: StoreSettings, empty_store: Engine, rt: Runtime) -> Engine:
    with empty_store.begin() as conn:
        conn.execute(text("TRUNCATE stations, addresses RESTART IDENTITY CASCADE"))
    load_sample(rt)
    return empty_store


def rows(store: Engine, query: str) -> list[tuple]:
    with store.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query))]


def workbook(path: Path, *sheets: tuple[str, list[list[object]]]) -> Path:
    path.write_bytes(xlsx(*sheets))
    return path


# --- incidents


def test_issue15_incidents_import_a_gbk_csv_with_chinese_columns(
    sample: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "台账.csv"
    file.write_bytes(INCIDENTS.encode("gbk"))
    result = gridmap("incidents", "import", file)
    assert result.exit_code == 0, result.output
    assert "3 rows: 2 added, 0 already imported, 1 rejected" in result.output
    stored = rows(
        sample, "SELECT description, grid_code, attributes FROM incidents ORDER BY description"
    )
    assert stored == [
        ("井盖缺失", "110108010018002", {"编号": "A2"}),
        (
            "电线裸露",
            "110108010018002",
            {"编号": "A1", "备注": "东门 北侧", "上报人单位": "社区居委会"},
        ),
    ]
    rejects = tmp_path / "台账.rejects.csv"
    with pytest.raises(UnicodeDecodeError):
        rejects.read_bytes().decode("utf-8")  # in the input's encoding: Excel opens it
    [refused] = list(csv.DictReader(rejects.open(encoding="gbk", newline="")))
    assert (refused["编号"], refused["经度"], refused["备注"]) == ("A3", "东经", "西门（旧）")
    assert refused["error"] == "lon: '东经' is not a number"


def test_issue15_incidents_import_an_xlsx_sheet_with_named_columns(
    sample: Engine, tmp_path: Path
) -> None:
    file = workbook(
        tmp_path / "事件.xlsx",
        ("说明", [["本表由社区填报"]]),
        (
            "事件",
            [
                ["category", "description", "GCJ经度", "GCJ纬度", "lon", "lat"],
                ["hazard", "电线裸露", LON, LAT, 0, 0],
            ],
        ),
    )
    args = ["--sheet", "事件", "--lon-field", "gcj经度", "--lat-field", "GCJ纬度"]
    result = gridmap("incidents", "import", file, *args)
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    [(grid, attributes)] = rows(sample, "SELECT grid_code, attributes FROM incidents")
    assert grid == "110108010018002" and attributes == {"lon": "0", "lat": "0"}


@pytest.mark.parametrize(
    ("content", "args", "said"),
    [
        (
            INCIDENTS.encode("gbk"),
            ["--lon-field", "x"],
            "error: --lon-field: no column 'x' in the header 编号, category, description, 经度, "
            "纬度, 备注, 上报人单位 [InvalidInput]",
        ),
        (
            INCIDENTS.encode("gbk"),
            ["--encoding", "utf-8"],
            "error: 台账.csv: not utf-8 text (unreadable at byte 0) [UnreadableFile]",
        ),
        (
            INCIDENTS.encode() + b"\xff\xfe\x00\x81",
            [],
            "error: 台账.csv: not utf-8 or gb18030 (gbk, gb2312) text (unreadable at byte "
            f"{len(INCIDENTS.encode())}); say which with --encoding [UnreadableFile]",
        ),
        (
            INCIDENTS.encode("gbk"),
            ["--out-encoding", "latin-1"],
            "error: --out-encoding: unknown encoding 'latin-1'; use one of utf-8, utf-8-sig, "
            "gbk, gb18030 [InvalidInput]",
        ),
    ],
)
def test_issue15_incidents_import_refuses_a_bad_table_writing_nothing(
    sample: Engine, tmp_path: Path, content: bytes, args: list[str], said: str
) -> None:
    file = tmp_path / "台账.csv"
    file.write_bytes(content)
    result = gridmap("incidents", "import", file, *args)
    assert result.exit_code == 1
    assert result.output == said + "\n"
    assert rows(sample, "SELECT count(*) FROM incidents") == [(0,)]
    assert not (tmp_path / "台账.rejects.csv").exists()


# --- stations, addresses, rosters


def test_issue15_stations_import_a_gbk_csv_and_an_xlsx(sample: Engine, tmp_path: Path) -> None:
    file = tmp_path / "驿站.csv"
    file.write_bytes(
        f"类型,名称,经度,纬度,联系人\n红色驿站,学院路驿站,{LON},{LAT},王\n".encode("gbk")
    )
    result = gridmap("stations", "import", file)
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    book = workbook(
        tmp_path / "驿站.xlsx",
        ("站点", [["type", "name", "lng", "lat"], ["调解室", "东区调解室", LON, LAT]]),
    )
    assert gridmap("stations", "import", book).exit_code == 0
    assert rows(sample, "SELECT name, type, attributes FROM stations ORDER BY id") == [
        ("学院路驿站", "red_post", {"联系人": "王"}),
        ("东区调解室", "mediation_room", {}),
    ]


def test_issue15_stations_import_names_the_columns_it_tried(sample: Engine, tmp_path: Path) -> None:
    file = tmp_path / "驿站.csv"
    file.write_bytes(f"类型,名称,东,北\n红色驿站,学院路驿站,{LON},{LAT}\n".encode("gbk"))
    result = gridmap("stations", "import", file)
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: --lon-field: no longitude column in the header 类型, 名称, 东, 北; tried lon,"
    )
    named = gridmap("stations", "import", file, "--lon-field", "东", "--lat-field", "北")
    assert named.exit_code == 0, named.output


def test_issue15_addresses_import_a_gbk_csv(
    cli_env: StoreSettings, empty_store: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "地址.csv"
    text_ = "地址,经度,纬度,households\n北京市海淀区学院路20号院1号楼,116.3615,40.0025,80\n"
    file.write_bytes(text_.encode("gbk"))
    result = gridmap("addresses", "import", file)
    assert result.exit_code == 0, result.output
    assert rows(empty_store, "SELECT address, households FROM addresses") == [
        ("北京市海淀区学院路20号院1号楼", 80)
    ]
    wrong = gridmap("addresses", "import", file, "--encoding", "utf-8")
    assert wrong.exit_code == 1
    assert wrong.output == "error: file: not utf-8 text (unreadable at byte 0) [UnreadableFile]\n"


def test_issue15_roster_import_an_xlsx_sheet(sample: Engine, tmp_path: Path) -> None:
    file = workbook(
        tmp_path / "花名册.xlsx",
        ("封面", [["学院路街道网格员花名册"]]),
        (
            "名单",
            [
                ["姓名", "电话", "职务", "网格编码"],
                ["张伟", 13900001001, "网格长", 110108010019001],
            ],
        ),
    )
    result = gridmap("roster", "import", file, "--sheet", "名单", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+ 110108010019001 grid_leader 张伟" in result.output
    missing = gridmap("roster", "import", file, "--sheet", "Sheet1")
    assert missing.exit_code == 1
    assert missing.output == (
        "error: --sheet: no sheet 'Sheet1' in the workbook; it has 封面, 名单 [InvalidInput]\n"
    )
