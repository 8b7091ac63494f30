"""Boundaries: load a file of areas (a dry run, or committed at once), read areas and versions.

A load never overwrites: a changed area retires its current version and a new one is inserted,
all in one transaction that also takes the areas write lock (for its writes only, never while it
computes), so two loads (or a load and a plan publish) never interleave.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import geopandas as gpd
import shapely

from gis import clock
from gis.areas import AreaQuery, Level
from gis.db import addresses as address_sql
from gis.db import areas as area_sql
from gis.db import lookup as lookup_sql
from gis.db.engine import Connection
from gis.errors import InvalidInput, NotFound
from gis.identity.access import Acting
from gis.incidents.registry_file import read_addresses
from gis.io import BoundaryFile
from gis.loader import LoadPlan, check_parents, plan_load
from gis.tables import TableOptions
from gis.usecases.runtime import Runtime
from gis.usecases.trail import audited


def _plan(
    conn: Connection, boundary: BoundaryFile, *, level: Level, retire_missing: bool
) -> LoadPlan:
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


def preview_load(
    rt: Runtime, boundary: BoundaryFile, *, level: Level, retire_missing: bool = False
) -> LoadPlan:
    """What loading ``boundary`` at ``level`` would add, change and retire (nothing written)."""
    with rt.read() as conn:
        return _plan(conn, boundary, level=level, retire_missing=retire_missing)


def load(
    rt: Runtime,
    boundary: BoundaryFile,
    *,
    acting: Acting,
    level: Level,
    retire_missing: bool = False,
) -> LoadPlan:
    """Plan and apply a load in one transaction: all of it is written, or nothing.

    The plan is made before the transaction, so that the areas write lock is never held while
    a large file is compared with the store; under the lock it is made again only if the areas
    changed in between (another load or a publish moved the areas version). Every area the
    load adds, changes or retires must lie within the caller's scope (`Forbidden`).
    """
    with rt.read() as conn:
        version = lookup_sql.areas_version(conn)
        plan = _plan(conn, boundary, level=level, retire_missing=retire_missing)
    for code in [*plan.added, *plan.changed, *plan.retired]:
        acting.act(code, f"code: area {code}")
    rows = area_sql.version_rows(level, plan.to_insert)  # before the transaction: see its doc
    with audited(rt, acting.actor, "boundaries.load", f"level:{level.value}") as trail:
        conn = trail.conn
        area_sql.lock_for_load(conn)
        if lookup_sql.areas_version(conn) != version:  # another write came first: plan again
            plan = _plan(conn, boundary, level=level, retire_missing=retire_missing)
            for code in [*plan.added, *plan.changed, *plan.retired]:
                acting.act(code, f"code: area {code}")
            rows = area_sql.version_rows(level, plan.to_insert)
        area_sql.retire(conn, codes=plan.to_retire)
        area_sql.insert_versions(conn, rows=rows)
        trail.detail.update(
            added=len(plan.added), changed=len(plan.changed), retired=len(plan.retired)
        )
    return plan


def find_areas(rt: Runtime, query: AreaQuery) -> gpd.GeoDataFrame:
    """The areas the query asks for, ordered by level and code."""
    with rt.read() as conn:
        return area_sql.find_areas(conn, **vars(query))


def count_areas(rt: Runtime, query: AreaQuery) -> int:
    """How many areas the query matches, ``limit`` and ``offset`` aside."""
    asked = {k: v for k, v in vars(query).items() if k not in ("limit", "offset")}
    with rt.read() as conn:
        return area_sql.count_areas(conn, **asked)


def get_area(rt: Runtime, code: str, *, as_of: datetime | None = None) -> gpd.GeoDataFrame:
    """One area (a one-row frame) valid at ``as_of`` (default: current), or `NotFound`."""
    found = find_areas(rt, AreaQuery(codes=[code], as_of=as_of))
    if found.empty:
        when = f" valid at {clock.iso(as_of)}" if as_of else ""
        raise NotFound(f"code: no area {code!r}{when}")
    return found


def area_shape(rt: Runtime, code: str, *, field: str = "parent") -> shapely.Geometry:
    """The current polygon of a stored area (`NotFound` naming ``field`` when there is none)."""
    found = find_areas(rt, AreaQuery(codes=[code]))
    if found.empty:
        raise NotFound(f"{field}: no area {code!r}")
    return found.geometry.iloc[0]


def history(rt: Runtime, code: str) -> gpd.GeoDataFrame:
    """Every version of one area, oldest first (`NotFound` when there is none)."""
    with rt.read() as conn:
        found = area_sql.history(conn, code=code)
    if found.empty:
        raise NotFound(f"code: no area {code!r}")
    return found


def children(rt: Runtime, code: str) -> gpd.GeoDataFrame:
    """The current areas directly under ``code``."""
    return find_areas(rt, AreaQuery(parent=code))


def export_areas(
    rt: Runtime, *, level: Level, scope: str | None = None, as_of: datetime | None = None
) -> gpd.GeoDataFrame:
    """Areas of one level to write to a file (`InvalidInput` when there are none)."""
    found = find_areas(rt, AreaQuery(level=level, scope=scope, as_of=as_of))
    if found.empty:
        raise InvalidInput(
            f"scope: no {level.value} areas found" + (f" under {scope}" if scope else "")
        )
    return found


def import_addresses(
    rt: Runtime,
    path: Path,
    *,
    acting: Acting,
    crs: str | None = None,
    options: TableOptions | None = None,
) -> int:
    """Add or update standard addresses from a file (matched on their normalised form).

    ``options`` say how a table (.csv, .xlsx) is read: its encoding, sheet, coordinate columns.
    """
    rows = read_addresses(path, crs=crs, options=options)
    with audited(rt, acting.actor, "addresses.import", f"file:{path.name}") as trail:
        count = address_sql.upsert_addresses(trail.conn, rows=rows)
        trail.detail.update(rows=count)
    return count
