"""The planner's workflow: create a plan, edit it, check, diff, publish, revert.

Every write is one transaction. Publishing is optimistic: a plan remembers the version of its
scope it was drawn from, and is refused when the scope has changed since (another publish or a
load), so two planners publishing on one scope cannot both win.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis import edit
from gis.areas import Level, parse_level
from gis.checks import CheckConfig, Finding, check_areas, findings_to_json, has_errors
from gis.db import areas as area_sql
from gis.db import incidents as incident_sql
from gis.db import plans as plan_sql
from gis.db.engine import Connection
from gis.diff import AreaDiff, diff_areas, regridded
from gis.errors import Conflict, InvalidInput, NotFound
from gis.incidents.lifecycle import OPEN
from gis.incidents.records import IncidentQuery
from gis.limits import Deadline
from gis.loader import plan_load
from gis.plans import COLUMNS, PlanRecord, Scope, check_in_scope
from gis.usecases import boundaries
from gis.usecases.runtime import Runtime

CHILD = {Level.SUBDISTRICT: Level.COMMUNITY, Level.COMMUNITY: Level.GRID}


def scope_of(conn: Connection, scope_code: str) -> Scope:
    """The current scope area; plans redraw its children (a community's grids, …)."""
    found = area_sql.find_areas(conn, codes=[scope_code])
    if found.empty:
        raise NotFound(f"scope: no current area {scope_code!r}")
    level = parse_level(found["level"].iloc[0])
    child = CHILD.get(level)
    if child is None:
        raise InvalidInput(
            f"scope: {scope_code} is a {level.value}; plans redraw the grids of a "
            "community or the communities of a subdistrict"
        )
    return Scope(scope_code, child, found.geometry.iloc[0])


def create_plan(
    rt: Runtime, *, scope_code: str, areas: gpd.GeoDataFrame | None = None, note: str = ""
) -> PlanRecord:
    """A draft plan for the scope: from ``areas`` (a planner's file), or a copy of the current."""
    with rt.write() as conn:
        plan_id = _create(conn, scope_code=scope_code, areas=areas, note=note)
        return plan_sql.get_plan(conn, plan_id=plan_id)


def _create(conn: Connection, *, scope_code: str, areas: gpd.GeoDataFrame | None, note: str) -> int:
    scope = scope_of(conn, scope_code)
    if areas is None:
        areas = area_sql.find_areas(conn, level=scope.level, parent=scope.code)[COLUMNS]
    check_in_scope(areas, scope)
    version = plan_sql.scope_version(conn, scope_code=scope.code, level=scope.level.value)
    plan_id = plan_sql.insert_plan(
        conn, scope_code=scope.code, level=scope.level.value, base_version=version, note=note
    )
    plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)
    return plan_id


def list_plans(rt: Runtime, *, scope: str | None = None) -> list[PlanRecord]:
    """Plans, newest first, optionally of one scope."""
    with rt.read() as conn:
        return plan_sql.find_plans(conn, scope=scope)


def get_plan(rt: Runtime, plan_id: int) -> tuple[PlanRecord, gpd.GeoDataFrame]:
    """A plan and its areas (those without a polygon left out)."""
    with rt.read() as conn:
        plan = plan_sql.get_plan(conn, plan_id=plan_id)
        areas = plan_sql.plan_areas(conn, plan_id=plan_id)
    return plan, areas[areas.geometry.notna()]


def _draft(conn: Connection, plan_id: int) -> PlanRecord:
    plan = plan_sql.get_plan(conn, plan_id=plan_id, for_update=True)
    if plan.status != "draft":
        raise Conflict(f"plan: plan {plan_id} is {plan.status}; only drafts can change")
    return plan


Edit = Callable[[gpd.GeoDataFrame, PlanRecord], tuple[gpd.GeoDataFrame, Any]]


def _edit(rt: Runtime, plan_id: int, change: Edit) -> Any:
    """Apply a pure edit to a draft's areas in one transaction; returns what the edit returns."""
    with rt.write() as conn:
        plan = _draft(conn, plan_id)
        areas, answer = change(plan_sql.plan_areas(conn, plan_id=plan_id), plan)
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)
    return answer


