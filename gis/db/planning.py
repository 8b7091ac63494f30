"""The planner's workflow against the store: create a plan, edit it, check, diff, publish, revert.

Every write is one transaction. Publishing is optimistic: a plan remembers the version of its
scope it was drawn from, and is refused when the scope has changed since (another publish or a
load), so two planners publishing on one scope cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine

from gis import edit
from gis.areas import Level, parse_level
from gis.checks import CheckConfig, Finding, check_areas, findings_to_json, has_errors
from gis.db import areas as area_sql
from gis.db import incidents as incident_sql
from gis.db import plans as plan_sql
from gis.db.engine import transaction
from gis.diff import AreaDiff, diff_areas, regridded
from gis.errors import Conflict, InvalidInput, NotFound
from gis.geometry import area_m2
from gis.incidents.lifecycle import OPEN
from gis.numbering import sequence_codes

COLUMNS = ["code", "name", "households", "population", "attributes", "geometry"]


@dataclass(frozen=True)
class Scope:
    """The area whose children a plan redraws."""

    code: str
    level: Level  # the level of the plan's areas (one below the scope's)
    geometry: shapely.Geometry


def scope_of(conn: Connection, scope_code: str) -> Scope:
    """The current scope area; plans redraw its children (a community's grids, …)."""
    found = area_sql.find_areas(conn, codes=[scope_code])
    if found.empty:
        raise NotFound(f"scope: no current area {scope_code!r}")
    level = parse_level(found["level"].iloc[0])
    child = {Level.SUBDISTRICT: Level.COMMUNITY, Level.COMMUNITY: Level.GRID}.get(level)
    if child is None:
        raise InvalidInput(
            f"scope: {scope_code} is a {level.value}; plans redraw the grids of a "
            "community or the communities of a subdistrict"
        )
    return Scope(scope_code, child, found.geometry.iloc[0])


def _check_in_scope(areas: gpd.GeoDataFrame, scope: Scope) -> None:
    for position, (code, geometry) in enumerate(zip(areas["code"], areas.geometry, strict=True)):
        label = f"feature {position + 1} (code {code})"
        if not str(code).startswith(scope.code):
            raise InvalidInput(f"{label}: field code: not in scope {scope.code}")
        if (
            geometry is not None
            and not geometry.is_empty
            and not shapely.intersects(shapely.make_valid(geometry), scope.geometry)
        ):
            raise InvalidInput(f"{label}: field geometry: entirely outside scope {scope.code}")


def create_plan(
    engine: Engine, *, scope_code: str, areas: gpd.GeoDataFrame | None = None, note: str = ""
) -> int:
    """A draft plan for the scope: from ``areas`` (a planner's file), or a copy of the current."""
    with transaction(engine) as conn:
        return _create(conn, scope_code=scope_code, areas=areas, note=note)


def _create(conn: Connection, *, scope_code: str, areas: gpd.GeoDataFrame | None, note: str) -> int:
    scope = scope_of(conn, scope_code)
    if areas is None:
        areas = area_sql.find_areas(conn, level=scope.level, parent=scope.code)[COLUMNS]
    _check_in_scope(areas, scope)
    version = plan_sql.scope_version(conn, scope_code=scope.code, level=scope.level.value)
    plan_id = plan_sql.insert_plan(
        conn, scope_code=scope.code, level=scope.level.value, base_version=version, note=note
    )
    plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)
    return plan_id


def _draft(conn: Connection, plan_id: int) -> plan_sql.PlanRecord:
    plan = plan_sql.get_plan(conn, plan_id=plan_id, for_update=True)
    if plan.status != "draft":
        raise Conflict(f"plan: plan {plan_id} is {plan.status}; only drafts can change")
    return plan


def _row(areas: gpd.GeoDataFrame, code: str) -> int:
    hits = np.flatnonzero(areas["code"].to_numpy() == code)
    if hits.size == 0:
        raise NotFound(f"code: the plan has no area {code!r}")
    return int(hits[0])


