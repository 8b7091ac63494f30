"""Issue 11, item 16: a redraw keeps the codes of existing grids; a full renumber is asked for.

On the 学院路 sample: 中国农业大学东校区社区 has grids 001-012; incidents are tied to grid codes.
"""

import geopandas as gpd
import pytest
from shapely import LineString

from gis.areas import Level
from gis.db import areas as area_sql
from gis.incidents.report import IncidentReport
from gis.numbering import sequence_codes
from gis.settings import SAMPLE_ADDRESSES
from gis.usecases import boundaries, incidents, plan_edits, planning
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.principals import OWNER

COMMUNITY = "110108010019"
SPLIT_012 = LineString([(116.352, 39.99), (116.352, 40.02)])
GRID_011 = f"{COMMUNITY}011"  # DB11/T order after the split puts 011 after 012's western part
IN_012_WEST = (116.349496, 40.006217)  # 住宅18号楼: the part of 012 the split cuts off


@pytest.fixture
def sample(rt: Runtime) -> Runtime:
    load_sample(rt)
    boundaries.import_addresses(rt, SAMPLE_ADDRESSES, acting=OWNER)
    return rt


def current_grids(rt: Runtime) -> gpd.GeoDataFrame:
    with rt.read() as conn:
        return area_sql.find_areas(conn, level=Level.GRID, parent=COMMUNITY)


def split_012(rt: Runtime) -> tuple[int, str]:
    plan_id = planning.create_plan(rt, acting=OWNER, scope_code=COMMUNITY).id
    return plan_id, plan_edits.split(
        rt, acting=OWNER, plan_id=plan_id, code=f"{COMMUNITY}012", line=SPLIT_012
    )


def report_at(rt: Runtime, lon: float, lat: float) -> int:
    found, _ = incidents.report(
        rt, IncidentReport(category="hazard", lon=lon, lat=lat), acting=OWNER
    )
    return found.incident.id


def test_item16_renumber_gives_existing_grids_back_their_codes(sample: Runtime) -> None:
    """A planner's file numbered afresh (006→008 …): existing grids get their codes back."""
    plan_id, new_code = split_012(sample)
    _, drawn = planning.get_plan(sample, plan_id, acting=OWNER)
    renumbered = drawn[["code", "name", "geometry"]].assign(
        code=sequence_codes(COMMUNITY, drawn.geometry.to_numpy())
    )
    assert (renumbered["code"] != drawn["code"]).sum() == 3  # the file re-codes 011, 012, 013
    fresh = planning.create_plan(sample, acting=OWNER, scope_code=COMMUNITY, areas=renumbered).id
    done = planning.renumber(sample, acting=OWNER, plan_id=fresh)
    _, kept = planning.get_plan(sample, fresh, acting=OWNER)
    assert sorted(kept["code"]) == sorted(drawn["code"])
    by_shape = dict(zip(kept.geometry.map(lambda g: g.wkb), kept["code"], strict=True))
    assert by_shape == dict(zip(drawn.geometry.map(lambda g: g.wkb), drawn["code"], strict=True))
    assert done.changed  # it undid the file's re-coding
    diff = planning.diff_plan(sample, fresh, acting=OWNER)
    assert diff.transfers[["from_code", "to_code"]].values.tolist() == [
        [f"{COMMUNITY}012", new_code]
    ]  # one split, not a mass redraw


def test_item16_new_grids_take_the_next_free_numbers(sample: Runtime) -> None:
    plan_id, new_code = split_012(sample)
    assert new_code == f"{COMMUNITY}013"
    assert planning.renumber(sample, acting=OWNER, plan_id=plan_id).changed == []


def test_item16_a_retired_code_is_never_given_to_other_land(sample: Runtime) -> None:
    merged = planning.create_plan(sample, acting=OWNER, scope_code=COMMUNITY).id
    plan_edits.merge(
        sample, acting=OWNER, plan_id=merged, codes=[f"{COMMUNITY}010", f"{COMMUNITY}012"]
    )
    planning.publish(sample, acting=OWNER, plan_id=merged, force=True, reason="merge 010 and 012")
    assert f"{COMMUNITY}012" not in set(current_grids(sample)["code"])
    plan_id = planning.create_plan(sample, acting=OWNER, scope_code=COMMUNITY).id
    new_code = plan_edits.split(
        sample, acting=OWNER, plan_id=plan_id, code=f"{COMMUNITY}010", line=SPLIT_012
    )
    assert new_code == f"{COMMUNITY}013"  # 012 is retired: its incidents keep their meaning
    assert planning.renumber(sample, acting=OWNER, plan_id=plan_id).changed == []


def test_item16_a_full_renumber_needs_the_flag_and_lists_the_incidents(sample: Runtime) -> None:
    inside_011 = current_grids(sample).set_index("code").geometry[GRID_011].representative_point()
    in_011 = report_at(sample, inside_011.x, inside_011.y)
    cut_off = report_at(sample, *IN_012_WEST)
    plan_id, new_code = split_012(sample)
    kept = planning.renumber(sample, acting=OWNER, plan_id=plan_id)
    assert kept.changed == []
    assert kept.incidents[["id", "grid_code", "new_grid_code"]].values.tolist() == [
        [cut_off, f"{COMMUNITY}012", new_code]  # only the land that moved
    ]
    everything = planning.renumber(sample, acting=OWNER, plan_id=plan_id, everything=True)
    mapping = dict(everything.codes)
    assert mapping[GRID_011] != GRID_011
    listed = everything.incidents.set_index("id")["new_grid_code"].to_dict()
    assert listed[in_011] == mapping[GRID_011]
    assert listed[cut_off] == mapping[new_code]
    assert {"id", "category", "status", "grid_code", "new_grid_code"} == set(
        everything.incidents.columns
    )
    diff = planning.diff_plan(sample, plan_id, acting=OWNER)
    renumbered = dict(diff.renumbered.values.tolist())
    assert renumbered[GRID_011] == mapping[GRID_011]  # the diff says renumbered, not redrawn
    assert diff.transfers.loc[diff.transfers["renumber"], "from_code"].tolist() == sorted(
        renumbered
    )
