"""Issue 11, item 15: a plan's households come from the standard-address registry (一标三实).

On the 学院路 sample: 中国农业大学东校区社区 holds 2,321 households; its grid 012 holds 392, in four
registry addresses west and east of 116.352.
"""

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely import LineString, box

from gis.areas import Level
from gis.db import addresses as address_sql
from gis.db import areas as area_sql
from gis.db import plans as plan_sql
from gis.settings import SAMPLE_ADDRESSES
from gis.usecases import boundaries, plan_edits, planning
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests import geoms
from tests.principals import OWNER
from tests.stores import address_row, load_hierarchy

COMMUNITY = "110108010019"
GRID_012 = f"{COMMUNITY}012"
# the larger (eastern) part keeps the code and its 118 households; the western 274 leave
SPLIT_012 = LineString([(116.352, 39.99), (116.352, 40.02)])
COMMUNITY_HOUSEHOLDS = 2_321


@pytest.fixture
def sample(rt: Runtime) -> Runtime:
    load_sample(rt)
    boundaries.import_addresses(rt, SAMPLE_ADDRESSES, acting=OWNER)
    return rt


def registry_households(rt: Runtime, area: shapely.Geometry) -> int:
    """What the registry holds inside ``area``, counted here independently of the use case."""
    with rt.read() as conn:
        found = address_sql.households_in(conn, bounds=area.bounds)
    inside = shapely.contains_xy(area, found["lon"], found["lat"])
    return int(found.loc[inside, "households"].fillna(0).sum())


def split_012(rt: Runtime) -> tuple[int, str]:
    plan_id = planning.create_plan(rt, acting=OWNER, scope_code=COMMUNITY).id
    return plan_id, plan_edits.split(
        rt, acting=OWNER, plan_id=plan_id, code=GRID_012, line=SPLIT_012
    )


def test_item15_split_halves_take_their_households_from_the_registry(sample: Runtime) -> None:
    plan_id, new_code = split_012(sample)
    _, areas = planning.get_plan(sample, plan_id, acting=OWNER)
    halves = areas.set_index("code").loc[[GRID_012, new_code]]
    assert sorted(halves["households"]) == [118, 274]  # not 392 and 392
    for geometry, households in zip(halves.geometry, halves["households"], strict=True):
        assert households == registry_households(sample, geometry)
    assert set(halves["households_source"]) == {"registry"}
    assert sum(areas["households"]) == COMMUNITY_HOUSEHOLDS  # not 2,713


def test_item15_the_stored_draft_holds_the_registry_figures(sample: Runtime) -> None:
    plan_id, new_code = split_012(sample)
    with sample.read() as conn:
        stored = plan_sql.plan_areas(conn, plan_id=plan_id).set_index("code")["households"]
    assert sorted([stored[GRID_012], stored[new_code]]) == [118, 274]


def test_item15_a_file_s_own_households_are_not_used(sample: Runtime) -> None:
    with sample.read() as conn:
        current = area_sql.find_areas(conn, level=Level.GRID, parent=COMMUNITY)
    claimed = current[["code", "name", "geometry"]].assign(households=9_999)
    plan_id = planning.create_plan(sample, acting=OWNER, scope_code=COMMUNITY, areas=claimed).id
    _, areas = planning.get_plan(sample, plan_id, acting=OWNER)
    assert sum(areas["households"]) == COMMUNITY_HOUSEHOLDS
    assert areas.set_index("code").loc[GRID_012, "households"] == 392


def test_item15_size_balance_checks_the_registry_figures(sample: Runtime) -> None:
    plan_id, new_code = split_012(sample)
    balance = {
        f.codes[0]: f
        for f in planning.check_plan(sample, plan_id, acting=OWNER)
        if f.rule == "size-balance" and f.codes[0] in (GRID_012, new_code)
    }
    assert {code: f.measure for code, f in balance.items()} == {GRID_012: 118, new_code: 274}
    assert all(f.details["households_source"] == "registry" for f in balance.values())
    assert all("[households: registry]" in f.message for f in balance.values())
    assert all(f.message_zh.endswith("（户数来源：登记）") for f in balance.values())


def test_item15_households_moved_are_whole_registry_numbers(sample: Runtime) -> None:
    plan_id, new_code = split_012(sample)
    diff = planning.diff_plan(sample, plan_id, acting=OWNER)
    [moved] = diff.transfers.to_dict("records")
    assert (moved["from_code"], moved["to_code"]) == (GRID_012, new_code)
    assert moved["households_moved"] == 274 and isinstance(moved["households_moved"], int)
    summary = diff.summary.set_index("code")
    for code in summary.index:
        row = summary.loc[code]
        before = row["households_before"] or 0
        out, into = row["households_out"] or 0, row["households_in"] or 0
        assert before - out + into == (row["households_after"] or 0), code
    assert summary.loc[GRID_012, ["households_before", "households_after"]].tolist() == [392, 118]


def test_item15_publish_writes_the_registry_figures(sample: Runtime) -> None:
    plan_id, new_code = split_012(sample)
    planning.publish(sample, acting=OWNER, plan_id=plan_id, force=True, reason="size warnings only")
    with sample.read() as conn:
        grids = area_sql.find_areas(conn, level=Level.GRID, parent=COMMUNITY).set_index("code")
    assert int(grids["households"].sum()) == COMMUNITY_HOUSEHOLDS
    assert sorted([grids.loc[GRID_012, "households"], grids.loc[new_code, "households"]]) == [
        118,
        274,
    ]


