"""``gridmap network | isochrone | stations | coverage`` end to end on the sample and PostGIS."""

import json
from pathlib import Path

import pytest
import shapely
from sqlalchemy import Engine, text
from typer.testing import CliRunner

import api.cli.stations  # noqa: F401  (registers the commands)
from api.cli import app
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
OSM = ROOT.parent / "shared" / "data" / "osm" / "osm_beijing_haidian_cau_east_campus.osm"
SAMPLE = ROOT / "data" / "stations" / "xueyuanlu_stations.geojson"


def gridmap(*args: object):
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def sample(cli_env: StoreSettings, empty_store: Engine, rt: Runtime) -> Engine:
    with empty_store.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE stations, station_isochrones, walk_networks, walk_edges RESTART IDENTITY CASCADE"
            )
        )
    load_sample(rt)
    assert gridmap("network", "load", OSM).exit_code == 0
    return empty_store


def test_network_load_is_idempotent(sample: Engine) -> None:
    again = gridmap("network", "load", OSM)
    assert again.exit_code == 0 and "already loaded" in again.output
    with sample.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM walk_networks")).scalar() == 1


def test_stations_import_twice_then_isochrones_and_coverage(sample: Engine, tmp_path: Path) -> None:
    first, second = gridmap("stations", "import", SAMPLE), gridmap("stations", "import", SAMPLE)
    assert "22 created" in first.output and "0 created, 22 updated" in second.output
    built = gridmap("stations", "isochrones")
    assert built.exit_code == 0 and "66 isochrones for 22 stations" in built.output
    report = tmp_path / "coverage.geojson"
    result = gridmap("coverage", "--type", "警务室", "--mode", "network", "--out", report)
    assert (
        result.exit_code == 0
        and "警务室 (police_room), network, 15 min: 2 stations" in result.output
    )
    assert json.loads(report.read_text())["features"]


def test_isochrone_to_file(sample: Engine, tmp_path: Path) -> None:
    out = tmp_path / "iso.geojson"
    result = gridmap("isochrone", 116.3553, 40.0073, "--minutes", 15, "--out", out)
    assert result.exit_code == 0, result.output
    polygon = shapely.geometry.shape(json.loads(out.read_text())["geometry"])
    assert polygon.contains(shapely.Point(116.3553, 40.0073))


def test_suggest_prints_each_gain(sample: Engine) -> None:
    gridmap("stations", "import", SAMPLE)
    result = gridmap("stations", "suggest", "--type", "红色驿站", "--k", 3)
    assert result.exit_code == 0, result.output
    picks = [line for line in result.output.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(picks) == 3, result.output and all("gain +" in line for line in picks)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("isochrone", 116.3553, 40.0073, "--minutes", 0), "minutes: 0 must be > 0"),
        (("isochrone", 116.3553, 40.0073, "--speed", -2), "speed: -2 km/h"),
        (("isochrone", 116.5, 40.1), "[Unsnappable]"),
        (("stations", "suggest", "--type", "网吧"), "valid: party_service_center (党群服务中心)"),
    ],
)
def test_bad_input_is_one_line(sample: Engine, args: tuple, message: str) -> None:
    result = gridmap(*args)
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
