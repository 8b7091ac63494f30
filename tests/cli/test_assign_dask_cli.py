"""``gridmap assign`` over Parquet (GeoParquet too) in-process, and with ``--engine dask``."""

import csv
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from gis.settings import StoreSettings
from tests import geoms

runner = CliRunner()
ANSWERS = [
    "wgs84_lon",
    "wgs84_lat",
    "grid_code",
    "grid_name",
    "community_code",
    "community_name",
    "subdistrict_code",
    "subdistrict_name",
    "district_code",
    "district_name",
    "on_boundary",
    "neighbours",
    "nearest_grid_code",
    "distance_m",
    "error",
]


def gridmap(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


@pytest.fixture
def loaded(cli_env: StoreSettings, empty_store: Engine, tmp_path: Path) -> Engine:
    files = geoms.hierarchy_files(tmp_path)
    for level in ("district", "subdistrict", "community", "grid"):
        result = gridmap("load", files[level], "--level", level, "--commit")
        assert result.exit_code == 0, result.output
    return empty_store


def points(count: int, seed: int = 16) -> pd.DataFrame:
    """Points over the two grids and around them, on a 0.0001° lattice: many on a shared edge
    (ties), a third outside (nearest grid), a few unreadable."""
    rng = np.random.default_rng(seed)
    lon = np.round(rng.uniform(116.338, 116.362, count), 4)
    lat = np.round(rng.uniform(39.988, 40.012, count), 4)
    lon[::100_003] = np.nan  # missing
    lat[1::100_003] = 116.3  # out of range
    return pd.DataFrame({"id": np.arange(count, dtype=np.int64), "lon": lon, "lat": lat})


def write_parts(frame: pd.DataFrame, folder: Path, parts: int) -> Path:
    folder.mkdir()
    for number, part in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[part].to_parquet(folder / f"part.{number}.parquet", index=False)
    return folder


def sorted_answers(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    return frame.sort_values("id", ignore_index=True)


@pytest.mark.slow
def test_dask_answers_equal_the_in_process_ones_on_2_000_000_points(
    loaded: Engine, tmp_path: Path
) -> None:
    source = write_parts(points(2_000_000), tmp_path / "points", parts=8)
    local, dask = tmp_path / "local.parquet", tmp_path / "dask"
    result = gridmap("assign", source, "--out", local)
    assert result.exit_code == 0, result.output
    assert "2,000,000 rows" in result.output and "boundaries version" in result.output
    result = gridmap("assign", source, "--out", dask, "--engine", "dask")
    assert result.exit_code == 0, result.output
    expected, found = sorted_answers(local), sorted_answers(dask)
    assert list(found.columns) == ["id", "lon", "lat", *ANSWERS]
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)
    # the cases that must agree are all there: ties on the shared edge, nearest grid, errors
    assert (expected["neighbours"] == "110108010019002").sum() > 1_000
    assert (expected["nearest_grid_code"] != "").sum() > 100_000
    assert (expected["error"] != "").sum() >= 20
    stamp = json.loads(pq.read_schema(local).metadata[b"gridmap"])
    assert stamp == json.loads(pq.read_schema(next(dask.glob("*.parquet"))).metadata[b"gridmap"])


def test_parquet_in_parquet_out_keeps_every_column_and_stamps_the_version(
    loaded: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    frame = pd.DataFrame(
        {
            "名称": ["a", "b", "c", "d"],
            "经度": ["116.345", "abc", "116.35", "116.3395"],
            "纬度": [40.0, 40.0, 40.0, 40.0],
            "when": pd.to_datetime(["2024-01-01"] * 4, utc=True),
        }
    )
    frame.to_parquet(source, index=False)
    target = tmp_path / "out.parquet"
    result = gridmap("assign", source, "--out", target)
    assert result.exit_code == 0, result.output
    assert "4 rows, 2 in a grid, 1 with errors (boundaries version" in result.output
    found = pd.read_parquet(target)
    assert list(found.columns) == [*frame.columns, *ANSWERS]
    pd.testing.assert_frame_equal(found[frame.columns], frame, check_dtype=False)
    assert found["grid_code"].tolist() == ["110108010019001", "", "110108010019001", ""]
    assert found["error"][1] == "经度: 'abc' is not a number"
    assert found["on_boundary"].tolist() == [False, False, True, False]
    assert found["neighbours"][2] == "110108010019002"
    assert found["nearest_grid_code"][3] == "110108010019001"
    assert 40 < found["distance_m"][3] < 45
    stamp = json.loads(pq.read_schema(target).metadata[b"gridmap"])
    assert stamp == {"areas_version": stamp["areas_version"], "as_of": None}
    assert stamp["areas_version"] > 0


def test_geoparquet_in_geoparquet_out_in_its_crs_on_both_engines(
    loaded: Engine, tmp_path: Path
) -> None:
    inside = shapely.Point(116.345, 40.0)
    frame = gpd.GeoDataFrame(
        {"id": [1, 2, 3, 4]},
        geometry=[inside, shapely.box(0, 0, 1, 1), None, shapely.Point(116.355, 40.0)],
        crs=4326,
    ).to_crs(3857)  # the answer reads the geometry's CRS
    source = tmp_path / "in.parquet"
    frame.to_parquet(source)
    local, dask = tmp_path / "local.parquet", tmp_path / "dask"
    assert gridmap("assign", source, "--out", local).exit_code == 0
    result = gridmap("assign", source, "--out", dask, "--engine", "dask")
    assert result.exit_code == 0, result.output
    found = gpd.read_parquet(local)
    assert found.crs == frame.crs and found.geometry.equals(frame.geometry)
    assert found["grid_code"].tolist() == ["110108010019001", "", "", "110108010019002"]
    assert found["error"].tolist()[1:3] == [
        "geometry: a Point is needed, got 'Polygon'",
        "geometry: missing",
    ]
    assert found["wgs84_lon"][0] == pytest.approx(116.345, abs=1e-9)
    pd.testing.assert_frame_equal(
        pd.DataFrame(gpd.read_parquet(dask).sort_values("id", ignore_index=True)),
        pd.DataFrame(found),
        check_dtype=False,
    )
    result = gridmap("assign", source, "--out", tmp_path / "x.parquet", "--crs", "gcj02")
    assert result.exit_code == 1
    assert "--crs: the geometry is in EPSG:3857, not gcj02; leave out --crs" in result.output
    assert not (tmp_path / "x.parquet").exists()


def test_dask_reads_a_directory_of_gbk_csv_parts(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gis.usecases.assign

    monkeypatch.setattr(gis.usecases.assign, "CSV_BLOCK_BYTES", 20_000)  # many blocks a part
    frame = points(6_000).astype({"id": str})
    frame["名称"] = "网格点" + frame["id"]
    frame = frame.rename(columns={"lon": "经度", "lat": "纬度"})
    folder = tmp_path / "parts"
    folder.mkdir()
    for number, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[part].to_csv(folder / f"{number}.csv", index=False, encoding="gbk")
    whole = tmp_path / "whole.csv"
    frame.to_csv(whole, index=False, encoding="gbk")
    target = tmp_path / "dask"
    result = gridmap("assign", folder, "--out", target, "--engine", "dask")
    assert result.exit_code == 0, result.output
    assert "6,000 rows" in result.output
    assert gridmap("assign", whole, "--out", tmp_path / "local.csv").exit_code == 0
    with (tmp_path / "local.csv").open(encoding="gb18030") as f:
        expected = pd.DataFrame(list(csv.DictReader(f)))
    found = pd.read_parquet(target)
    assert found["名称"].str.startswith("网格点").all()
    found = found.astype({"id": int}).sort_values("id", ignore_index=True)
    for column in ("grid_code", "community_name", "neighbours", "nearest_grid_code", "error"):
        assert found[column].tolist() == expected[column].tolist(), column
    assert (found["error"] != "").sum() == 2  # a missing longitude, a latitude out of range


def test_a_scheduler_that_does_not_answer_writes_nothing(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gis.usecases.assign

    monkeypatch.setattr(gis.usecases.assign, "SCHEDULER_TIMEOUT_S", 2.0)
    source = write_parts(points(1_000), tmp_path / "points", parts=2)
    target = tmp_path / "out"
    result = gridmap(
        "assign", source, "--out", target, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"
    )
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: --scheduler: no Dask scheduler answered at tcp://127.0.0.1:9 within 2 s"
    )
    assert result.output.count("\n") == 1
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".geojson" and p.name != "points"]
