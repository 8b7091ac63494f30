"""Planning and committing a boundary load against the store (one transaction)."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from gis.areas import Level
from gis.db import areas as area_sql
from gis.db.engine import transaction
from gis.io import BoundaryFile
from gis.loader import LoadPlan, check_parents, plan_load


def plan(
    conn: Connection, boundary: BoundaryFile, *, level: Level, retire_missing: bool = False
) -> LoadPlan:
    """What loading ``boundary`` at ``level`` would add, change and retire."""
    if level.parent is not None:
        check_parents(boundary.areas, level, area_sql.current_codes(conn, level=level.parent))
    current = area_sql.find_areas(conn, level=level)
    candidates = list(current["code"]) if retire_missing else []
    with_children = area_sql.codes_with_children(conn, codes=candidates) if candidates else set()
    return plan_load(
        boundary.areas,
        current,
        level=level,
        retire_missing=retire_missing,
        with_children=with_children,
    )


def commit(
    engine: Engine, boundary: BoundaryFile, *, level: Level, retire_missing: bool = False
) -> LoadPlan:
    """Plan and apply a load in one transaction: all of it is written, or nothing."""
    with transaction(engine) as conn:
        area_sql.lock_for_load(conn)
        load_plan = plan(conn, boundary, level=level, retire_missing=retire_missing)
        area_sql.retire(conn, codes=load_plan.to_retire)
        area_sql.insert_versions(conn, level=level, areas=load_plan.to_insert)
    return load_plan