def _share(households: object, part: float, whole: float) -> int | None:
    if households is None or households != households or not whole:  # None or NaN
        return None
    return round(float(households) * part / whole)  # type: ignore[arg-type]


def split(engine: Engine, *, plan_id: int, code: str, line: shapely.Geometry) -> str:
    """Split one area of a draft along ``line``; returns the new area's code."""
    with transaction(engine) as conn:
        plan = _draft(conn, plan_id)
        areas = plan_sql.plan_areas(conn, plan_id=plan_id)
        i = _row(areas, code)
        kept, cut = edit.split_area(areas.geometry.iloc[i], line)
        kept_m2, cut_m2 = area_m2([kept, cut])
        new_code = edit.next_code(plan.scope_code, list(areas["code"]))
        households = areas.at[i, "households"]
        new = areas.iloc[[i]].copy()
        new[["code", "name"]] = [new_code, f"{areas.at[i, 'name']}（拆分）"]
        new["households"] = _share(households, cut_m2, kept_m2 + cut_m2)
        areas.at[i, "households"] = _share(households, kept_m2, kept_m2 + cut_m2)
        areas.loc[i, "geometry"] = kept
        new = new.set_geometry([cut], crs=4326)
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=gpd.pd.concat([areas, new]))
    return new_code


def merge(engine: Engine, *, plan_id: int, codes: list[str]) -> None:
    """Merge adjacent areas of a draft into the first code given."""
    with transaction(engine) as conn:
        _draft(conn, plan_id)
        areas = plan_sql.plan_areas(conn, plan_id=plan_id)
        rows = [_row(areas, code) for code in codes]
        merged = edit.merge_areas([areas.geometry.iloc[i] for i in rows], codes)
        households = areas.loc[rows, "households"]
        keep = rows[0]
        areas.loc[keep, "geometry"] = merged
        areas.at[keep, "households"] = None if households.isna().any() else int(households.sum())
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas.drop(index=rows[1:]))


def move(
    engine: Engine, *, plan_id: int, source: str, target: str, piece: shapely.Geometry
) -> None:
    """Move the part of ``source`` inside ``piece`` to the neighbouring ``target``."""
    with transaction(engine) as conn:
        _draft(conn, plan_id)
        areas = plan_sql.plan_areas(conn, plan_id=plan_id)
        i, j = _row(areas, source), _row(areas, target)
        before_m2 = area_m2([areas.geometry.iloc[i]])[0]
        rest, grown = edit.move_piece(areas.geometry.iloc[i], areas.geometry.iloc[j], piece)
        moved = _share(areas.at[i, "households"], before_m2 - area_m2([rest])[0], before_m2)
        areas.loc[i, "geometry"], areas.loc[j, "geometry"] = rest, grown
        if moved is not None:
            areas.at[i, "households"] = int(areas.at[i, "households"]) - moved
            if areas.at[j, "households"] == areas.at[j, "households"]:
                areas.at[j, "households"] = int(areas.at[j, "households"]) + moved
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)


def renumber(engine: Engine, *, plan_id: int) -> dict[str, str]:
    """Renumber a draft's areas west→east, north→south; returns old code → new code."""
    with transaction(engine) as conn:
        plan = _draft(conn, plan_id)
        areas = plan_sql.plan_areas(conn, plan_id=plan_id)
        valid = [
            shapely.make_valid(g) if g is not None else shapely.Point() for g in areas.geometry
        ]
        codes = sequence_codes(plan.scope_code, valid)
        mapping = dict(zip(areas["code"], codes, strict=True))
        areas["name"] = [edit.renamed(n, c) for n, c in zip(areas["name"], codes, strict=True)]
        areas["code"] = codes
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)
    return mapping


