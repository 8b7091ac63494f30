"""Whose job an incident is: dispatch by rule and by hand, task lists, supervision (督办).

A new incident that lands in a grid is dispatched by the first rule naming its category
(`gis.dispatch.rules`), inside the report's own transaction: to the grid's full-time worker
(else its leader), to a department, or to the subdistrict's dispatcher to triage; the log says
which rule. By hand, ``assignee`` names a roster person (a login, or ``person:<key>``) on duty
for the incident's area, or a department — never free text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from gis import clock
from gis.db import incidents as incident_sql
from gis.db import roster as roster_sql
from gis.db.engine import Connection
from gis.dispatch.rules import GRID_DUTIES, Rule, subdistrict_of
from gis.errors import InvalidInput, NotFound
from gis.identity.access import Acting
from gis.identity.records import Actor
from gis.incidents.lifecycle import OPEN
from gis.incidents.records import Incident, IncidentQuery
from gis.roster.people import OnDuty
from gis.usecases.trail import audited

if TYPE_CHECKING:
    from gis.usecases.runtime import Runtime

RULE_ACTOR = "rule:{name}"
"""How the log names a rule that dispatched an incident."""


@dataclass(frozen=True)
class Assignee:
    """Whose job an incident is: a roster person or a department, and the name shown."""

    name: str
    person: int | None = None
    department: str | None = None

    def columns(self) -> dict[str, Any]:
        """The incident's columns for this assignee."""
        return {
            "assignee": self.name,
            "assignee_person": self.person,
            "assignee_department": self.department,
        }


def _person(found: OnDuty) -> Assignee:
    shown = f"{found.name}（{found.login}）" if found.login else found.name
    return Assignee(name=shown, person=found.person_key)


def by_rule(rt: Runtime, conn: Connection, rule: Rule, incident: Incident) -> Assignee | None:
    """Whom ``rule`` names for an incident located in a grid (None: nobody on duty)."""
    grid = incident.grid_code
    assert grid is not None
    if rule.to == "department":
        found = rt.departments.accepting(incident.category)
        return None if found is None else Assignee(found.zh, department=found.code)
    area, duties = (
        (grid, GRID_DUTIES) if rule.to == "grid" else (subdistrict_of(grid), ("street_dispatcher",))
    )
    on_duty = roster_sql.on_duty(conn, area_code=area, duties=duties)
    return _person(on_duty[0]) if on_duty else None


def dispatch_new(
    rt: Runtime, conn: Connection, incident: Incident, at: datetime | None = None
) -> Assignee | None:
    """Dispatch a new incident by its category's rule, in the report's transaction.

    ``grid`` and ``department`` rules dispatch it (``dispatched``); a ``street_dispatcher``
    rule leaves it ``reported`` with the dispatcher, who triages it. Each writes a log entry
    naming the rule (at ``at``, the report's time; None: now). An incident not placed in a
    grid, or with no rule or nobody on duty, stays as it is, in the dispatchers' queue.
    """
    rule = rt.dispatch_rules.for_category(incident.category)
    if incident.grid_code is None or incident.status != "reported" or rule is None:
        return None
    assignee = by_rule(rt, conn, rule, incident)
    if assignee is None:
        return None
    status = "reported" if rule.to == "street_dispatcher" else "dispatched"
    incident_sql.set_status(
        conn, incident_id=incident.id, values={"status": status, **assignee.columns()}, at=at
    )
    how = "分派 dispatched" if status == "dispatched" else "转街道派单员分拣 sent for triage"
    incident_sql.add_event(
        conn,
        incident_id=incident.id,
        actor=RULE_ACTOR.format(name=rule.name),
        from_status=incident.status,
        to_status=status,
        note=f"{how}: {assignee.name} (rule {rule.name})",
        at=at,
    )
    return assignee


def named(rt: Runtime, conn: Connection, text: str, incident: Incident) -> Assignee:
    """The assignee a person names by hand: a department, or a roster person on duty here.

    ``text`` is a department's code or name, a login, or ``person:<key>``. A person must hold
    a current duty on the incident's grid or an area above it (its community, its street).
    """
    department = rt.departments.get(text)
    if department is not None:
        return Assignee(department.zh, department=department.code)
    key = _person_key(text)
    found: list[OnDuty] = (
        roster_sql.person_by_key(conn, key)
        if key is not None
        else roster_sql.person_by_login(conn, text.strip())
    )
    if not found:
        departments = ", ".join(d.code for d in rt.departments)
        raise InvalidInput(
            f"assignee: {text!r} is no roster person (a login, or person:<key>) and no "
            f"department (one of {departments})"
        )
    grid = incident.grid_code or ""
    if not any(grid.startswith(duty.area_code) for duty in found):
        raise InvalidInput(
            f"assignee: {found[0].name} has no duty in grid {incident.grid_code or '(none)'}; "
            "dispatch to someone on duty there, or to a department"
        )
    return _person(found[0])


def follow_redraw(rt: Runtime, conn: Connection, moving: dict[int, str], *, actor: str) -> int:
    """After a redraw, open incidents take their new grid, and their responsibility follows.

    An incident a ``grid`` rule gave to the old grid's worker goes to the new grid's (by the
    same rule); one with a department or the street's dispatcher stays with them. Each move is
    an event naming both grids. Returns how many changed hands.
    """
    handed = 0
    for incident in incident_sql.incidents_by_id(conn, ids=sorted(moving)):
        new_grid = moving[incident.id]
        incident_sql.set_grid(conn, incident_id=incident.id, grid_code=new_grid)
        note = f"redraw: grid {incident.grid_code} → {new_grid}"
        rule = rt.dispatch_rules.for_category(incident.category)
        if rule is not None and rule.to == "grid" and incident.assignee_person is not None:
            moved = replace(incident, grid_code=new_grid)
            to = by_rule(rt, conn, rule, moved)
            if to is not None and to.person != incident.assignee_person:
                incident_sql.set_status(conn, incident_id=incident.id, values=to.columns())
                note += f"; responsibility follows rule {rule.name}: {to.name}"
                handed += 1
        incident_sql.add_event(
            conn,
            incident_id=incident.id,
            actor=actor,
            from_status=incident.status,
            to_status=incident.status,
            note=note,
        )
    return handed


