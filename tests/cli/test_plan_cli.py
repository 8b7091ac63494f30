"""`gridmap check` and the planner's round trip through the CLI, end to end on the 学院路 sample."""

import json
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from gis.areas import Level
from gis.db import areas as area_sql
from gis.settings import SAMPLE_DIR, StoreSettings
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests import geoms
from tests.principals import OWNER

runner = CliRunner()
COMMUNITY = "110108010019"  # 中国农业大学东校区社区: 12 grids in the sample


def gridmap(*args: object):
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def sample(cli_env: StoreSettings, empty_store: Engine, rt: Runtime) -> Engine:
    load_sample(rt)
    return empty_store


def test_check_clean_file_exits_0(tmp_path: Path) -> None:
    path = geoms.write(geoms.frame(geoms.HIERARCHY["grid"]), tmp_path / "g.geojson")
    result = gridmap("check", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["errors"] == 0


def test_check_finds_overlap_exits_1(tmp_path: Path) -> None:
    rows = [
        ("110108010019001", "a", shapely.box(116.34, 39.99, 116.351, 40.01)),
        ("110108010019002", "b", geoms.GRIDS[1]),
    ]
    path = geoms.write(geoms.frame(rows), tmp_path / "g.geojson")
    result = gridmap("check", path)
    assert result.exit_code == 1
    assert "[重叠] 110108010019001 与 110108010019002 重叠 " in result.output
    english = gridmap("check", path, "--lang", "en")
    assert english.exit_code == 1
    assert "[overlap] 110108010019001 and 110108010019002 overlap by " in english.output


def test_check_geojson_output_is_a_feature_collection(tmp_path: Path) -> None:
    rows = [
        ("110108010019001", "a", shapely.box(116.34, 39.99, 116.349, 40.01)),
        ("110108010019002", "b", geoms.GRIDS[1]),
    ]
    path = geoms.write(geoms.frame(rows), tmp_path / "g.geojson")
    collection = json.loads(
        gridmap(
            "check",
            path,
            "--parent",
            geoms.write(geoms.frame(geoms.HIERARCHY["community"]), tmp_path / "c.geojson"),
            "-f",
            "geojson",
        ).output
    )
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["rule"] for f in collection["features"]] == ["gap"]


def test_check_unreadable_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text("{")
    result = gridmap("check", path)
    assert result.exit_code == 2 and result.stderr.startswith("error: ")


def test_check_reports_invalid_and_duplicate_instead_of_stopping(tmp_path: Path) -> None:
    rows = [("110108010019001", "a", geoms.BOW_TIE), ("110108010019001", "b", geoms.GRIDS[1])]
    result = gridmap("check", geoms.write(geoms.frame(rows), tmp_path / "g.geojson"), "-f", "json")
    rules = {f["rule"] for f in json.loads(result.output)["findings"]}
    assert result.exit_code == 1 and {"invalid-geometry", "duplicate-code"} <= rules


