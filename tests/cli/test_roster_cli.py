"""``gridmap roster import | list | show | check`` on PostGIS (issue 13)."""

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

import api.cli.roster  # noqa: F401  (registers the commands)
from api.cli import app
from gis.settings import StoreSettings
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample

runner = CliRunner()
ROSTER = (
    "姓名,电话,职务,网格编码,单位,部门\n"
    "张伟,13900001001,网格长,110108010019001,社区,\n"
    "李娜,13900001002,专职网格员,110108010019001,社区,\n"
    "赵敏,13900001004,下沉力量,110108010019001,执法队,城管\n"
)


def gridmap(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def sample(cli_env: StoreSettings, empty_store: Engine) -> Engine:
    with running(cli_env, pool_size=1) as rt:
        load_sample(rt)
    return empty_store


@pytest.fixture
def gbk_file(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER.encode("gbk"))
    return path


def people(store: Engine) -> int:
    with store.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM people")).scalar_one())


def test_issue13_import_dry_run_then_for_real(sample: Engine, gbk_file: Path) -> None:
    dry = gridmap("roster", "import", gbk_file, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+ person 张伟 139****1001 (row 2)" in dry.output
    assert "+ 110108010019001 seconded 赵敏 [城管]" in dry.output
    assert "would change: 1 areas; people 3 new" in dry.output and "nothing written" in dry.output
    assert people(sample) == 0
    done = gridmap("roster", "import", gbk_file)
    assert done.exit_code == 0, done.output
    assert "changed: 1 areas; people 3 new, 0 changed; duties 3 added" in done.output
    assert people(sample) == 3
    again = gridmap("roster", "import", gbk_file, "--encoding", "gbk")
    assert "duties 0 added, 0 retired, 3 kept" in again.output


def test_issue13_list_show_and_check(sample: Engine, gbk_file: Path) -> None:
    gridmap("roster", "import", gbk_file)
    listed = gridmap("roster", "list", "--scope", "110108010019")
    assert listed.exit_code == 0, listed.output
    assert "110108010019001\t网格长\t张伟\t139****1001" in listed.output
    assert "13900001001" not in listed.output and "3 duties" in listed.output
    docs = json.loads(gridmap("roster", "list", "--json").output)
    assert [d["duty"] for d in docs] == ["grid_leader", "full_time", "seconded"]
    assert {d["phone"] for d in docs} == {"139****1001", "139****1002", "139****1004"}
    shown = gridmap("roster", "show", "李娜")
    assert shown.exit_code == 0 and "专职网格员 (full_time)" in shown.output
    assert "139****1002" in shown.output and "13900001002" not in shown.output
    checked = gridmap("roster", "check", "--scope", "110108010019")
    assert checked.exit_code == 0
    assert "110108010019002 中国农业大学东校区社区第02网格: no 网格长、专职网格员" in checked.output
    assert "11 grids lack" in checked.output


def test_issue13_bad_input_is_one_line_and_exit_1(sample: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(ROSTER + "王强,12345,专职网格员,110108010019002,,\n", encoding="utf-8")
    result = gridmap("roster", "import", path)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: row 5: phone: '*****' is not a Chinese mobile (1[3-9] + 9 digits) or landline "
        "(0 + area code + 7-8 digits) number [InvalidInput]"
    ]
    assert people(sample) == 0
    missing = gridmap("roster", "show", "nobody")
    assert missing.exit_code == 1 and "[NotFound]" in missing.output
