"""Editing a draft plan: split, merge, move, paint street blocks, reshape; undo and redo.

Each edit is a pure function of `gis.edit` applied to the draft's areas in one audited
transaction (`_edit`), which keeps the areas before it as an undo step and computes the
registry's households of the areas after it; `step_back` undoes and redoes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gis import edit
from gis.blocks import PlanBlocks, block_households, block_ids, plan_blocks
from gis.db import addresses as address_sql
from gis.db import plans as plan_sql
from gis.db import stations as station_sql
from gis.db.engine import Connection
from gis.errors import Conflict, InvalidInput
from gis.identity.access import Acting
from gis.plans import PlanRecord
from gis.usecases.planning import bounds_of, readable, scope_of, with_households, writable
from gis.usecases.runtime import Runtime
from gis.usecases.trail import audited
from gis.values import BBox

Edit = Callable[[Connection, gpd.GeoDataFrame, PlanRecord], tuple[gpd.GeoDataFrame, Any]]


def _edit(rt: Runtime, acting: Acting, plan_id: int, action: str, change: Edit) -> Any:
    """Apply a pure edit to a draft's areas in one transaction; returns what the edit returns."""
    with audited(rt, acting.actor, f"plans.{action}", f"plan:{plan_id}") as trail:
        conn = trail.conn
        plan = writable(conn, plan_id, acting)
        before = plan_sql.plan_areas(conn, plan_id=plan_id)
        areas, answer = change(conn, before, plan)
        plan_sql.push_step(conn, plan_id=plan_id, stack="undo", op=action, areas=before)
        plan_sql.clear_steps(conn, plan_id=plan_id, stack="redo")
        areas = with_households(conn, scope_of(conn, plan.scope_code), areas)
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)
    return answer


def step_back(rt: Runtime, *, acting: Acting, plan_id: int, redo: bool = False) -> str:
    """Undo a draft's last edit (or, with ``redo``, redo the last undone one); its name.

    `Conflict` when there is nothing to undo (or redo). Up to `plan_sql.UNDO_DEPTH` steps.
    """
    source, other = ("redo", "undo") if redo else ("undo", "redo")
    with audited(rt, acting.actor, f"plans.{source}", f"plan:{plan_id}") as trail:
        conn = trail.conn
        writable(conn, plan_id, acting)
        step = plan_sql.pop_step(conn, plan_id=plan_id, stack=source)
        if step is None:
            raise Conflict(f"op: plan {plan_id} has nothing to {source}")
        op, areas = step
        current = plan_sql.plan_areas(conn, plan_id=plan_id)
        plan_sql.push_step(conn, plan_id=plan_id, stack=other, op=op, areas=current)
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)
        trail.detail.update(op=op)
    return op


def split(rt: Runtime, *, acting: Acting, plan_id: int, code: str, line: shapely.Geometry) -> str:
    """Split one area of a draft along ``line``; returns the new area's code."""

    def cut(
        conn: Connection, areas: gpd.GeoDataFrame, plan: PlanRecord
    ) -> tuple[gpd.GeoDataFrame, str]:
        used = plan_sql.used_codes(conn, scope_code=plan.scope_code, level=plan.level)
        return edit.split_in(areas, code, line, plan.scope_code, used)

    new_code: str = _edit(rt, acting, plan_id, "split", cut)
    return new_code


def merge(rt: Runtime, *, acting: Acting, plan_id: int, codes: list[str]) -> None:
    """Merge adjacent areas of a draft into the first code given."""
    _edit(rt, acting, plan_id, "merge", lambda _, areas, __: (edit.merge_in(areas, codes), None))


def move(
    rt: Runtime,
    *,
    acting: Acting,
    plan_id: int,
    source: str,
    target: str,
    piece: shapely.Geometry,
) -> None:
    """Move the part of ``source`` inside ``piece`` to the neighbouring ``target``."""

    def moved(_: Connection, areas: gpd.GeoDataFrame, __: PlanRecord) -> tuple[Any, None]:
        return edit.move_in(areas, source, target, piece), None

    _edit(rt, acting, plan_id, "move", moved)


