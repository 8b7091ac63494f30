"""``gridmap incidents import|list`` and ``gridmap stats`` against the real test store."""

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from gis.crs import wgs84_to_gcj02
from gis.settings import StoreSettings
from gis.usecases.imports import FIELDS, file_digest
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample

runner = CliRunner()
LON, LAT = 116.3553, 40.0073  # inside grid 110108010018002
HEADER = ["id", *FIELDS]


def gridmap(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def sample(cli_env: StoreSettings, empty_store: Engine, rt: Runtime) -> Engine:
    load_sample(rt)
    return empty_store


def row(**fields: object) -> dict[str, object]:
    base = {"category": "hazard", "description": "电线裸露", "lon": LON, "lat": LAT}
    base.update(reported_at="2026-01-05T08:00:00+08:00")
    return {**base, **fields}


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def count(engine: Engine, where: str = "true") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM incidents WHERE {where}")).scalar())


def stored_keys(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        query = "SELECT scope, client, key FROM idempotency_keys ORDER BY key"
        return [tuple(r) for r in conn.execute(text(query))]  # type: ignore[misc]


def test_import_locates_rows_into_grids(sample: Engine, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "in.csv", [row(id=1), row(id=2, category="矛盾纠纷")])
    result = gridmap("incidents", "import", file)
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    assert count(sample, "grid_code = '110108010018002' AND source = 'import'") == 2
    assert count(sample, "grid_area_id IS NOT NULL AND status = 'reported'") == 2


def test_import_writes_the_log(sample: Engine, tmp_path: Path) -> None:
    gridmap("incidents", "import", write_csv(tmp_path / "in.csv", [row(id=1)]))
    with sample.connect() as conn:
        events = conn.execute(text("SELECT actor, to_status, note FROM incident_events")).all()
    assert [tuple(e) for e in events] == [("import:in.csv", "reported", "via import")]


def test_reimport_adds_nothing(sample: Engine, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "in.csv", [row(id="a"), row()])
    gridmap("incidents", "import", file)
    again = gridmap("incidents", "import", file)
    assert again.exit_code == 0 and "0 added, 2 already imported" in again.output
    assert count(sample) == 2


def test_bad_rows_go_to_the_reject_file(sample: Engine, tmp_path: Path) -> None:
    rows = [
        row(id=1),
        row(id=2, category="graffiti"),
        row(id=3, lat="abc"),
        row(id=4, lon="", lat="", address=""),
        row(id=5, severity=9),
        row(id=1),
    ]
    rejects = tmp_path / "rejects.csv"
    file = write_csv(tmp_path / "in.csv", rows)
    result = gridmap("incidents", "import", file, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output and "5 rejected" in result.output
    with rejects.open(encoding="utf-8") as source:
        refused = {r["id"] + ":" + r["error"].split(":")[0]: r for r in csv.DictReader(source)}
    assert set(refused) == {"2:category", "3:lat", "4:location", "5:severity", "1:id"}
    assert refused["2:category"]["description"] == "电线裸露"  # the row is kept
    assert count(sample) == 1


def test_failing_batch_loses_no_other_rows(sample: Engine, tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "id": i,
            "geometry": {"type": "Point", "coordinates": [LON + i * 1e-4, LAT]},
            "properties": {"category": "hazard", "description": "坏\x00" if i == 3 else "ok"},
        }
        for i in range(6)
    ]
    file = tmp_path / "in.geojson"
    file.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    rejects = tmp_path / "rejects.csv"
    result = gridmap("incidents", "import", file, "--batch-size", 2, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output and "1 rejected" in result.output
    [refused] = list(csv.DictReader(rejects.open(encoding="utf-8")))
    # refused when read since item 11; a row only the store refuses: tests/usecases
    assert refused["id"] == "3" and refused["error"].startswith("description: ")
    assert count(sample) == 5


def test_geojson_points(sample: Engine, tmp_path: Path) -> None:
    feature = {
        "type": "Feature",
        "id": "g1",
        "geometry": {"type": "Point", "coordinates": [LON, LAT]},
        "properties": {"category": "fire", "description": "通道堵塞"},
    }
    line = {**feature, "id": "g2", "geometry": {"type": "LineString", "coordinates": []}}
    file = tmp_path / "in.geojson"
    file.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, line]}))
    result = gridmap("incidents", "import", file)
    assert "1 added" in result.output and "1 rejected" in result.output
    assert count(sample, "category = 'fire'") == 1
    assert stored_keys(sample) == [("import", "cli", f"{file_digest(file)}:1")]


def test_gcj02_rows_are_converted(sample: Engine, tmp_path: Path) -> None:
    gx, gy = (float(v) for v in wgs84_to_gcj02(LON, LAT))
    file = write_csv(tmp_path / "in.csv", [row(lon=gx, lat=gy)])
    assert gridmap("incidents", "import", file, "--crs", "gcj02").exit_code == 0
    with sample.connect() as conn:
        lon = conn.execute(text("SELECT ST_X(geom) FROM incidents")).scalar()
    assert lon == pytest.approx(LON, abs=1e-7)


