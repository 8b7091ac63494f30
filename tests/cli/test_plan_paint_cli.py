"""``gridmap plan blocks``, ``plan assign`` and ``plan reshape`` on the tiny hierarchy."""

from __future__ import annotations

from pathlib import Path

import shapely
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from gis.settings import StoreSettings
from gis.usecases import planning
from gis.usecases.runtime import Runtime
from tests.api.test_plan_blocks import network as network  # the fixture, re-exported
from tests.principals import OWNER
from tests.stores import load_hierarchy

runner = CliRunner()
COMMUNITY, WEST, EAST = "110108010019", "110108010019001", "110108010019002"


def gridmap(*args: object):
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


def west(rt: Runtime, plan_id: int) -> shapely.Geometry:
    _, areas = planning.get_plan(rt, plan_id, acting=OWNER)
    return areas.loc[areas["code"] == WEST].geometry.iloc[0]


def test_plan_blocks_assign_and_reshape(
    cli_env: StoreSettings, empty_store: Engine, rt: Runtime, network: str, tmp_path: Path
) -> None:
    load_hierarchy(rt, tmp_path)
    plan_id = planning.create_plan(rt, acting=OWNER, scope_code=COMMUNITY).id
    listed = gridmap("plan", "blocks", plan_id)
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith(f"network {network}")
    assert len(listed.output.splitlines()) == 1 + 6
    painted = gridmap(
        "plan", "assign", plan_id, "--to", EAST, "--block", 1, "--at", "116.3475,39.995"
    )
    assert painted.exit_code == 0, painted.output
    assert "painted 2 blocks into" in painted.output
    assert west(rt, plan_id).equals(shapely.box(116.34, 39.99, 116.345, 40.01))
    outline = "POLYGON ((116.34 39.99, 116.348 39.99, 116.348 40.01, 116.34 40.01, 116.34 39.99))"
    reshaped = gridmap("plan", "reshape", plan_id, "--grid", WEST, "--geometry", outline)
    assert reshaped.exit_code == 0, reshaped.output
    assert west(rt, plan_id).equals(shapely.box(116.34, 39.99, 116.348, 40.01))
    refused = gridmap("plan", "assign", plan_id, "--to", EAST, "--block", 99)
    assert refused.exit_code == 1
    assert "blocks: no block 99" in refused.stderr