def test_item15_without_a_registry_households_are_shared_by_area_in_whole_numbers(
    rt: Runtime, tmp_path: Path
) -> None:
    store = load_hierarchy(rt, tmp_path)
    counted = geoms.frame(geoms.HIERARCHY["grid"], households=[391, 100])
    boundaries.load(store, boundaries_file(counted, tmp_path), acting=OWNER, level=Level.GRID)
    plan_id = planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY).id
    third = 116.34 + 0.01 / 3  # a third of the western grid is cut off
    new_code = plan_edits.split(
        store,
        acting=OWNER,
        plan_id=plan_id,
        code=f"{COMMUNITY}001",
        line=LineString([(third, 39.98), (third, 40.02)]),
    )
    _, areas = planning.get_plan(store, plan_id, acting=OWNER)
    shared = areas.set_index("code")
    assert shared.loc[new_code, "households"] + shared.loc[f"{COMMUNITY}001", "households"] == 391
    assert shared.loc[new_code, "households"] in (130, 131)  # 391 / 3, whole
    assert set(shared["households_source"]) == {"area share"}


def test_item15_addresses_explain_part_and_area_share_the_rest(rt: Runtime, tmp_path: Path) -> None:
    store = load_hierarchy(rt, tmp_path)
    counted = geoms.frame(geoms.HIERARCHY["grid"], households=[400, 100])
    boundaries.load(store, boundaries_file(counted, tmp_path), acting=OWNER, level=Level.GRID)
    with store.write() as conn:  # 300 of the western grid's 400 households in the registry
        address_sql.upsert_addresses(conn, rows=[address_row("学院路1号", 116.341, 40.0, 300)])
    halves = [
        (f"{COMMUNITY}001", "w", box(116.34, 39.99, 116.345, 40.01)),
        (f"{COMMUNITY}003", "m", box(116.345, 39.99, 116.35, 40.01)),
        (f"{COMMUNITY}002", "e", geoms.GRIDS[1]),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=geoms.frame(halves)
    ).id
    _, areas = planning.get_plan(store, plan_id, acting=OWNER)
    found = areas.set_index("code")[["households", "households_source"]]
    assert found.loc[f"{COMMUNITY}001"].tolist() == [350, "registry + area share"]
    assert found.loc[f"{COMMUNITY}003"].tolist() == [50, "area share"]
    assert found.loc[f"{COMMUNITY}002"].tolist() == [100, "area share"]


def boundaries_file(frame: gpd.GeoDataFrame, folder: Path):
    from gis.io import read_boundaries

    return read_boundaries(geoms.write(frame, folder / "counted.geojson"), level=Level.GRID)


def test_item15_a_grid_the_plan_leaves_alone_keeps_its_row_whatever_the_registry_says(
    rt: Runtime, tmp_path: Path
) -> None:
    """Item 17 still holds: the registry (300) disagrees with the stored 100, the boundary not."""
    store = load_hierarchy(rt, tmp_path)
    counted = geoms.frame(geoms.HIERARCHY["grid"], households=[100, 100])
    boundaries.load(store, boundaries_file(counted, tmp_path), acting=OWNER, level=Level.GRID)
    with store.write() as conn:
        address_sql.upsert_addresses(conn, rows=[address_row("学院路1号", 116.341, 40.0, 300)])
    grown = [
        (f"{COMMUNITY}001", "第01网格", geoms.GRIDS[0]),
        (f"{COMMUNITY}002", "第02网格", box(116.35, 39.99, 116.361, 40.01)),
    ]
    plan_id = planning.create_plan(
        store, acting=OWNER, scope_code=COMMUNITY, areas=geoms.frame(grown)
    ).id
    _, areas = planning.get_plan(store, plan_id, acting=OWNER)
    assert areas.set_index("code").loc[f"{COMMUNITY}001", "households"] == 300
    with store.read() as conn:
        [row_id] = area_sql.find_areas(conn, codes=[f"{COMMUNITY}001"])["id"]
    planning.publish(
        store, acting=OWNER, plan_id=plan_id, force=True, reason="east grows past the community"
    )
    with store.read() as conn:
        west = area_sql.find_areas(conn, codes=[f"{COMMUNITY}001"])
    assert west[["id", "households"]].values.tolist() == [[row_id, 100]]


def test_item15_a_community_without_grids_shares_its_own_households_by_area(
    rt: Runtime, tmp_path: Path
) -> None:
    from gis.io import read_boundaries

    for level in (Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY):
        rows = geoms.HIERARCHY[level.value]
        counted = geoms.frame(rows, households=[1_001] * len(rows))
        path = geoms.write(counted, tmp_path / f"{level.value}.geojson")
        boundaries.load(rt, read_boundaries(path, level=level), acting=OWNER, level=level)
    first = [(f"{COMMUNITY}001", "w", geoms.GRIDS[0]), (f"{COMMUNITY}002", "e", geoms.GRIDS[1])]
    plan_id = planning.create_plan(
        rt, acting=OWNER, scope_code=COMMUNITY, areas=geoms.frame(first)
    ).id
    _, areas = planning.get_plan(rt, plan_id, acting=OWNER)
    assert sorted(areas["households"]) == [500, 501]  # 1,001 in two halves, whole numbers
    assert set(areas["households_source"]) == {"area share"}
