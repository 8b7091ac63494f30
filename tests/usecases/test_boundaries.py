"""Loads against PostGIS: dry run, commit, versioning, as-of queries, all-or-nothing."""

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text

from gis.areas import ORDER, Level
from gis.db import areas as area_sql
from gis.errors import Conflict, InvalidInput, UnknownParent
from gis.io import BoundaryFile, read_boundaries
from gis.usecases import boundaries
from gis.usecases.runtime import Runtime
from tests import geoms
from tests.principals import OWNER


def boundary(
    level: str,
    rows: list[tuple[str, str, object]],
    households: list[int] | None = None,
    tmp: Path | None = None,
) -> BoundaryFile:
    gdf = geoms.frame(rows, households=households)
    path = (tmp or Path("/tmp")) / f"{level}-{id(rows)}.geojson"
    return read_boundaries(geoms.write(gdf, path), level=Level(level))


def load_hierarchy(rt: Runtime, tmp_path: Path) -> None:
    for level in ORDER:
        boundaries.load(
            rt,
            boundary(level.value, geoms.HIERARCHY[level.value], tmp=tmp_path),
            acting=OWNER,
            level=level,
        )


def count(engine: Engine, where: str = "TRUE") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM areas WHERE {where}")).scalar_one())


def test_dry_run_writes_nothing(rt: Runtime, tmp_path: Path) -> None:
    district = boundary("district", geoms.HIERARCHY["district"], tmp=tmp_path)
    plan = boundaries.preview_load(rt, district, level=Level.DISTRICT)
    assert plan.added == ["110108"] and not plan.changed
    assert count(rt.engine) == 0


def test_commit_writes_the_hierarchy(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    assert count(rt.engine, "valid_to IS NULL") == 5
    with rt.read() as conn:
        grids = area_sql.find_areas(conn, level=Level.GRID)
    assert list(grids["parent_code"]) == ["110108010019", "110108010019"]
    assert grids.crs.to_epsg() == 4326


def test_reloading_the_same_file_changes_nothing(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    plan = boundaries.load(
        rt, boundary("grid", geoms.HIERARCHY["grid"], tmp=tmp_path), acting=OWNER, level=Level.GRID
    )
    assert plan.is_empty and len(plan.unchanged) == 2
    assert count(rt.engine) == 5


def test_changed_boundary_retires_old_version(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    before = datetime.now(UTC)
    moved = [
        ("110108010019001", "第01网格", shapely.box(116.34, 39.99, 116.352, 40.01)),
        ("110108010019002", "第02网格", shapely.box(116.352, 39.99, 116.36, 40.01)),
    ]
    plan = boundaries.load(
        rt, boundary("grid", moved, tmp=tmp_path), acting=OWNER, level=Level.GRID
    )
    assert plan.changed == ["110108010019001", "110108010019002"]
    assert count(rt.engine, "level = 'grid'") == 4
    assert count(rt.engine, "level = 'grid' AND valid_to IS NULL") == 2
    with rt.read() as conn:
        old = area_sql.find_areas(conn, level=Level.GRID, as_of=before)
        new = area_sql.find_areas(conn, level=Level.GRID)
        versions = area_sql.history(conn, code="110108010019001")
    assert old.geometry.iloc[0].bounds[2] == pytest.approx(116.35)
    assert new.geometry.iloc[0].bounds[2] == pytest.approx(116.352)
    assert versions["valid_to"].iloc[0] == versions["valid_from"].iloc[1]


def test_changed_name_is_a_new_version_too(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    renamed = [("110108", "海淀区（新）", geoms.DISTRICT)]
    plan = boundaries.load(
        rt, boundary("district", renamed, tmp=tmp_path), acting=OWNER, level=Level.DISTRICT
    )
    assert plan.changed == ["110108"]


def test_unknown_parent_refused_before_writing(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    orphan = [("110108010099001", "孤儿网格", geoms.VALID)]
    with pytest.raises(
        UnknownParent,
        match=r"feature 1 \(code 110108010099001\): field code: parent "
        "community 110108010099 does not exist",
    ):
        boundaries.load(rt, boundary("grid", orphan, tmp=tmp_path), acting=OWNER, level=Level.GRID)
    assert count(rt.engine) == 5


def test_failure_mid_write_rolls_everything_back(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    good = boundary("grid", [("110108010019001", "改", geoms.GRIDS[0])], tmp=tmp_path).areas
    bad = good.copy()
    bad["code"] = "110108010019003"
    bad["households"] = -5  # the store's CHECK refuses this row after the retire has run
    both = BoundaryFile(
        gpd.GeoDataFrame(gpd.pd.concat([good, bad], ignore_index=True), crs=4326),
        "wgs84",
        "code",
        "name",
    )
    with pytest.raises(InvalidInput, match="ck_areas_counts"):
        boundaries.load(rt, both, acting=OWNER, level=Level.GRID)
    assert count(rt.engine) == 5 and count(rt.engine, "valid_to IS NOT NULL") == 0


def test_retire_missing(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    merged = [("110108010019001", "合并网格", geoms.COMMUNITY)]
    plan = boundaries.load(
        rt,
        boundary("grid", merged, tmp=tmp_path),
        acting=OWNER,
        level=Level.GRID,
        retire_missing=True,
    )
    assert plan.changed == ["110108010019001"] and plan.retired == ["110108010019002"]
    assert count(rt.engine, "level = 'grid' AND valid_to IS NULL") == 1


def test_retire_missing_refuses_areas_with_children(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    other = [("110108010020", "语言大学社区居委会", geoms.VALID)]
    with pytest.raises(Conflict, match="110108010019 still have current children"):
        boundaries.load(
            rt,
            boundary("community", other, tmp=tmp_path),
            acting=OWNER,
            level=Level.COMMUNITY,
            retire_missing=True,
        )
    assert count(rt.engine) == 5


def test_find_areas_filters(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    with rt.read() as conn:
        assert list(area_sql.find_areas(conn, scope="110108010019")["code"]) == [
            "110108010019",
            "110108010019001",
            "110108010019002",
        ]
        assert list(area_sql.find_areas(conn, parent="110108010")["code"]) == ["110108010019"]
        east = area_sql.find_areas(conn, level=Level.GRID, bbox=(116.355, 39.995, 116.358, 39.998))
        assert list(east["code"]) == ["110108010019002"]
        assert area_sql.find_areas(conn, as_of=datetime(2000, 1, 1, tzinfo=UTC)).empty
