"""The shipped 学院路 sample loads (idempotently), and the real 海淀区 polygon (GCJ-02) lands on WGS84."""

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from gis.areas import Level
from gis.db import areas as area_sql
from gis.geometry import to_metric
from gis.settings import SAMPLE_DIR, StoreSettings
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DATAV = SHARED / "boundaries" / "datav_110108_haidian_district.json"
ROADS = SHARED / "osm" / "osm_roads_beijing_haidian_cau.geojson"


def test_sample_loads_and_is_idempotent(
    store_settings: StoreSettings, empty_store: Engine, rt: Runtime
) -> None:
    first = load_sample(rt)
    assert first[-1].startswith("grid: 23 added")
    again = load_sample(rt)
    assert all(
        ", 0 changed, 0 retired," in line and line.split(": ")[1].startswith("0 added")
        for line in again
    )
    with empty_store.connect() as conn:
        grids = area_sql.find_areas(conn, level=Level.GRID)
        communities = area_sql.find_areas(conn, level=Level.COMMUNITY)
    assert len(grids) == 23 and len(communities) == 6
    assert set(grids["parent_code"]) == set(communities["code"])


def test_sample_files_carry_osm_attribution() -> None:
    for path in SAMPLE_DIR.glob("xueyuanlu_*.geojson"):
        assert "© OpenStreetMap contributors" in json.loads(path.read_text())["attribution"]
    assert "not official" in (SAMPLE_DIR / "README.md").read_text().lower()


def test_datav_district_is_shifted_from_gcj02_to_wgs84(
    cli_env: StoreSettings, empty_store: Engine, rt: Runtime
) -> None:
    assert DATAV.exists(), f"the shared test fixture is missing: {DATAV}"
    load_sample(rt)
    result = CliRunner().invoke(
        app, ["load", str(DATAV), "--level", "district", "--crs", "gcj02", "--commit"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "0 added, 1 changed" in result.output
    )  # replaces the sample-extent district as a new version
    with empty_store.connect() as conn:
        district = area_sql.find_areas(conn, codes=["110108"]).geometry.iloc[0]
        versions = area_sql.history(conn, code="110108")
    assert len(versions) == 2 and versions["valid_to"].notna().sum() == 1
    roads = gpd.read_file(ROADS)
    haidian_streets = roads[
        roads["name"].isin(["学院路", "清华东路", "学清路", "志新西路", "石板房南路"])
    ]
    assert len(haidian_streets) > 20
    assert shapely.contains(district, haidian_streets.geometry.to_numpy()).all()
    # 科荟路 is east of 京藏高速, in 朝阳区: outside once shifted (the unshifted GCJ-02 polygon,
    # ~550 m too far east, would wrongly contain it)
    chaoyang = roads[roads["name"] == "科荟路"].geometry.to_numpy()
    assert not shapely.intersects(district, chaoyang).any()
    assert shapely.contains(gpd.read_file(DATAV).geometry.iloc[0], chaoyang).all()
    source = gpd.read_file(DATAV).geometry.iloc[0]
    (moved, original), _ = to_metric([district.centroid, source.centroid])
    assert 450 < moved.distance(original) < 650  # GCJ-02 offset at 海淀 is ~550 m
    assert district.centroid.x < source.centroid.x  # WGS84 lies west of GCJ-02 here
    assert district.area == pytest.approx(source.area, rel=1e-3)
