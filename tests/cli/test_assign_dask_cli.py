"""``gridmap assign`` over Parquet (GeoParquet too) in-process, and with ``--engine dask``."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
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