@dataclass(frozen=True)
class Mine:
    """What is a principal's: its roster person and the departments it serves in."""

    person: int | None
    departments: tuple[str, ...]

    def holds(self, incident: Incident) -> bool:
        """Whether the incident is assigned to this person or one of these departments."""
        return (self.person is not None and incident.assignee_person == self.person) or (
            incident.assignee_department in self.departments
        )


def mine(rt: Runtime, conn: Connection, login: str) -> Mine:
    """The roster person of a login and the departments it is seconded from.

    Departments are given as their codes in the directory (a name it does not know stays as
    given); none when the login is on no roster.
    """
    found = roster_sql.person_by_login(conn, login)
    named = {d.department for d in found if d.department}
    codes = {known.code if (known := rt.departments.get(name)) else name for name in named}
    return Mine(found[0].person_key if found else None, tuple(sorted(codes)))


def _person_key(text: str) -> int | None:
    """The key of a ``person:<key>`` reference (None: the text is no such reference).

    Examples
    --------
    >>> _person_key(" person:12 "), _person_key("wang.li")
    (12, None)
    """
    key = text.strip()
    return int(key[7:]) if key.startswith("person:") and key[7:].isdigit() else None


def whose(rt: Runtime, conn: Connection, text: str) -> Mine:
    """The person or department a listing's ``assignee`` filter names.

    A login, ``person:<key>``, or a department's code or name.
    """
    department = rt.departments.get(text)
    if department is not None:
        return Mine(None, (department.code,))
    key = _person_key(text)
    if key is not None:
        return Mine(key, ())
    found = mine(rt, conn, text.strip())
    if found.person is None:
        raise InvalidInput(f"assignee: {text!r} is no roster login, person:<key> or department")
    return Mine(found.person, ())


def my_tasks(rt: Runtime, *, acting: Acting) -> list[Incident]:
    """The caller's open incidents, newest first.

    Those assigned to its roster person, or to a department it serves in (seconded to it).
    """
    with rt.read() as conn:
        own = mine(rt, conn, acting.login)
        if own.person is None and not own.departments:
            raise NotFound(
                f"login: {acting.login} is on no roster; tasks are a roster person's "
                "(gridmap roster import)"
            )
        query = IncidentQuery(
            status=sorted(OPEN),
            assignee_person=own.person,
            assignee_departments=own.departments,
            limit=10_000,
        )
        found = incident_sql.list_incidents(conn, query)
    return sorted(found, key=lambda i: (i.reported_at, i.id), reverse=True)


ESCALATION = {
    1: ("grid_leader", "网格长 grid leader"),
    2: ("street_dispatcher", "街道派单员 street dispatcher"),
}
"""Supervision's steps: past due, to the grid's leader; past due by half the SLA again, to the
subdistrict's dispatcher."""

SUPERVISOR = "system:supervision"
"""How the log and the audit name supervision."""


@dataclass(frozen=True)
class Escalation:
    """One step of supervision: the incident, its new level, and to whom.

    ``to`` is None when nobody is on duty; the step is still recorded.
    """

    incident_id: int
    level: int
    to: Assignee | None


def _due_step(rt: Runtime, incident: Incident, now: datetime) -> int:
    """The escalation level an overdue incident should have reached at ``now``."""
    sla = timedelta(hours=rt.catalogue[incident.category].sla_hours)
    return 2 if now >= incident.due_at + sla / 2 else 1


def _escalate(
    rt: Runtime, conn: Connection, incident: Incident, level: int, now: datetime
) -> Escalation:
    duty, shown = ESCALATION[level]
    grid = incident.grid_code or ""
    area = grid if duty == "grid_leader" else subdistrict_of(grid)
    on_duty = roster_sql.on_duty(conn, area_code=area, duties=(duty,))
    to = _person(on_duty[0]) if on_duty else None
    values: dict[str, Any] = {"escalation_level": level}
    if to is not None:
        values.update(to.columns())
    incident_sql.set_status(conn, incident_id=incident.id, values=values, at=now)
    whom = to.name if to else f"nobody on duty ({shown})"
    incident_sql.add_event(
        conn,
        incident_id=incident.id,
        actor=SUPERVISOR,
        from_status=incident.status,
        to_status=incident.status,
        note=f"督办 escalated to {shown}: {whom}; due {clock.shown(incident.due_at)}",
        at=now,
    )
    return Escalation(incident.id, level, to)


def supervise(rt: Runtime, *, now: datetime, limit: int = 1000) -> list[Escalation]:
    """Escalate the overdue incidents (督办), one step each, in one audited transaction.

    An incident past its due time goes to its grid's leader; past due by half its SLA again,
    to the street's dispatcher. Each step is an event of its log and raises
    ``escalation_level``; the assignee becomes the person escalated to (when one is on duty).
    The steps are logged at ``now``.
    """
    actor = Actor(principal=SUPERVISOR, source="supervision")
    with audited(rt, actor, "incidents.supervise", None) as trail:
        done = [
            _escalate(rt, trail.conn, incident, level, now)
            for incident in incident_sql.overdue_to_escalate(trail.conn, now=now, limit=limit)
            for level in range(incident.escalation_level + 1, _due_step(rt, incident, now) + 1)
        ]
        trail.detail.update(escalated=len(done))
    return done
