"""``gridmap network load`` on PBF and .osm.bz2: the same network and isochrones as the XML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from sqlalchemy import Engine, text
from typer.testing import CliRunner

import api.cli.stations  # noqa: F401  (registers the commands)
from api.cli import app
from gis.settings import StoreSettings
from tests.osmfiles import OSM_XML, cut_in_half, to_bz2, to_pbf

runner = CliRunner()
STATION = (116.348039, 40.0020611)  # 中国农业大学东区社区卫生服务中心, data/stations
SIZE = "1409 nodes, 1584 edges"


def gridmap(*args: object):
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def no_network(cli_env: StoreSettings, empty_store: Engine) -> Engine:
    with empty_store.begin() as conn:
        conn.execute(text("TRUNCATE walk_networks, walk_edges RESTART IDENTITY CASCADE"))
    return empty_store


def networks(engine: Engine) -> list[tuple[str, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, is_current FROM walk_networks ORDER BY id"))
        return [(name, current) for name, current in rows]


def isochrone(out: Path) -> shapely.Geometry:
    result = gridmap("isochrone", *STATION, "--minutes", 15, "--out", out)
    assert result.exit_code == 0, result.output
    return shapely.geometry.shape(json.loads(out.read_text())["geometry"])


@pytest.mark.parametrize("convert", [to_pbf, to_bz2], ids=["pbf", "bz2"])
def test_a_pbf_loads_and_gives_the_xml_isochrones(
    no_network: Engine, tmp_path: Path, convert
) -> None:
    assert SIZE in gridmap("network", "load", OSM_XML).output
    from_xml = isochrone(tmp_path / "xml.geojson")
    packed = convert(OSM_XML, tmp_path / ("cau.osm.pbf" if convert is to_pbf else "cau.osm.bz2"))
    result = gridmap("network", "load", packed)
    assert result.exit_code == 0 and f"network {packed.name} " in result.output
    assert SIZE in result.output and "(loaded)" in result.output
    assert networks(no_network) == [(OSM_XML.name, False), (packed.name, True)]
    from_packed = isochrone(tmp_path / "packed.geojson")
    assert from_xml.area > 0 and shapely.equals_exact(from_xml, from_packed, 0.0)


def test_a_truncated_pbf_is_one_line_and_stores_nothing(no_network: Engine, tmp_path: Path) -> None:
    cut = cut_in_half(to_pbf(OSM_XML, tmp_path / "x.osm.pbf"), tmp_path / "cut.osm.pbf")
    result = gridmap("network", "load", cut)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: file: cannot read cut.osm.pbf") and "PBF error" in line
    assert networks(no_network) == []