def split(rt: Runtime, *, plan_id: int, code: str, line: shapely.Geometry) -> str:
    """Split one area of a draft along ``line``; returns the new area's code."""
    new_code: str = _edit(
        rt, plan_id, lambda areas, plan: edit.split_in(areas, code, line, plan.scope_code)
    )
    return new_code


def merge(rt: Runtime, *, plan_id: int, codes: list[str]) -> None:
    """Merge adjacent areas of a draft into the first code given."""
    _edit(rt, plan_id, lambda areas, _: (edit.merge_in(areas, codes), None))


def move(rt: Runtime, *, plan_id: int, source: str, target: str, piece: shapely.Geometry) -> None:
    """Move the part of ``source`` inside ``piece`` to the neighbouring ``target``."""
    _edit(rt, plan_id, lambda areas, _: (edit.move_in(areas, source, target, piece), None))


def renumber(rt: Runtime, *, plan_id: int) -> dict[str, str]:
    """Renumber a draft's areas west→east, north→south; returns old code → new code."""
    mapping: dict[str, str] = _edit(
        rt, plan_id, lambda areas, plan: edit.renumber_in(areas, plan.scope_code)
    )
    return mapping


def _check(conn: Connection, plan: PlanRecord, config: CheckConfig | None = None) -> list[Finding]:
    scope = scope_of(conn, plan.scope_code)
    areas = plan_sql.plan_areas(conn, plan_id=plan.id)
    config = config or CheckConfig.for_level(scope.level)
    return check_areas(
        areas, level=scope.level, parent=scope.geometry, parent_code=scope.code, config=config
    )


def check_plan(rt: Runtime, plan_id: int) -> list[Finding]:
    """All the boundary rules on a plan, against its scope."""
    with rt.read() as conn:
        return _check(conn, plan_sql.get_plan(conn, plan_id=plan_id))


def _diff(conn: Connection, plan: PlanRecord) -> AreaDiff:
    current = area_sql.find_areas(conn, level=parse_level(plan.level), parent=plan.scope_code)
    proposed = plan_sql.plan_areas(conn, plan_id=plan.id)
    proposed = proposed[proposed.geometry.notna()].copy()
    proposed["geometry"] = [shapely.make_valid(g) for g in proposed.geometry]
    diff = diff_areas(current, proposed)
    query = IncidentQuery(status=sorted(OPEN), scope=plan.scope_code, limit=1_000_000)
    found = incident_sql.list_incidents(conn, query)
    open_here = pd.DataFrame(
        [(i.id, i.category, i.status, i.lon, i.lat, i.grid_code) for i in found if i.located],
        columns=["id", "category", "status", "lon", "lat", "grid_code"],
    )
    diff.incidents = regridded(open_here, proposed)
    return diff


def diff_plan(rt: Runtime, plan_id: int) -> AreaDiff:
    """What publishing the plan would change, against the scope's current areas."""
    with rt.read() as conn:
        return _diff(conn, plan_sql.get_plan(conn, plan_id=plan_id))


@dataclass(frozen=True)
class PlanReview:
    """What a planner looks at: the plan, the current and proposed areas, findings, the diff."""

    plan: PlanRecord
    current: gpd.GeoDataFrame
    proposed: gpd.GeoDataFrame
    findings: list[Finding]
    diff: AreaDiff


def review(rt: Runtime, plan_id: int) -> PlanReview:
    """The plan with its findings and diff, read from one connection."""
    with rt.read() as conn:
        plan = plan_sql.get_plan(conn, plan_id=plan_id)
        current = area_sql.find_areas(conn, level=parse_level(plan.level), parent=plan.scope_code)
        proposed = plan_sql.plan_areas(conn, plan_id=plan_id)
        findings = _check(conn, plan)
        diff = _diff(conn, plan)
    return PlanReview(plan, current, proposed[proposed.geometry.notna()], findings, diff)