def check_plan(
    conn: Connection, *, plan_id: int, config: CheckConfig | None = None
) -> list[Finding]:
    """All the boundary rules on a plan, against its scope."""
    plan = plan_sql.get_plan(conn, plan_id=plan_id)
    scope = scope_of(conn, plan.scope_code)
    areas = plan_sql.plan_areas(conn, plan_id=plan_id)
    config = config or CheckConfig.for_level(scope.level)
    return check_areas(
        areas, level=scope.level, parent=scope.geometry, parent_code=scope.code, config=config
    )


def diff_plan(conn: Connection, *, plan_id: int) -> AreaDiff:
    """What publishing the plan would change, against the scope's current areas."""
    plan = plan_sql.get_plan(conn, plan_id=plan_id)
    level = parse_level(plan.level)
    current = area_sql.find_areas(conn, level=level, parent=plan.scope_code)
    proposed = plan_sql.plan_areas(conn, plan_id=plan_id)
    proposed = proposed[proposed.geometry.notna()].copy()
    proposed["geometry"] = [shapely.make_valid(g) for g in proposed.geometry]
    diff = diff_areas(current, proposed)
    open_here = pd.DataFrame(
        incident_sql.list_incidents(
            conn, status=sorted(OPEN), scope=plan.scope_code, limit=1_000_000
        )
    )
    if not open_here.empty:
        open_here = open_here[open_here["lon"].notna()][
            ["id", "category", "status", "lon", "lat", "grid_code"]
        ]
    diff.incidents = regridded(open_here, proposed)
    return diff


def publish(
    engine: Engine, *, plan_id: int, force: bool = False, reason: str | None = None
) -> dict[str, Any]:
    """Make the plan's areas the current ones of its scope, atomically; returns the check summary.

    Refused while the checks find errors (unless ``force`` with a ``reason``), when the plan is
    not a draft, and when the scope changed since the plan was made (another publish or a load:
    both take the areas write lock first, so the check and the write see the same rows).
    """
    if force and not (reason and reason.strip()):
        raise InvalidInput("--reason: an override needs a reason")
    with transaction(engine) as conn:
        return _publish(conn, plan_id=plan_id, force=force, reason=reason)


def _publish(conn: Connection, *, plan_id: int, force: bool, reason: str | None) -> dict[str, Any]:
    area_sql.lock_for_load(conn)
    plan = _draft(conn, plan_id)
    plan_sql.lock_scope(conn, scope_code=plan.scope_code)
    now = plan_sql.scope_version(conn, scope_code=plan.scope_code, level=plan.level)
    if now != plan.base_version:
        raise Conflict(
            f"plan: scope {plan.scope_code} changed since plan {plan_id} was made; "
            "make a new plan from the current boundaries"
        )
    findings = check_plan(conn, plan_id=plan_id)
    summary = findings_to_json(findings)["summary"]
    if has_errors(findings) and not force:
        rules = ", ".join(sorted({f.rule for f in findings if f.severity == "error"}))
        raise Conflict(
            f"plan: plan {plan_id} has {summary['errors']} errors ({rules}); fix "
            "them, or publish with --force --reason"
        )
    proposed = plan_sql.plan_areas(conn, plan_id=plan_id)
    shapeless = proposed.loc[proposed.geometry.isna(), "code"].tolist()
    if shapeless:
        raise InvalidInput(
            f"plan: {', '.join(shapeless)} have no polygon; even --force cannot "
            "publish an area without a boundary"
        )
    level = parse_level(plan.level)
    current = area_sql.find_areas(conn, level=level, scope=plan.scope_code)
    area_sql.retire(conn, codes=list(current["code"]))
    area_sql.insert_versions(conn, level=level, areas=proposed)
    plan_sql.mark_published(
        conn, plan_id=plan_id, override_reason=reason if force else None, check_summary=summary
    )
    return summary


def revert(engine: Engine, *, scope_code: str, note: str = "") -> int:
    """Publish the scope's previous version again, as a new version; returns the new plan id.

    One transaction: if the previous version cannot be published, no plan is left behind.
    """
    with transaction(engine) as conn:
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
        return plan_id
