"""The planner's workflow: create a plan, check, diff, publish, revert (edits: `plan_edits`).

Every write is one transaction. Publishing is optimistic: a plan remembers the version of its
scope it was drawn from, and is refused when the scope has changed since (another publish or a
load), so two planners publishing on one scope cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis import clock, edit
from gis.areas import Level, parse_level
from gis.checks import CheckConfig, Finding, check_areas, findings_to_json, has_errors
from gis.db import addresses as address_sql
from gis.db import areas as area_sql
from gis.db import incidents as incident_sql
from gis.db import plans as plan_sql
from gis.db.engine import Connection
from gis.diff import AreaDiff, diff_areas, json_records, plan_households, regridded
from gis.errors import Conflict, InvalidInput, NotFound
from gis.geometry import area_m2
from gis.identity.access import Acting
from gis.incidents.lifecycle import OPEN
from gis.incidents.records import IncidentQuery
from gis.limits import Deadline
from gis.loader import LoadPlan, plan_load, same_area
from gis.numbering import kept_codes
from gis.plans import COLUMNS, PlanRecord, Scope, check_in_scope
from gis.usecases import boundaries, dispatch
from gis.usecases.runtime import Runtime
from gis.usecases.trail import audited, refusals

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
    households = found["households"].iloc[0]
    known = None if pd.isna(households) else int(households)
    return Scope(scope_code, child, found.geometry.iloc[0], known)


def with_households(conn: Connection, scope: Scope, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``areas`` with ``households`` and ``households_source`` from the standard-address registry.

    What the registry does not explain is shared by area from the current areas of the scope
    (from the scope itself when it has none); see `gis.diff.plan_households`. A file's own
    figures are never used.
    """
    current = area_sql.find_areas(conn, level=scope.level, parent=scope.code)
    reference = current if not current.empty else scope.as_frame()
    addresses = address_sql.households_in(conn, bounds=bounds_of(reference, areas))
    return plan_households(reference, areas, addresses)


def bounds_of(*frames: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the shapes of ``frames`` (zeros when there are none)."""
    shapes = [g for frame in frames for g in frame.geometry if g is not None and not g.is_empty]
    west, south, east, north = shapely.total_bounds(shapes) if shapes else (0.0, 0.0, 0.0, 0.0)
    return float(west), float(south), float(east), float(north)


def _plan_areas(conn: Connection, plan: PlanRecord) -> gpd.GeoDataFrame:
    """A plan's areas with their households from the registry (`with_households`)."""
    areas = plan_sql.plan_areas(conn, plan_id=plan.id)
    return with_households(conn, scope_of(conn, plan.scope_code), areas)


def create_plan(
    rt: Runtime,
    *,
    acting: Acting,
    scope_code: str,
    areas: gpd.GeoDataFrame | None = None,
    note: str = "",
) -> PlanRecord:
    """A draft plan for the scope: from ``areas`` (a planner's file), or a copy of the current.

    The scope must lie within the caller's areas (`Forbidden` otherwise).
    """
    target = f"scope:{scope_code}"
    with refusals(rt, acting.actor, "plans.create", target), rt.read() as conn:
        acting.act(scope_code, f"scope: {scope_code}")
        draft = _drafted(conn, scope_code=scope_code, areas=areas)  # before the transaction
    with audited(rt, acting.actor, "plans.create", target) as trail:
        plan_id = _insert(trail.conn, draft, note=note)
        trail.target = f"plan:{plan_id}"
        trail.detail.update(scope=scope_code, areas=len(draft.areas))
        return plan_sql.get_plan(trail.conn, plan_id=plan_id)


@dataclass(frozen=True)
class _Draft:
    """A new plan's areas (checked in scope, households from the registry) and base version."""

    scope: Scope
    areas: gpd.GeoDataFrame
    version: str


def _drafted(conn: Connection, *, scope_code: str, areas: gpd.GeoDataFrame | None) -> _Draft:
    scope = scope_of(conn, scope_code)
    if areas is None:
        areas = area_sql.find_areas(conn, level=scope.level, parent=scope.code)[COLUMNS]
    check_in_scope(areas, scope)
    areas = with_households(conn, scope, areas)
    version = plan_sql.scope_version(conn, scope_code=scope.code, level=scope.level.value)
    return _Draft(scope, areas, version)


def _insert(conn: Connection, draft: _Draft, *, note: str) -> int:
    scope = draft.scope
    plan_id = plan_sql.insert_plan(
        conn, scope_code=scope.code, level=scope.level.value, base_version=draft.version, note=note
    )
    plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=draft.areas)
    return plan_id


