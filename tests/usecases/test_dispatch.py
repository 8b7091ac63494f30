"""Issue 13: dispatch by rule at intake, by hand to the roster, task lists, supervision (督办)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely import box
from sqlalchemy import text

from gis.errors import InvalidInput
from gis.identity.access import Acting
from gis.identity.records import Actor
from gis.identity.roles import Grant
from gis.incidents.lifecycle import Transition
from gis.incidents.report import IncidentReport
from gis.usecases import dispatch, incidents, plan_edits, planning
from gis.usecases.runtime import Runtime
from tests.principals import OWNER
from tests.stores import MOVED, load_hierarchy

GRID, OTHER_GRID, STREET = "110108010019001", "110108010019002", "110108010"
IN_GRID = (116.345, 40.0)
NOW = datetime.now(UTC)


def person(rt: Runtime, key: int, name: str, login: str | None, *duties: tuple[str, str]) -> None:
    """A roster person with duties (duty, area), written as the roster import would."""
    with rt.write() as conn:
        conn.execute(
            text("INSERT INTO people (id, person_key, name, login) VALUES (:k, :k, :n, :l)"),
            {"k": key, "n": name, "l": login},
        )
        for duty, area in duties:
            department = "chengguan" if duty == "seconded" else None
            conn.execute(
                text(
                    "INSERT INTO duties (person_key, duty, area_code, department) "
                    "VALUES (:k, :d, :a, :dep)"
                ),
                {"k": key, "d": duty, "a": area, "dep": department},
            )


@pytest.fixture
def staffed(rt: Runtime, tmp_path: Path) -> Iterator[Runtime]:
    load_hierarchy(rt, tmp_path)
    person(rt, 1, "王专职", "wang.ft", ("full_time", GRID))
    person(rt, 2, "李网格长", "li.leader", ("grid_leader", GRID), ("grid_leader", OTHER_GRID))
    person(rt, 3, "赵派单", "zhao.dispatch", ("street_dispatcher", STREET))
    person(rt, 4, "钱城管", "qian.cg", ("seconded", GRID))
    yield rt


def report(rt: Runtime, category: str, *, hours_ago: float = 0) -> int:
    found, _ = incidents.report(
        rt,
        IncidentReport(
            category=category,
            lon=IN_GRID[0],
            lat=IN_GRID[1],
            reported_at=NOW - timedelta(hours=hours_ago),
        ),
        acting=OWNER,
    )
    return found.incident.id


def acting(login: str, role: str = "grid_worker", scope: str = GRID) -> Acting:
    return Acting(Actor(login, "test"), "incidents:read", (Grant(role, scope),))


def test_issue13_a_hazard_goes_to_the_grids_full_time_worker(staffed: Runtime) -> None:
    found = incidents.details(staffed, report(staffed, "hazard"), acting=OWNER)
    assert (found.incident.status, found.incident.assignee_person) == ("dispatched", 1)
    event = found.events[-1]
    assert (event.actor, event.from_status, event.to_status) == (
        "rule:grid-first",
        "reported",
        "dispatched",
    )
    assert "王专职" in event.note and "grid-first" in event.note
    tasks = dispatch.my_tasks(staffed, acting=acting("wang.ft"))
    assert [t.id for t in tasks] == [found.incident.id]
    assert dispatch.my_tasks(staffed, acting=acting("li.leader")) == []


def test_issue13_without_a_full_time_worker_the_leader_has_it(staffed: Runtime) -> None:
    with staffed.write() as conn:
        conn.execute(text("UPDATE duties SET valid_to = now() WHERE person_key = 1"))
    found = incidents.get_incident(staffed, report(staffed, "sanitation"), acting=OWNER)
    assert found.assignee_person == 2 and found.assignee == "李网格长（li.leader）"


def test_issue13_disputes_go_to_the_street_for_triage_and_fires_to_a_department(
    staffed: Runtime,
) -> None:
    dispute = incidents.get_incident(staffed, report(staffed, "dispute"), acting=OWNER)
    assert (dispute.status, dispute.assignee_person) == ("reported", 3)
    fire = incidents.get_incident(staffed, report(staffed, "fire"), acting=OWNER)
    assert (fire.status, fire.assignee_department, fire.assignee) == (
        "dispatched",
        "fire",
        "消防救援",
    )


def test_issue13_nobody_on_duty_leaves_it_in_the_queue(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    found = incidents.details(rt, report(rt, "hazard"), acting=OWNER)
    assert (found.incident.status, found.incident.assignee, len(found.events)) == (
        "reported",
        None,
        1,
    )


def test_issue13_dispatch_by_hand_names_the_roster_never_free_text(staffed: Runtime) -> None:
    incident = report(staffed, "dispute")  # with the street's dispatcher, reported
    incidents.transition(staffed, incident, Transition("triaged"), acting=OWNER)
    for who, why in (
        ("不存在的人", "is no roster person"),
        ("person:999", "is no roster person"),
    ):
        with pytest.raises(InvalidInput, match=why):
            incidents.transition(
                staffed, incident, Transition("dispatched", assignee=who), acting=OWNER
            )
    with staffed.write() as conn:  # 王专职 leaves this grid for the other one
        conn.execute(text("UPDATE duties SET valid_to = now() WHERE person_key = 1"))
        conn.execute(
            text("INSERT INTO duties (person_key, duty, area_code) VALUES (1, 'full_time', :g)"),
            {"g": OTHER_GRID},
        )
    with pytest.raises(InvalidInput, match="has no duty in grid 110108010019001"):
        incidents.transition(
            staffed, incident, Transition("dispatched", assignee="wang.ft"), acting=OWNER
        )
    done = incidents.transition(
        staffed, incident, Transition("dispatched", assignee="城管执法"), acting=OWNER
    )
    assert (done.incident.assignee_department, done.incident.assignee_person) == (
        "chengguan",
        None,
    )
    # the department's seconded staff now has it on its list
    assert [t.id for t in dispatch.my_tasks(staffed, acting=acting("qian.cg"))] == [incident]


def test_issue13_overdue_incidents_escalate_to_the_leader_then_the_street(
    staffed: Runtime,
) -> None:
    late = report(staffed, "hazard", hours_ago=30)  # SLA 24 h: due 6 h ago
    later = report(staffed, "hazard", hours_ago=40)  # due 16 h ago, past due + SLA/2 (12 h)
    on_time = report(staffed, "hazard")
    steps = dispatch.supervise(staffed, now=NOW)
    assert sorted((s.incident_id, s.level) for s in steps) == [(late, 1), (later, 1), (later, 2)]
    first = incidents.details(staffed, late, acting=OWNER)
    assert (first.incident.escalation_level, first.incident.assignee_person) == (1, 2)
    assert first.events[-1].actor == "system:supervision"
    assert first.events[-1].note.startswith("督办 escalated to 网格长")
    second = incidents.get_incident(staffed, later, acting=OWNER)
    assert (second.escalation_level, second.assignee_person) == (2, 3)
    assert incidents.get_incident(staffed, on_time, acting=OWNER).escalation_level == 0
    assert dispatch.supervise(staffed, now=NOW) == []  # each step once
    assert [t.id for t in dispatch.my_tasks(staffed, acting=acting("zhao.dispatch"))] == [later]


def test_issue13_after_a_redraw_responsibility_follows_the_new_grid(staffed: Runtime) -> None:
    person(staffed, 5, "孙专职", "sun.ft", ("full_time", OTHER_GRID))
    found, _ = incidents.report(
        staffed, IncidentReport(category="hazard", lon=MOVED[0], lat=MOVED[1]), acting=OWNER
    )
    assert (found.incident.grid_code, found.incident.assignee_person) == (OTHER_GRID, 5)
    plan_id = planning.create_plan(staffed, acting=OWNER, scope_code="110108010019").id
    piece = box(116.35, 39.99, 116.355, 40.01)  # the western strip of grid 002, with the point
    plan_edits.move(
        staffed, acting=OWNER, plan_id=plan_id, source=OTHER_GRID, target=GRID, piece=piece
    )
    planning.publish(staffed, acting=OWNER, plan_id=plan_id)
    after = incidents.details(staffed, found.incident.id, acting=OWNER)
    assert (after.incident.grid_code, after.incident.assignee_person) == (GRID, 1)
    assert after.events[-1].note == (
        f"redraw: grid {OTHER_GRID} → {GRID}; responsibility follows rule grid-first: "
        "王专职（wang.ft）"
    )
    assert [t.id for t in dispatch.my_tasks(staffed, acting=acting("wang.ft"))] == [
        found.incident.id
    ]
    assert dispatch.my_tasks(staffed, acting=acting("sun.ft")) == []
