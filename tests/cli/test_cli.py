"""The gridmap CLI against the real test store: load dry run/commit, export, areas, errors."""

import json
from datetime import UTC
from pathlib import Path

import pytest
import shapely
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from gis.settings import StoreSettings
from tests import geoms

runner = CliRunner()


def gridmap(*args: str) -> "object":
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return geoms.hierarchy_files(tmp_path)


@pytest.fixture
def loaded(cli_env: StoreSettings, empty_store: Engine, files: dict[str, Path]) -> Engine:
    for level in ("district", "subdistrict", "community", "grid"):
        result = gridmap("load", files[level], "--level", level, "--commit")
        assert result.exit_code == 0, result.output
    return empty_store


def count(engine: Engine, where: str = "TRUE") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM areas WHERE {where}")).scalar_one())


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["db"],
        ["db", "up"],
        ["load"],
        ["export"],
        ["areas"],
        ["areas", "list"],
        ["areas", "show"],
        ["serve"],
        ["demo"],
        ["sample", "build"],
        ["db", "status"],
        ["db", "url"],
        ["db", "down"],
        ["db", "migrate"],
    ],
)
def test_help_everywhere(command: list[str]) -> None:
    result = gridmap(*command, "--help")
    assert result.exit_code == 0 and "Usage: gridmap" in result.output


def test_db_url_and_status(cli_env: StoreSettings) -> None:
    assert gridmap("db", "url").output.strip() == cli_env.database_url
    status = gridmap("db", "status")
    assert status.exit_code == 0 and "PostGIS 3." in status.output


def test_load_is_a_dry_run_by_default(
    cli_env: StoreSettings, empty_store: Engine, files: dict[str, Path]
) -> None:
    result = gridmap("load", files["district"], "--level", "district")
    assert result.exit_code == 0
    assert "add    110108" in result.output
    assert "1 added, 0 changed, 0 retired, 0 unchanged — dry run" in result.output
    assert count(empty_store) == 0


def test_load_commit_then_change(loaded: Engine, tmp_path: Path) -> None:
    assert count(loaded) == 5
    moved = [
        ("110108010019001", "第01网格", shapely.box(116.34, 39.99, 116.353, 40.01)),
        ("110108010019002", "第02网格", shapely.box(116.353, 39.99, 116.36, 40.01)),
    ]
    path = geoms.write(geoms.frame(moved), tmp_path / "moved.geojson")
    dry = gridmap("load", path, "--level", "grid")
    assert "change 110108010019001" in dry.output and count(loaded) == 5
    done = gridmap("load", path, "--level", "grid", "--commit")
    assert "0 added, 2 changed, 0 retired, 0 unchanged — committed" in done.output
    assert count(loaded, "valid_to IS NOT NULL") == 2


def test_load_gcj02_with_chinese_fields(
    cli_env: StoreSettings, empty_store: Engine, tmp_path: Path
) -> None:
    gdf = geoms.frame(geoms.HIERARCHY["district"], code="adcode", name="名称")
    result = gridmap(
        "load",
        geoms.write(gdf, tmp_path / "d.geojson"),
        "--level",
        "district",
        "--crs",
        "gcj02",
        "--commit",
    )
    assert result.exit_code == 0, result.output
    with empty_store.connect() as conn:
        west = conn.execute(text("SELECT ST_XMin(geom) FROM areas")).scalar_one()
    assert 116.30 - west == pytest.approx(0.0062, abs=0.0008)  # shifted back ~550 m west


def _one_line_error(result: "object", *fragments: str) -> None:
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0]