def _create(conn: Connection, *, scope_code: str, areas: gpd.GeoDataFrame | None, note: str) -> int:
    """Make a plan within the caller's transaction (`revert`)."""
    return _insert(conn, _drafted(conn, scope_code=scope_code, areas=areas), note=note)


PLAN_STATUSES = ("draft", "submitted", "published")
"""What a plan's status may be (a submitted plan waits to be published or sent back)."""

EDITABLE = ("draft",)
"""The statuses in which a plan's areas may change."""
PUBLISHABLE = ("draft", "submitted")
"""The statuses from which a plan may be published."""


def list_plans(
    rt: Runtime, *, acting: Acting, scope: str | None = None, status: str | None = None
) -> list[PlanRecord]:
    """Plans within the caller's areas, newest first, optionally of one scope and status."""
    if status is not None and status not in PLAN_STATUSES:
        raise InvalidInput(f"status: {status!r} is not one of {', '.join(PLAN_STATUSES)}")
    with rt.read() as conn:
        found = plan_sql.find_plans(conn, scope=scope, status=status)
    return [plan for plan in found if acting.covers(plan.scope_code)]


def delete_plan(rt: Runtime, *, acting: Acting, plan_id: int) -> None:
    """Discard a draft (a published plan is history and stays: `Conflict`)."""
    with audited(rt, acting.actor, "plans.delete", f"plan:{plan_id}") as trail:
        plan = writable(trail.conn, plan_id, acting)
        plan_sql.delete_plan(trail.conn, plan_id=plan_id)
        trail.detail.update(scope=plan.scope_code)


@dataclass(frozen=True)
class Workbench:
    """A draft as its editor shows it: the plan, its areas, and what the checks find.

    The areas carry their households and their area in m² (``area_m2``).
    """

    plan: PlanRecord
    areas: gpd.GeoDataFrame
    findings: list[Finding]


def workbench(rt: Runtime, plan_id: int, *, acting: Acting) -> Workbench:
    """The plan, its areas with households and area, and the findings, from one connection."""
    with rt.read() as conn:
        plan = readable(conn, plan_id, acting)
        # the households as the last edit stored them (an edit computes them; not again here)
        areas = plan_sql.plan_areas(conn, plan_id=plan.id)
        findings = _check(conn, plan, areas=areas)
    shaped = areas[areas.geometry.notna()]
    return Workbench(plan, shaped.assign(area_m2=area_m2(shaped.geometry.to_numpy())), findings)


def readable(conn: Connection, plan_id: int, acting: Acting) -> PlanRecord:
    """A plan the caller may see (`OutOfScope`, a 404, for one outside its areas)."""
    plan = plan_sql.get_plan(conn, plan_id=plan_id)
    acting.see(plan.scope_code, f"plan: no plan {plan_id}")  # as the store says it
    return plan


def writable(
    conn: Connection, plan_id: int, acting: Acting, statuses: tuple[str, ...] = EDITABLE
) -> PlanRecord:
    """A draft (a plan of ``statuses``) the caller may change, locked.

    `Forbidden` for one outside the caller's areas, `Conflict` for one of another status.
    """
    plan = plan_sql.get_plan(conn, plan_id=plan_id)
    acting.act(plan.scope_code, f"plan {plan_id} (scope {plan.scope_code})")
    return _draft(conn, plan_id, statuses)


def get_plan(rt: Runtime, plan_id: int, *, acting: Acting) -> tuple[PlanRecord, gpd.GeoDataFrame]:
    """A plan and its areas (those without a polygon left out)."""
    with rt.read() as conn:
        plan = readable(conn, plan_id, acting)
        areas = _plan_areas(conn, plan)
    return plan, areas[areas.geometry.notna()]


def _draft(conn: Connection, plan_id: int, statuses: tuple[str, ...] = EDITABLE) -> PlanRecord:
    plan = plan_sql.get_plan(conn, plan_id=plan_id, for_update=True)
    if plan.status == "submitted" and plan.status not in statuses:
        raise Conflict(f"plan: plan {plan_id} is submitted for publishing; send it back to edit")
    if plan.status not in statuses:
        raise Conflict(f"plan: plan {plan_id} is {plan.status}; only drafts can change")
    return plan