def blocks(rt: Runtime, plan_id: int, *, acting: Acting) -> PlanBlocks:
    """The plan's street blocks as it is now (ids as `assign_blocks` takes them), households."""
    with rt.read() as conn:
        plan = readable(conn, plan_id, acting)
        areas = plan_sql.plan_areas(conn, plan_id=plan.id)
        found = _blocks(conn, areas)
        addresses = address_sql.households_in(conn, bounds=bounds_of(areas))
    households = block_households(found.blocks, addresses)
    return PlanBlocks(found.network, found.blocks.assign(households=households))


def _blocks(conn: Connection, areas: gpd.GeoDataFrame) -> PlanBlocks:
    """``areas`` cut along the current walking network (whole grids when none is loaded)."""
    network = station_sql.current_network(conn)
    if network is None:
        return PlanBlocks(None, plan_blocks(areas))
    box = BBox(*bounds_of(areas))
    streets = station_sql.network_lines(conn, version=network.version, bbox=box)
    return PlanBlocks(network.version, plan_blocks(areas, streets))


def assign_blocks(
    rt: Runtime,
    *,
    acting: Acting,
    plan_id: int,
    to: str,
    blocks: Sequence[int | shapely.Point] = (),
    addresses: Sequence[int] = (),
) -> None:
    """Move painted blocks into grid ``to``: block ids or points inside them, or addresses.

    Ids and points name the blocks of `blocks` for the draft as it is when the edit runs.
    """

    def paint(conn: Connection, areas: gpd.GeoDataFrame, _: PlanRecord) -> tuple[Any, None]:
        points = _address_points(conn, addresses)
        positions = [b for b in blocks if isinstance(b, shapely.Point)]
        if len(positions) == len(blocks):  # no ids: only the grids painted in need cutting
            cut = _blocks(conn, _holding(areas, [*positions, *points])).blocks
        else:
            cut = _blocks(conn, areas).blocks
        chosen = block_ids(cut, blocks) + block_ids(cut, points, field="addresses")
        return edit.assign_in(areas, cut, chosen, to), None

    _edit(rt, acting, plan_id, "assign_blocks", paint)


def _holding(areas: gpd.GeoDataFrame, points: Sequence[shapely.Point]) -> gpd.GeoDataFrame:
    """The areas holding any of ``points``: their blocks are the plan's blocks there.

    A block lies in one grid and is cut by that grid's edges and the streets in it, so cutting
    only these areas gives the same blocks at the painted points, for a fraction of the work.
    """
    shaped = areas[areas.geometry.notna()]
    if not len(points):
        return shaped.iloc[:0]
    _, hit = shapely.STRtree(shaped.geometry.to_numpy()).query(
        np.asarray(points, dtype=object), predicate="intersects"
    )
    return shaped.iloc[np.unique(hit)]


def _address_points(conn: Connection, ids: Sequence[int]) -> list[shapely.Point]:
    """The registry's points of these address ids, in order (`InvalidInput` for an unknown)."""
    if not ids:
        return []
    found = address_sql.points_of(conn, ids=[i for i in ids if 0 < i < 2**63])  # a bigint
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"addresses: no standard address {', '.join(missing[:5])}")
    return [shapely.Point(found[i]) for i in ids]


def reshape(
    rt: Runtime, *, acting: Acting, plan_id: int, code: str, geometry: shapely.Geometry
) -> None:
    """Give a draft's grid ``code`` a new shape; its neighbours give and take the difference."""

    def reshaped(_: Connection, areas: gpd.GeoDataFrame, __: PlanRecord) -> tuple[Any, None]:
        return edit.reshape_in(areas, code, geometry), None

    _edit(rt, acting, plan_id, "reshape", reshaped)