def test_bad_input_unreadable(loaded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text("not json")
    _one_line_error(gridmap("load", path, "--level", "grid", "--commit"), "cannot read bad.geojson")
    assert count(loaded) == 5


def test_bad_input_unknown_format(loaded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "grids.xlsx"
    path.write_bytes(b"PK")
    _one_line_error(gridmap("load", path, "--level", "grid", "--commit"), "unknown format '.xlsx'")


def test_bad_input_missing_crs(loaded: Engine, tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(geoms.HIERARCHY["grid"], crs=None), tmp_path / "g.shp")
    _one_line_error(
        gridmap("load", path, "--level", "grid", "--commit"), "--crs", "declares no coordinate"
    )


def test_bad_input_metres_as_degrees(loaded: Engine, tmp_path: Path) -> None:
    gdf = geoms.frame(geoms.HIERARCHY["grid"]).to_crs(32650)
    path = geoms.write(gdf.set_crs(None, allow_override=True), tmp_path / "g.shp")  # no .prj
    result = gridmap("load", path, "--level", "grid", "--crs", "wgs84", "--commit")
    _one_line_error(result, "feature 1 (code 110108010019001)", "field geometry", "degrees")
    assert count(loaded) == 5


def test_bad_input_swapped(loaded: Engine, tmp_path: Path) -> None:
    swapped = [
        (c, n, shapely.transform(g, lambda xy: xy[:, ::-1])) for c, n, g in geoms.HIERARCHY["grid"]
    ]
    path = geoms.write(geoms.frame(swapped), tmp_path / "g.geojson")
    _one_line_error(gridmap("load", path, "--level", "grid", "--commit"), "swapped")


def test_bad_input_duplicate_codes(loaded: Engine, tmp_path: Path) -> None:
    rows = [geoms.HIERARCHY["grid"][0], geoms.HIERARCHY["grid"][0]]
    path = geoms.write(geoms.frame(rows), tmp_path / "g.geojson")
    _one_line_error(
        gridmap("load", path, "--level", "grid", "--commit"), "features 1, 2", "field code"
    )


def test_bad_input_unknown_parent(loaded: Engine, tmp_path: Path) -> None:
    path = geoms.write(geoms.frame([("110108010077001", "g", geoms.VALID)]), tmp_path / "g.geojson")
    _one_line_error(
        gridmap("load", path, "--level", "grid", "--commit"),
        "feature 1 (code 110108010077001)",
        "parent community 110108010077",
    )
    assert count(loaded) == 5


def test_bad_input_wrong_code_length(loaded: Engine, tmp_path: Path) -> None:
    path = geoms.write(
        geoms.frame([("1101080100190011", "g", geoms.VALID)]), tmp_path / "g.geojson"
    )
    _one_line_error(
        gridmap("load", path, "--level", "grid", "--commit"), "feature 1", "expected 15 digits"
    )


def test_bad_input_empty_geometry(loaded: Engine, tmp_path: Path) -> None:
    path = geoms.write(geoms.frame([("110108010019003", "g", None)]), tmp_path / "g.geojson")
    _one_line_error(
        gridmap("load", path, "--level", "grid", "--commit"), "feature 1", "geometry is empty"
    )


def test_bad_input_invalid_geometry_then_repair(loaded: Engine, tmp_path: Path) -> None:
    path = geoms.write(
        geoms.frame([("110108010019003", "g", geoms.BOW_TIE)]), tmp_path / "g.geojson"
    )
    _one_line_error(
        gridmap("load", path, "--level", "grid", "--commit"), "Self-intersection[116.345 39.995]"
    )
    assert count(loaded) == 5
    repaired = gridmap("load", path, "--level", "grid", "--commit", "--repair")
    assert repaired.exit_code == 0 and "repaired Self-intersection" in repaired.stderr
    assert count(loaded) == 6


def test_bad_level_is_a_usage_error(cli_env: StoreSettings, files: dict[str, Path]) -> None:
    result = gridmap("load", files["grid"], "--level", "street")
    assert result.exit_code == 2 and "unknown level 'street'" in result.output


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_export_round_trip(loaded: Engine, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"grids.{fmt}"
    result = gridmap(
        "export", "--level", "grid", "--scope", "110108010019", "--format", fmt, "--out", out
    )
    assert result.exit_code == 0 and "wrote 2 grid areas" in result.output
    again = gridmap("load", out, "--level", "grid")
    assert "0 added, 0 changed, 0 retired, 2 unchanged" in again.output


def test_export_geojson_content(loaded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "c.geojson"
    gridmap("export", "--level", "community", "--out", out)
    feature = json.loads(out.read_text())["features"][0]
    assert feature["properties"]["code"] == "110108010019"
    assert feature["properties"]["parent_code"] == "110108010"
    assert feature["geometry"]["type"] == "MultiPolygon"


def test_export_nothing_found(loaded: Engine, tmp_path: Path) -> None:
    _one_line_error(
        gridmap("export", "--level", "grid", "--scope", "999", "--out", tmp_path / "x.geojson"),
        "no grid areas found under 999",
    )


def test_areas_list_and_show(loaded: Engine) -> None:
    listed = gridmap("areas", "list", "--level", "grid")
    assert (
        listed.exit_code == 0 and "110108010019002" in listed.output and "2 areas" in listed.output
    )
    shown = gridmap("areas", "show", "110108010019")
    assert shown.exit_code == 0 and "中国农业大学东校区社区居委会" in shown.output
    assert "2 current children, 1 versions" in shown.output
    _one_line_error(gridmap("areas", "show", "123456"), "no area '123456'")


def test_unreachable_store_is_one_line(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    _one_line_error(gridmap("areas", "list"), "database: cannot connect", "[StoreUnavailable]")
    _one_line_error(gridmap("load", files["grid"], "--level", "grid", "--commit"), "cannot connect")


def test_areas_as_of_lists_the_boundaries_valid_then(loaded: Engine, tmp_path: Path) -> None:
    import time
    from datetime import datetime

    time.sleep(1.1)  # the CLI reads whole seconds
    before = datetime.now(UTC).isoformat()
    time.sleep(1.1)
    moved = [
        ("110108010019001", "第01网格", shapely.box(116.34, 39.99, 116.353, 40.01)),
        ("110108010019002", "第02网格", shapely.box(116.353, 39.99, 116.36, 40.01)),
    ]
    gridmap(
        "load",
        geoms.write(geoms.frame(moved), tmp_path / "m.geojson"),
        "--level",
        "grid",
        "--commit",
    )
    assert "5 areas" in gridmap("areas", "--as-of", before[:19]).output
    assert "0 areas" in gridmap("areas", "--as-of", "2000-01-01").output
    assert "2 areas" in gridmap("areas", "--level", "grid").output