def publish(
    rt: Runtime, *, plan_id: int, force: bool = False, reason: str | None = None
) -> PlanRecord:
    """Make the plan's areas the current ones of its scope, atomically.

    Refused while the checks find errors (unless ``force`` with a ``reason``), when the plan is
    not a draft, and when the scope changed since the plan was made (another publish or a load:
    both take the areas write lock first, so the check and the write see the same rows).
    Returns the published plan (its ``check_summary`` says what the checks found).
    """
    if force and not (reason and reason.strip()):
        raise InvalidInput("reason: an override (force) needs a reason")
    with rt.write() as conn:
        _publish(conn, plan_id=plan_id, force=force, reason=reason)
        return plan_sql.get_plan(conn, plan_id=plan_id)


def _publish(conn: Connection, *, plan_id: int, force: bool, reason: str | None) -> None:
    area_sql.lock_for_load(conn)
    plan = _draft(conn, plan_id)
    plan_sql.lock_scope(conn, scope_code=plan.scope_code)
    now = plan_sql.scope_version(conn, scope_code=plan.scope_code, level=plan.level)
    if now != plan.base_version:
        raise Conflict(
            f"plan: scope {plan.scope_code} changed since plan {plan_id} was made; "
            "make a new plan from the current boundaries"
        )
    findings = _check(conn, plan)
    summary = findings_to_json(findings)["summary"]
    if has_errors(findings) and not force:
        rules = ", ".join(sorted({f.rule for f in findings if f.severity == "error"}))
        raise Conflict(
            f"plan: plan {plan_id} has {summary['errors']} errors ({rules}); fix "
            "them, or publish with force and a reason"
        )
    proposed = plan_sql.plan_areas(conn, plan_id=plan_id)
    shapeless = proposed.loc[proposed.geometry.isna(), "code"].tolist()
    if shapeless:
        raise InvalidInput(
            f"plan: {', '.join(shapeless)} have no polygon; even a forced publish cannot "
            "publish an area without a boundary"
        )
    level = parse_level(plan.level)
    current = area_sql.find_areas(conn, level=level, scope=plan.scope_code)
    # an area the plan leaves as it is keeps its row (and its history); changed ones get a new
    # version, dropped ones are retired
    changes = plan_load(proposed, current, level=level)
    dropped = sorted(set(current["code"]) - set(proposed["code"]))
    area_sql.retire(conn, codes=[*changes.changed, *dropped])
    area_sql.insert_versions(conn, level=level, areas=changes.to_insert)
    plan_sql.mark_published(
        conn, plan_id=plan_id, override_reason=reason if force else None, check_summary=summary
    )


def revert(rt: Runtime, *, scope_code: str, note: str = "") -> PlanRecord:
    """Publish the scope's previous version again, as a new version; returns the new plan.

    One transaction: if the previous version cannot be published, no plan is left behind.
    """
    with rt.write() as conn:
        scope = scope_of(conn, scope_code)
        current = area_sql.find_areas(conn, level=scope.level, parent=scope.code)
        if current.empty:
            raise NotFound(f"scope: {scope_code} has no {scope.level.value} areas")
        latest = current["valid_from"].max()
        previous = area_sql.find_areas(
            conn, level=scope.level, parent=scope.code, as_of=latest - timedelta(microseconds=1)
        )
        if previous.empty:
            raise Conflict(f"scope: {scope_code} has no earlier version to revert to")
        plan_id = _create(
            conn,
            scope_code=scope_code,
            areas=previous[COLUMNS],
            note=note or f"revert to the version before {latest.isoformat()}",
        )
        _publish(conn, plan_id=plan_id, force=False, reason=None)
        return plan_sql.get_plan(conn, plan_id=plan_id)


def check_file(
    rt: Runtime,
    areas: gpd.GeoDataFrame,
    *,
    level: Level,
    parent: str | None = None,
    config: CheckConfig | None = None,
    deadline: Deadline | None = None,
) -> list[Finding]:
    """The boundary rules on areas read from a file, inside a stored parent area if given.

    With a ``deadline`` the check stops (`TimeLimitExceeded`) once it passes or is stopped.
    """
    polygon = boundaries.area_shape(rt, parent) if parent is not None else None
    return check_areas(
        areas,
        level=level,
        parent=polygon,
        parent_code=parent,
        config=config or CheckConfig.for_level(level),
        deadline=deadline,
    )
