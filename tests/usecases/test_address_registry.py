"""The address registry of a process: place names from the stored areas, explained matches.

On the 学院路 sample: its grids are named 石油大院社区第01网格 …, names no shipped list holds.
"""

from __future__ import annotations

import pytest

from gis.db import addresses as address_sql
from gis.incidents.intake import ADDRESS_MATCH
from gis.incidents.report import IncidentReport
from gis.usecases import incidents
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.principals import OWNER
from tests.stores import address_row

BUILDING_10 = ("石油大院社区住宅10号楼", 116.3561877, 40.0060557)  # the sample's point
IN_A_GRID = "北京市海淀区学院路街道石油大院社区第01网格住宅10号楼2单元301"


@pytest.fixture
def registered(rt: Runtime) -> Runtime:
    with rt.write() as conn:
        rows = [
            address_row(*BUILDING_10),
            address_row("中国农业大学东校区社区住宅10号楼", 116.3553, 40.0073),
        ]
        address_sql.upsert_addresses(conn, rows=rows)
    return rt


def test_the_names_of_the_stored_areas_become_prefixes(registered: Runtime) -> None:
    assert registered.addresses.match(IN_A_GRID).address is None  # no areas stored yet
    load_sample(registered)
    found = registered.addresses.match(IN_A_GRID)
    assert found.address is not None and found.address.address == BUILDING_10[0]
    assert (found.rule, found.unit) == ("building", "2单元301")
    assert found.stripped == ("北京市", "海淀区", "学院路街道")


def test_a_flat_is_reported_at_its_building(registered: Runtime) -> None:
    load_sample(registered)
    flat = IncidentReport("hazard", description="楼道漏水", address="石油大院社区住宅10-2-301")
    found, created = incidents.report(registered, flat, acting=OWNER)
    incident = found.incident
    assert created and incident.status == "reported"
    assert (incident.lon, incident.lat) == pytest.approx(BUILDING_10[1:])
    assert incident.grid_code is not None and incident.grid_code.startswith("110108010018")
    assert incident.location_method == "address_building" and incident.match_score == 100.0
    assert incident.attributes[ADDRESS_MATCH]["unit"] == "2单元301"


def test_an_unmatched_address_waits_with_what_was_read_then_is_located(
    registered: Runtime,
) -> None:
    load_sample(registered)
    lost = IncidentReport("hazard", description="路灯不亮", address="甘肃省嘉峪关市月球路1号")
    found, _ = incidents.report(registered, lost, acting=OWNER)
    waiting = found.incident
    assert waiting.status == "needs_location" and waiting.location_method == "none"
    assert waiting.attributes[ADDRESS_MATCH]["stripped"] == ["甘肃省", "嘉峪关市"]
    assert waiting.attributes[ADDRESS_MATCH]["rule"] == "none"
    better = IncidentReport("hazard", address="石油大院社区住宅10号楼二单元")
    located = incidents.give_place(registered, waiting.id, better, acting=OWNER).incident
    assert located.status == "reported" and located.location_method == "address_building"
    assert located.attributes[ADDRESS_MATCH]["unit"] == "2单元"
