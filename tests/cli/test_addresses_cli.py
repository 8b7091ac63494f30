"""The standard-address registry: the sample file, imports, and resolution of messy addresses."""

import json
from pathlib import Path

from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli import app
from gis.settings import SAMPLE_ADDRESSES, StoreSettings
from gis.usecases.incidents import AddressRegistry

runner = CliRunner()


def test_sample_addresses_are_attributed_and_have_households() -> None:
    collection = json.loads(SAMPLE_ADDRESSES.read_text())
    assert "© OpenStreetMap contributors" in collection["attribution"]
    households = [f["properties"]["households"] for f in collection["features"]]
    assert sum(h for h in households if h) > 1000
    assert {f["properties"]["source"] for f in collection["features"]} == {
        "osm-addr",
        "osm-building",
    }


def test_import_is_idempotent_and_resolves_messy_addresses(
    cli_env: StoreSettings, empty_store: Engine
) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["addresses", "import", str(SAMPLE_ADDRESSES)])
        assert result.exit_code == 0, result.output
    with empty_store.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM addresses")).scalar()
    assert count == len(json.loads(SAMPLE_ADDRESSES.read_text())["features"])
    registry = AddressRegistry(empty_store)
    found = registry.resolve("北京市 北京市 海淀区 学院路 18号 10号楼")
    assert found is not None
    assert found.address.building == "10号楼" and found.method == "address_normalised"
    assert found.score == 100.0
    other = registry.resolve("海淀区志新西路3－1号")
    assert other is not None and other.address.address == "北京市海淀区志新西路3-1号"
    assert registry.resolve("学院路19号10号楼") is None  # another house number never matches


def test_import_csv_with_gcj02(cli_env: StoreSettings, empty_store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "address,lon,lat,households\n北京市海淀区学院路20号院1号楼,116.3615,40.0025,80\n"
    )
    result = runner.invoke(app, ["addresses", "import", str(path), "--crs", "gcj02"])
    assert result.exit_code == 0, result.output
    with empty_store.connect() as conn:
        lon = conn.execute(text("SELECT ST_X(geom) FROM addresses")).scalar()
    assert 116.3615 - lon > 0.005  # shifted ~550 m west onto WGS84


def test_import_bad_file(cli_env: StoreSettings, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("name,lon,lat\nx,116.3,40\n")
    result = runner.invoke(app, ["addresses", "import", str(path)])
    assert result.exit_code == 1 and "has no address field" in result.stderr