def test_sample_passes_the_checks_against_its_community(sample: Engine) -> None:
    result = gridmap(
        "check", SAMPLE_DIR / "xueyuanlu_grids.geojson", "--parent", "110108010", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["errors"] == 0


def test_planner_round_trip(sample: Engine, tmp_path: Path) -> None:
    before = datetime.now(UTC)
    exported = tmp_path / "grids.gpkg"
    assert (
        gridmap(
            "export", "--level", "grid", "--scope", COMMUNITY, "--format", "gpkg", "--out", exported
        ).exit_code
        == 0
    )
    # the planner moves the boundary between two neighbouring grids, as in QGIS
    grids = gpd.read_file(exported).set_index("code")
    first, second = _neighbours(grids)
    piece = shapely.intersection(
        grids.geometry[second], shapely.buffer(grids.geometry[first], 0.0004)
    )
    grids.loc[first, "geometry"] = shapely.union(grids.geometry[first], piece)
    grids.loc[second, "geometry"] = shapely.difference(grids.geometry[second], piece)
    edited = tmp_path / "edited.gpkg"
    grids.reset_index().to_file(edited)
    created = gridmap(
        "plan", "create", "--scope", COMMUNITY, "--from", edited, "--note", "move a block"
    )
    assert created.exit_code == 0, created.output
    plan_id = created.output.split()[1]
    checked = gridmap("plan", "check", plan_id, "-f", "json")
    assert json.loads(checked.output)["summary"]["errors"] == 0, checked.output
    diff = json.loads(gridmap("plan", "diff", plan_id, "-f", "json").output)
    moved = [t for t in diff["transfers"] if t["from_code"] == second and t["to_code"] == first]
    assert moved and moved[0]["area_m2"] > 100
    published = gridmap("plan", "publish", plan_id)
    assert published.exit_code == 0 and "published" in published.output
    with sample.connect() as conn:
        versions = area_sql.history(conn, code=first)
        old = area_sql.find_areas(conn, codes=[first], as_of=before)
    assert len(versions) == 2
    assert old.geometry.iloc[0].area < versions.geometry.iloc[1].area
    listed = gridmap(
        "areas", "list", "--level", "grid", "--scope", COMMUNITY, "--as-of", before.isoformat()
    )
    assert listed.exit_code == 0 and "12 areas" in listed.output


def test_plan_check_speaks_chinese_or_english(sample: Engine, tmp_path: Path) -> None:
    """Issue 14: ``gridmap plan check`` in Chinese by default, ``--lang en`` for English."""
    exported = tmp_path / "grids.gpkg"
    gridmap(
        "export", "--level", "grid", "--scope", COMMUNITY, "--format", "gpkg", "--out", exported
    )
    grids = gpd.read_file(exported).sort_values("code")
    edited = tmp_path / "edited.gpkg"
    grids.iloc[1:].to_file(edited)  # the first grid left out: a gap where it was
    created = gridmap("plan", "create", "--scope", COMMUNITY, "--from", edited)
    plan_id = created.output.split()[1]
    chinese = gridmap("plan", "check", plan_id)
    assert chinese.exit_code == 1, chinese.output
    assert "错误（" in chinese.output and "\n  [缝隙] 缝隙 " in chinese.output
    assert chinese.output.splitlines()[-1].startswith("合计：")
    english = gridmap("plan", "check", plan_id, "--lang", "en")
    assert english.exit_code == 1
    assert "Errors (" in english.output and "\n  [gap] gap of " in english.output
    assert english.output.splitlines()[-1].startswith("Summary: ")
    for lang, start in [("zh", "缝隙 "), ("en", "gap of ")]:
        found = json.loads(gridmap("plan", "check", plan_id, "-f", "json", "--lang", lang).output)
        (gap,) = [f for f in found["findings"] if f["rule"] == "gap"]
        assert gap["message"].startswith(start)


def test_plan_check_refuses_another_language(sample: Engine) -> None:
    result = gridmap("plan", "check", 1, "--lang", "fr")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: --lang: 'fr' is not one of zh, en [InvalidInput]"


def _neighbours(grids: gpd.GeoDataFrame) -> tuple[str, str]:
    codes = list(grids.index)
    for a in codes:
        for b in codes:
            shared = shapely.intersection(grids.geometry[a].boundary, grids.geometry[b].boundary)
            if a < b and shared.length > 0.001:
                return a, b
    raise AssertionError("no neighbouring grids")


def test_plan_edit_commands(sample: Engine) -> None:
    plan_id = gridmap("plan", "create", "--scope", COMMUNITY).output.split()[1]
    with sample.connect() as conn:
        grid = area_sql.find_areas(conn, codes=[f"{COMMUNITY}001"]).geometry.iloc[0]
    west, south, east, north = grid.bounds
    middle = (south + north) / 2
    line = f"LINESTRING ({west - 0.001} {middle}, {east + 0.001} {middle})"
    split = gridmap("plan", "split", plan_id, "--grid", f"{COMMUNITY}001", "--line", line)
    assert split.exit_code == 0, split.output
    assert "new area 110108010019013" in split.output
    merged = gridmap("plan", "merge", plan_id, f"{COMMUNITY}001", f"{COMMUNITY}013")
    assert merged.exit_code == 0, merged.output
    assert gridmap("plan", "renumber", plan_id).exit_code == 0
    shown = gridmap("plan", "show", plan_id)
    assert shown.output.count(COMMUNITY) >= 12
    bad = gridmap(
        "plan", "split", plan_id, "--grid", f"{COMMUNITY}001", "--line", "LINESTRING (0 0, 1 1)"
    )
    assert bad.exit_code == 1 and "does not cross" in bad.stderr


def test_publish_unknown_or_published_plan(sample: Engine) -> None:
    assert "no plan 424242" in gridmap("plan", "publish", "424242").stderr
    plan_id = gridmap("plan", "create", "--scope", COMMUNITY).output.split()[1]
    assert gridmap("plan", "publish", plan_id).exit_code == 0
    again = gridmap("plan", "publish", plan_id)
    assert again.exit_code == 1 and "is published" in again.stderr


def test_revert(sample: Engine) -> None:
    plan_id = gridmap("plan", "create", "--scope", COMMUNITY).output.split()[1]
    with sample.connect() as conn:
        grid = area_sql.find_areas(conn, codes=[f"{COMMUNITY}001"]).geometry.iloc[0]
    west, south, east, north = grid.bounds
    line = (
        f"LINESTRING ({west - 0.001} {(south + north) / 2}, {east + 0.001} {(south + north) / 2})"
    )
    assert (
        gridmap("plan", "split", plan_id, "--grid", f"{COMMUNITY}001", "--line", line).exit_code
        == 0
    )
    published = gridmap("plan", "publish", plan_id, "--force", "--reason", "test")
    assert published.exit_code == 0, published.output
    result = gridmap("plan", "revert", "--scope", COMMUNITY)
    assert result.exit_code == 0 and "reverted 110108010019" in result.output
    with sample.connect() as conn:
        assert len(area_sql.history(conn, code=f"{COMMUNITY}001")) == 3
        assert len(area_sql.find_areas(conn, level=Level.GRID, scope=COMMUNITY)) == 12


def test_item15_plan_show_and_diff_say_where_households_come_from(
    sample: Engine, rt: Runtime
) -> None:
    from gis.settings import SAMPLE_ADDRESSES
    from gis.usecases import boundaries

    boundaries.import_addresses(rt, SAMPLE_ADDRESSES, acting=OWNER)
    plan_id = gridmap("plan", "create", "--scope", COMMUNITY).output.split()[1]
    line = "LINESTRING (116.352 39.99, 116.352 40.02)"
    split = gridmap("plan", "split", plan_id, "--grid", f"{COMMUNITY}012", "--line", line)
    assert split.exit_code == 0, split.output
    shown = gridmap("plan", "show", plan_id).output
    assert "   118 households (registry)" in shown and "   274 households (registry)" in shown
    diff = json.loads(gridmap("plan", "diff", plan_id, "-f", "json").output)
    assert [t["households_moved"] for t in diff["transfers"]] == [274]


def test_item16_plan_renumber_keeps_codes_and_all_lists_incidents(
    sample: Engine, rt: Runtime
) -> None:
    from gis.incidents.report import IncidentReport
    from gis.usecases import incidents

    with sample.connect() as conn:
        grid = area_sql.find_areas(conn, codes=[f"{COMMUNITY}011"]).geometry.iloc[0]
    inside = grid.representative_point()
    found, _ = incidents.report(
        rt, IncidentReport(category="hazard", lon=inside.x, lat=inside.y), acting=OWNER
    )
    plan_id = gridmap("plan", "create", "--scope", COMMUNITY).output.split()[1]
    line = "LINESTRING (116.352 39.99, 116.352 40.02)"
    assert (
        gridmap("plan", "split", plan_id, "--grid", f"{COMMUNITY}012", "--line", line).exit_code
        == 0
    )
    kept = gridmap("plan", "renumber", plan_id)
    assert kept.exit_code == 0 and "0 codes changed" in kept.output, kept.output
    everything = gridmap("plan", "renumber", plan_id, "--all")
    assert everything.exit_code == 0, everything.output
    assert f"  {COMMUNITY}011 → {COMMUNITY}012" in everything.output
    assert "1 incidents would change grid code:" in everything.output
    assert (
        f"  incident {found.incident.id} (hazard, reported): {COMMUNITY}011 → {COMMUNITY}012"
        in everything.output
    )
    diff = gridmap("plan", "diff", plan_id)
    assert f"renumbered: {COMMUNITY}011 → {COMMUNITY}012" in diff.output, diff.output