def test_near_rows_are_linked_as_possible_duplicates(sample: Engine, tmp_path: Path) -> None:
    rows = [
        row(id=1, reported_at="2026-01-05T08:00:00+08:00"),
        row(id=2, lon=LON + 0.0001, reported_at="2026-01-05T09:00:00+08:00"),
        row(id=3, category="sanitation", reported_at="2026-01-05T10:00:00+08:00"),
    ]
    result = gridmap("incidents", "import", write_csv(tmp_path / "in.csv", rows))
    assert "1 possible duplicates" in result.output
    with sample.connect() as conn:
        links = conn.execute(text("SELECT incident_id, other_id FROM incident_links")).all()
    assert [tuple(link) for link in links] == [(2, 1)]
    assert count(sample, "possible_duplicate") == 1


def test_unknown_addresses_wait_for_a_place(sample: Engine, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "in.csv", [row(lon="", lat="", address="月球背面1号")])
    result = gridmap("incidents", "import", file)
    assert "1 waiting for a place" in result.output
    assert count(sample, "status = 'needs_location' AND geom IS NULL") == 1


def test_file_without_the_needed_columns_writes_nothing(sample: Engine, tmp_path: Path) -> None:
    file = tmp_path / "in.csv"
    file.write_text("what,where\nx,y\n", encoding="utf-8")
    result = gridmap("incidents", "import", file)
    assert result.exit_code == 1
    assert "header: needs category, and lon and lat or address" in result.output
    assert count(sample) == 0


def test_list_masks_personal_data(sample: Engine, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "in.csv", [row(reporter_name="张三", reporter_phone="13812345678")])
    gridmap("incidents", "import", file)
    result = gridmap("incidents", "list", "--status", "reported", "--scope", "110108010018")
    assert result.exit_code == 0, result.output
    assert "张* 138****5678" in result.output and "13812345678" not in result.output


def test_stats_formats(sample: Engine, tmp_path: Path) -> None:
    gridmap("incidents", "import", write_csv(tmp_path / "in.csv", [row(), row(category="fire")]))
    text_out = gridmap("stats", "--level", "community").output
    assert "110108010018  石油大院社区居委会  total 2" in text_out
    as_json = json.loads(gridmap("stats", "--level", "grid", "--format", "json").output)
    assert {r["code"]: r["total"] for r in as_json}["110108010018002"] == 2
    lines = list(
        csv.DictReader(
            gridmap("stats", "-l", "grid", "--format", "csv", "--lang", "en").output.splitlines()
        )
    )
    first = next(r for r in lines if r["code"] == "110108010018002")
    assert (first["category:fire"], first["status:reported"]) == ("1", "2")


def test_stats_refuses_unknown_attribution(sample: Engine) -> None:
    result = gridmap("stats", "--level", "grid", "--by", "later")
    assert result.exit_code == 1 and "by: 'later' is not recorded or current" in result.output


def test_item3_another_file_of_the_same_name_imports(sample: Engine, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "reports.csv", [row(id=1), row(id=2, category="fire")])
    (tmp_path / "other").mkdir()
    other = write_csv(tmp_path / "other" / "reports.csv", [row(id=1, description="井盖缺失")])
    assert "2 added" in gridmap("incidents", "import", first).output
    result = gridmap("incidents", "import", other)
    assert result.exit_code == 0 and "1 added, 0 already imported" in result.output
    assert count(sample) == 3


def test_item3_the_same_content_under_another_name_is_already_imported(
    sample: Engine, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "in.csv", [row(id=1), row(id=2)])
    gridmap("incidents", "import", file)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(file.read_bytes())
    assert "0 added, 2 already imported" in gridmap("incidents", "import", copy).output
    assert count(sample) == 2


def test_item3_a_file_read_with_another_crs_is_refused_row_by_row(
    sample: Engine, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "in.csv", [row(id=1)])
    gridmap("incidents", "import", file)
    rejects = tmp_path / "rejects.csv"
    result = gridmap("incidents", "import", file, "--crs", "gcj02", "--rejects", rejects)
    assert result.exit_code == 0 and "0 added, 0 already imported, 1 rejected" in result.output
    [refused] = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert refused["error"].startswith("row: row 1 of this file was imported before")
    assert count(sample) == 1


def test_issue15_the_monthly_report_as_files(sample: Engine, tmp_path: Path) -> None:
    reported = [row(reporter_name="张三", reporter_phone="13812345678"), row(category="fire")]
    gridmap("incidents", "import", write_csv(tmp_path / "in.csv", reported))
    sheet = tmp_path / "stats.xlsx"
    made = gridmap("stats", "--level", "grid", "--format", "xlsx", "--out", sheet)
    assert made.exit_code == 0, made.output
    rows = list(openpyxl.load_workbook(sheet).active.values)
    assert rows[0][:3] == ("区域编码", "区域名称", "受理总数")
    assert {r[0]: r[2] for r in rows[1:]}["110108010018002"] == 2
    listed = tmp_path / "incidents.csv"
    exported = gridmap("incidents", "export", "--out", listed, "--encoding", "gbk")
    assert exported.exit_code == 0 and "wrote 2 incidents" in exported.output
    text = listed.read_bytes().decode("gbk")
    assert text.startswith("编号,类别,状态") and "13812345678" not in text
    assert "138****5678" in text and "张*" in text
    refused = gridmap("incidents", "export", "--out", tmp_path / "x.pdf")
    assert refused.exit_code != 0 and "format: 'pdf' is not one of .csv, .xlsx" in refused.output
    assert not (tmp_path / "x.pdf").exists()
    needs_file = gridmap("stats", "--level", "grid", "--format", "xlsx")
    assert needs_file.exit_code != 0 and "--out" in needs_file.output