@dataclass(frozen=True)
class Renumbering:
    """What a renumber did: (old, new) code per area, and the incidents whose grid code changes.

    ``incidents`` (``id``, ``category``, ``status``, ``grid_code``, ``new_grid_code``) are every
    located incident of the scope, open or closed, whose grid code differs under the renumbered
    plan (where it lies now).
    """

    codes: list[tuple[str, str]]
    incidents: pd.DataFrame

    @property
    def changed(self) -> list[tuple[str, str]]:
        """The (old, new) pairs that differ."""
        return [(old, new) for old, new in self.codes if old != new]

    def to_json(self) -> dict[str, object]:
        """Plain JSON: the codes that changed and the incidents whose grid code changes."""
        return {
            "changed": [{"code": old, "new_code": new} for old, new in self.changed],
            "incidents": json_records(self.incidents),
        }


def renumber(rt: Runtime, *, acting: Acting, plan_id: int, everything: bool = False) -> Renumbering:
    """Give a draft's new areas the next free codes; with ``everything``, renumber them all.

    By default an area keeps the code of the current area it continues (`kept_codes`): incidents,
    statistics and people are tied to codes. ``everything`` renumbers all areas west→east,
    north→south (DB11/T 2157-2023) from 001, and the incidents whose code that changes are listed.
    """
    with audited(rt, acting.actor, "plans.renumber", f"plan:{plan_id}") as trail:
        conn = trail.conn
        plan = writable(conn, plan_id, acting)
        areas = plan_sql.plan_areas(conn, plan_id=plan_id).reset_index(drop=True)
        old_codes = list(areas["code"])
        if everything:
            areas, _ = edit.renumber_in(areas, plan.scope_code)
        else:
            areas = _keep_codes(conn, plan, areas)
        areas = with_households(conn, scope_of(conn, plan.scope_code), areas)
        plan_sql.replace_plan_areas(conn, plan_id=plan_id, areas=areas)
        moving = _incidents_regridded(conn, plan.scope_code, areas, statuses=None)
        codes = list(zip(old_codes, areas["code"], strict=True))
        trail.detail.update(all=everything, changed=sum(old != new for old, new in codes))
    return Renumbering(codes, moving.drop(columns=["lon", "lat"]))


