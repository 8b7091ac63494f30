"""What the planner's workbench reads besides the plan: the band, context, and who may publish.

The edits themselves are `gis.usecases.planning`'s; this module answers the editor page's own
questions from one read connection each.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from gis.areas import AreaQuery, Level
from gis.checks import CheckConfig
from gis.crs import STORAGE_CRS
from gis.db import addresses as address_sql
from gis.db import plans as plan_sql
from gis.identity.access import Acting
from gis.plans import PlanRecord
from gis.usecases import boundaries, planning
from gis.usecases.runtime import Runtime

CONTEXT_MARGIN_DEG = 0.002
"""How far around the plan's grids the context reaches (about 200 m)."""


@dataclass(frozen=True)
class EditorFacts:
    """The plan an editor page opens, its household band, and whether the caller may publish."""

    plan: PlanRecord
    households_min: int | None
    households_max: int | None
    may_publish: bool


def editor_facts(rt: Runtime, plan_id: int, *, acting: Acting) -> EditorFacts:
    """The plan (`OutOfScope` outside the caller's areas), its band and the publish right."""
    with rt.read() as conn:
        plan = plan_sql.get_plan(conn, plan_id=plan_id)
    acting.see(plan.scope_code, f"plan: no plan {plan_id}")
    config = CheckConfig.for_level(Level(plan.level))
    return EditorFacts(
        plan,
        config.households_min,
        config.households_max,
        acting.may("plans:publish", plan.scope_code),
    )


def context(rt: Runtime, plan_id: int, *, acting: Acting) -> gpd.GeoDataFrame:
    """The registry's address points around a plan's grids: households and position (4326)."""
    with rt.read() as conn:
        plan = plan_sql.get_plan(conn, plan_id=plan_id)
        acting.see(plan.scope_code, f"plan: no plan {plan_id}")
        areas = plan_sql.plan_areas(conn, plan_id=plan_id)
        shaped = areas[areas.geometry.notna()]
        if shaped.empty:
            return gpd.GeoDataFrame({"households": []}, geometry=[], crs=STORAGE_CRS)
        west, south, east, north = shaped.total_bounds
        m = CONTEXT_MARGIN_DEG
        found = address_sql.households_in(conn, bounds=(west - m, south - m, east + m, north + m))
    return gpd.GeoDataFrame(
        {"households": found["households"]},
        geometry=gpd.points_from_xy(found["lon"], found["lat"]),
        crs=STORAGE_CRS,
    )


@dataclass(frozen=True)
class PlanIndex:
    """The plans a caller sees (newest first) and the areas it may start a draft for.

    ``scopes``: ``(code, name)`` of the current communities and subdistricts where the caller
    holds ``plans:write``.
    """

    plans: list[PlanRecord]
    scopes: list[tuple[str, str]]


def plan_index(rt: Runtime, *, acting: Acting) -> PlanIndex:
    """What the plans page lists: the caller's plans, and where it may draw a new one."""
    found = planning.list_plans(rt, acting=acting)
    scopes: list[tuple[str, str]] = []
    for level in (Level.SUBDISTRICT, Level.COMMUNITY):
        areas = boundaries.find_areas(rt, AreaQuery(level=level))
        scopes += [
            (str(code), str(name))
            for code, name in zip(areas["code"], areas["name"], strict=True)
            if acting.may("plans:write", str(code))
        ]
    return PlanIndex(found, scopes)