def _keep_codes(conn: Connection, plan: PlanRecord, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``areas`` recoded by `kept_codes` (names that say 第NN网格 follow their code)."""
    current = area_sql.find_areas(conn, level=parse_level(plan.level), parent=plan.scope_code)
    used = plan_sql.used_codes(conn, scope_code=plan.scope_code, level=plan.level)
    valid = [shapely.make_valid(g) if g is not None else None for g in areas.geometry]
    codes = kept_codes(
        areas.set_geometry(valid, crs=areas.crs), current, parent_code=plan.scope_code, used=used
    )
    names = [edit.renamed(n, c) for n, c in zip(areas["name"], codes, strict=True)]
    return areas.assign(code=codes, name=names)


def _check(
    conn: Connection,
    plan: PlanRecord,
    config: CheckConfig | None = None,
    areas: gpd.GeoDataFrame | None = None,
) -> list[Finding]:
    """The rules on the plan's ``areas`` (with households; read from the plan when None)."""
    scope = scope_of(conn, plan.scope_code)
    if areas is None:
        areas = with_households(conn, scope, plan_sql.plan_areas(conn, plan_id=plan.id))
    config = config or CheckConfig.for_level(scope.level)
    return check_areas(
        areas, level=scope.level, parent=scope.geometry, parent_code=scope.code, config=config
    )


def check_plan(rt: Runtime, plan_id: int, *, acting: Acting) -> list[Finding]:
    """All the boundary rules on a plan, against its scope."""
    with rt.read() as conn:
        return _check(conn, readable(conn, plan_id, acting))


def _diff(conn: Connection, plan: PlanRecord) -> AreaDiff:
    current = area_sql.find_areas(conn, level=parse_level(plan.level), parent=plan.scope_code)
    proposed = plan_sql.plan_areas(conn, plan_id=plan.id)
    proposed = proposed[proposed.geometry.notna()].copy()
    proposed["geometry"] = [shapely.make_valid(g) for g in proposed.geometry]
    addresses = address_sql.households_in(conn, bounds=bounds_of(current, proposed))
    diff = diff_areas(current, proposed, addresses)
    diff.incidents = _incidents_regridded(conn, plan.scope_code, proposed, statuses=sorted(OPEN))
    return diff


def _incidents_regridded(
    conn: Connection, scope_code: str, areas: gpd.GeoDataFrame, *, statuses: list[str] | None
) -> pd.DataFrame:
    """Located incidents of the scope (of ``statuses``, or all) whose grid differs in ``areas``."""
    query = IncidentQuery(status=statuses, scope=scope_code, limit=1_000_000)
    found = incident_sql.list_incidents(conn, query)
    here = pd.DataFrame(
        [(i.id, i.category, i.status, i.lon, i.lat, i.grid_code) for i in found if i.located],
        columns=["id", "category", "status", "lon", "lat", "grid_code"],
    )
    shaped = areas[areas.geometry.notna()]
    return regridded(here, shaped.set_geometry([shapely.make_valid(g) for g in shaped.geometry]))


def diff_plan(rt: Runtime, plan_id: int, *, acting: Acting) -> AreaDiff:
    """What publishing the plan would change, against the scope's current areas."""
    with rt.read() as conn:
        return _diff(conn, readable(conn, plan_id, acting))


@dataclass(frozen=True)
class PlanReview:
    """What a planner looks at: the plan, the current and proposed areas, findings, the diff."""

    plan: PlanRecord
    current: gpd.GeoDataFrame
    proposed: gpd.GeoDataFrame
    findings: list[Finding]
    diff: AreaDiff


def review(rt: Runtime, plan_id: int, *, acting: Acting) -> PlanReview:
    """The plan with its findings and diff, read from one connection."""
    with rt.read() as conn:
        plan = readable(conn, plan_id, acting)
        current = area_sql.find_areas(conn, level=parse_level(plan.level), parent=plan.scope_code)
        proposed = _plan_areas(conn, plan)
        findings = _check(conn, plan, areas=proposed)
        diff = _diff(conn, plan)
    return PlanReview(plan, current, proposed[proposed.geometry.notna()], findings, diff)


def publish(
    rt: Runtime,
    *,
    acting: Acting,
    plan_id: int,
    force: bool = False,
    reason: str | None = None,
) -> PlanRecord:
    """Make the plan's areas the current ones of its scope, atomically.

    Refused while the checks find errors (unless ``force`` with a ``reason``), when the plan is
    neither a draft nor submitted, and when the scope changed since the plan was made (another
    publish or a load; looked at again once the areas write lock is held, which is taken for
    the writes only) or the plan was edited while it was checked. The checks and the
    comparison run before the transaction, which only writes: none sits idle while Python
    computes. Returns the published plan (its ``check_summary`` says what the checks found).
    The audit record and a ``published`` plan note name the caller as the publisher.
    """
    target = f"plan:{plan_id}"
    with refusals(rt, acting.actor, "plans.publish", target), rt.read() as conn:
        if force and not (reason and reason.strip()):
            raise InvalidInput("reason: an override (force) needs a reason")
        # the checks and the comparison, before the transaction (none sits idle meanwhile)
        edited = plan_sql.plan_version(conn, plan_id=plan_id)
        plan = writable(conn, plan_id, acting, PUBLISHABLE)
        _scope_unchanged(conn, plan)
        ready = _prepare_publish(conn, plan, force=force)
    with audited(rt, acting.actor, "plans.publish", target) as trail:
        trail.detail.update(scope=plan.scope_code, force=force, checks=ready.summary)
        published = _publish_now(trail.conn, plan_id, edited, ready, reason if force else None)
        plan_sql.insert_note(
            trail.conn, plan_id=plan_id, author=acting.login, kind="published", text=""
        )
        followed = dispatch.follow_redraw(rt, trail.conn, ready.moving, actor=acting.login)
        trail.detail.update(incidents_moved=len(ready.moving), reassigned=followed)
        return published


def _publish_now(
    conn: Connection, plan_id: int, edited: Any, ready: _Publishing, reason: str | None
) -> PlanRecord:
    """The publishing transaction: only writes (and looks again at what may have changed)."""
    plan = _draft(conn, plan_id, PUBLISHABLE)  # an edit waits from here on
    plan_sql.lock_scope(conn, scope_code=plan.scope_code)
    if plan_sql.plan_version(conn, plan_id=plan_id) != edited:
        raise Conflict(f"plan: plan {plan_id} was edited while it was published; publish again")
    _write_publish(conn, plan, ready, reason=reason)
    return plan_sql.get_plan(conn, plan_id=plan_id)


def _scope_unchanged(conn: Connection, plan: PlanRecord) -> None:
    """`Conflict` unless the scope's current areas are still those the plan was drawn from."""
    if plan_sql.scope_version(conn, scope_code=plan.scope_code, level=plan.level) != (
        plan.base_version
    ):
        raise Conflict(
            f"plan: scope {plan.scope_code} changed since plan {plan.id} was made; "
            "make a new plan from the current boundaries"
        )


@dataclass(frozen=True)
class _Publishing:
    """What publishing a plan writes, worked out before the transaction that writes it."""

    level: Level
    changes: LoadPlan
    dropped: list[str]
    summary: dict[str, Any]
    moving: dict[int, str]
    """Open incidents whose grid the redraw changes: id → new grid code."""


def _publish(conn: Connection, *, plan_id: int, force: bool, reason: str | None) -> _Publishing:
    """Publish within the caller's transaction (`revert`: a plan made and published at once)."""
    plan = _draft(conn, plan_id)
    plan_sql.lock_scope(conn, scope_code=plan.scope_code)
    _scope_unchanged(conn, plan)
    ready = _prepare_publish(conn, plan, force=force)
    _write_publish(conn, plan, ready, reason=reason if force else None)
    return ready


def _prepare_publish(conn: Connection, plan: PlanRecord, *, force: bool) -> _Publishing:
    """Check the plan and compare it with the current areas (reads and computing only)."""
    plan_id = plan.id
    findings = _check(conn, plan)
    summary = findings_to_json(findings)["summary"]
    if has_errors(findings) and not force:
        rules = ", ".join(sorted({f.rule for f in findings if f.severity == "error"}))
        raise Conflict(
            f"plan: plan {plan_id} has {summary['errors']} errors ({rules}); fix "
            "them, or publish with force and a reason"
        )
    proposed = _plan_areas(conn, plan)
    shapeless = proposed.loc[proposed.geometry.isna(), "code"].tolist()
    if shapeless:
        raise InvalidInput(
            f"plan: {', '.join(shapeless)} have no polygon; even a forced publish cannot "
            "publish an area without a boundary"
        )
    level = parse_level(plan.level)
    current = area_sql.find_areas(conn, level=level, scope=plan.scope_code)
    # an area the plan leaves as it is keeps its row (and its history); changed ones get a new
    # version, with the plan's households; dropped ones are retired
    changes = plan_load(_left_alone(proposed, current), current, level=level)
    dropped = sorted(set(current["code"]) - set(proposed["code"]))
    moving: dict[int, str] = {}
    if level == Level.GRID:
        found = _incidents_regridded(conn, plan.scope_code, proposed, statuses=sorted(OPEN))
        moving = dict(zip(found["id"].astype(int), found["new_grid_code"], strict=True))
    return _Publishing(level, changes, dropped, summary, moving)


def _write_publish(
    conn: Connection, plan: PlanRecord, ready: _Publishing, *, reason: str | None
) -> None:
    """Take the areas write lock (for the writes only), look at the scope again, write."""
    area_sql.lock_for_load(conn)
    _scope_unchanged(conn, plan)
    area_sql.retire(conn, codes=[*ready.changes.changed, *ready.dropped])
    rows = area_sql.version_rows(ready.level, ready.changes.to_insert)  # one scope's: small
    area_sql.insert_versions(conn, rows=rows)
    plan_sql.mark_published(
        conn, plan_id=plan.id, override_reason=reason, check_summary=ready.summary
    )


def _left_alone(proposed: gpd.GeoDataFrame, current: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``proposed``, where an area equals its current version but for households keeping those.

    The diff calls such an area unchanged, so publishing leaves its row (item 17).
    """
    old = current.drop_duplicates("code").set_index("code")
    households = []
    for _, row in proposed.iterrows():
        households.append(row["households"])
        if row["code"] in old.index:
            candidate = row.copy()
            candidate["households"] = old.at[row["code"], "households"]
            if same_area(candidate, old.loc[row["code"]]):
                households[-1] = candidate["households"]
    return proposed.drop(columns="households_source").assign(households=households)


def revert(rt: Runtime, *, acting: Acting, scope_code: str, note: str = "") -> PlanRecord:
    """Publish the scope's previous version again, as a new version; returns the new plan.

    One transaction: if the previous version cannot be published, no plan is left behind.
    """
    with audited(rt, acting.actor, "plans.revert", f"scope:{scope_code}") as trail:
        conn = trail.conn
        acting.act(scope_code, f"scope: {scope_code}")
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
            note=note or f"revert to the version before {clock.shown(latest, seconds=True)}",
        )
        ready = _publish(conn, plan_id=plan_id, force=False, reason=None)
        dispatch.follow_redraw(rt, conn, ready.moving, actor=acting.login)
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
