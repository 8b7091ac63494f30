"""The roster (格中有人): import it, list it, show a person, check every grid is staffed, duties.

A roster file states the roster of the areas it names (`gis.roster.changes`): the import
checks every row against the store (a current area of the duty's level within the caller's
scope, logins that are users) before writing, then writes the whole file in one audited
transaction (``roster.import``), or nothing on a dry run. Phones leave here masked
(`RosterEntry`) except in `PersonCard`, whose renderers mask them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from gis.areas import Level
from gis.db import areas as area_sql
from gis.db import identity as identity_sql
from gis.db import roster as roster_sql
from gis.db.engine import Connection
from gis.errors import Conflict, InvalidInput, NotFound
from gis.identity.access import Acting
from gis.limits import ID_MAX
from gis.roster.changes import DutyChange, PersonChange, RosterChanges, plan_roster
from gis.roster.duties import GridGap, check_duty_area, parse_duty, staffing_gaps
from gis.roster.files import read_roster_file
from gis.roster.people import Duty, PersonCard, RosterEntry, RosterRow, check_department
from gis.settings import PROJECT_ROOT
from gis.usecases.trail import audited

if TYPE_CHECKING:
    from gis.usecases.runtime import Runtime

SAMPLE_ROSTER = PROJECT_ROOT / "data" / "roster" / "xueyuanlu_roster.csv"
"""The 学院路 sample's roster: every grid with a leader and a full-time worker."""


def _check_areas(conn: Connection, rows: list[RosterRow], acting: Acting) -> None:
    states = roster_sql.area_states(conn, codes=sorted({row.area_code for row in rows}))
    for row in rows:
        label = f"row {row.row}: grid_code"
        current = states.get(row.area_code)
        if current is None:
            raise InvalidInput(f"{label}: no area {row.area_code}")
        if not current:
            raise InvalidInput(f"{label}: area {row.area_code} is retired")
        acting.act(row.area_code, f"{label} {row.area_code}")


def _check_logins(conn: Connection, rows: list[RosterRow]) -> None:
    seen: set[str] = set()
    for row in rows:
        login = row.person.login
        if login is None or login.lower() in seen:
            continue
        seen.add(login.lower())
        if identity_sql.user_id(conn, login=login) is None:
            raise InvalidInput(f"row {row.row}: login: no user {login!r}")


def _plan(conn: Connection, rows: list[RosterRow], acting: Acting) -> RosterChanges:
    """Check the rows against the store, and what importing them changes."""
    if not rows:
        raise InvalidInput("file: no rows")
    _check_areas(conn, rows, acting)
    _check_logins(conn, rows)
    areas = sorted({row.area_code for row in rows})
    people = roster_sql.current_people(conn)
    return plan_roster(rows, people, roster_sql.current_duties(conn, area_codes=areas))


def _apply(conn: Connection, changes: RosterChanges) -> RosterChanges:
    """Write the changes (retirements first: one current version, one current duty each)."""
    for duty in changes.retired:
        assert duty.duty_id is not None
        roster_sql.retire_duty(conn, duty_id=duty.duty_id)
    for person in changes.changed_people:
        roster_sql.retire_person(conn, key=person.key)
    for person in changes.changed_people:
        roster_sql.insert_person(conn, person=person.after, key=person.key)
    keys: dict[int, int] = {}
    new: list[PersonChange] = []
    for person in changes.new_people:
        keys[person.key] = roster_sql.insert_person(conn, person=person.after).key
        new.append(replace(person, key=keys[person.key]))
    added: list[DutyChange] = []
    for duty in changes.added:
        key = keys.get(duty.person_key, duty.person_key)
        stored = roster_sql.insert_duty(
            conn, person_key=key, duty=duty.duty, area_code=duty.area_code,
            department=duty.department,
        )  # fmt: skip
        added.append(replace(duty, person_key=key, duty_id=stored.id))
    return replace(changes, new_people=tuple(new), added=tuple(added))


def import_roster(
    rt: Runtime, rows: list[RosterRow], *, acting: Acting, dry_run: bool = False
) -> RosterChanges:
    """Make the roster of the areas ``rows`` name what they say; what changed (or would).

    Every row is checked before anything is written: the area is current and within the
    caller's scope (`Forbidden`), and a login is a user's; the first bad row refuses the
    whole file naming its row and field. One audited transaction (``roster.import``, with
    the counts); ``dry_run`` writes nothing.
    """
    if dry_run:
        with rt.read() as conn:
            return _plan(conn, rows, acting)
    with audited(rt, acting.actor, "roster.import", "roster") as trail:
        changes = _apply(trail.conn, _plan(trail.conn, rows, acting))
        trail.detail.update(changes.counts())
        return changes


def _scopes(acting: Acting, scope: str | None) -> tuple[str, ...] | None:
    """The scopes a listing covers: the caller's, narrowed to ``scope`` when given."""
    if scope is not None and not scope.isdigit():
        raise InvalidInput(f"scope: {scope[:40]!r} is not an area code")
    mine = acting.scopes
    if scope is None:
        return mine
    if mine is None or acting.covers(scope):
        return (scope,)
    return tuple(s for s in mine if s.startswith(scope))


def list_roster(rt: Runtime, *, acting: Acting, scope: str | None = None) -> list[RosterEntry]:
    """The current duties within the caller's areas (and ``scope``), phones masked.

    By area code, then duty (`gis.roster.duties.DUTIES` order), then person.
    """
    scopes = _scopes(acting, scope)
    if scopes == ():
        return []
    with rt.read() as conn:
        return roster_sql.roster(conn, scopes=scopes)


def show_person(rt: Runtime, name_or_login: str, *, acting: Acting) -> list[PersonCard]:
    """The people with this login, else this name, holding a duty within the caller's areas.

    `NotFound` when there is none (the same answer for one outside the caller's areas).
    """
    text = name_or_login.strip()
    cards = []
    with rt.read() as conn:
        for person in roster_sql.find_people(conn, name_or_login=text):
            duties = tuple(roster_sql.current_duties(conn, person_key=person.key))
            if acting.scopes is not None and not any(acting.covers(d.area_code) for d in duties):
                continue
            versions = len(roster_sql.person_versions(conn, key=person.key))
            cards.append(PersonCard(person, duties, versions))
    if not cards:
        raise NotFound(f"person: no one on the roster is named or logged in as {text[:40]!r}")
    return cards


def check_roster(rt: Runtime, *, acting: Acting, scope: str | None = None) -> list[GridGap]:
    """The current grids within the caller's areas (and ``scope``) lacking a leader or worker."""
    scopes = _scopes(acting, scope)
    if scopes == ():
        return []
    with rt.read() as conn:
        grids = area_sql.find_areas(conn, level=Level.GRID)
        named = [
            (code, name)
            for code, name in zip(grids["code"], grids["name"], strict=True)
            if scopes is None or any(code.startswith(s) for s in scopes)
        ]
        duties = roster_sql.current_duties(conn, area_codes=[code for code, _ in named])
    return staffing_gaps(named, [(d.area_code, d.duty) for d in duties])


def add_duty(
    rt: Runtime,
    *,
    acting: Acting,
    person_key: int,
    duty: str,
    area_code: str,
    department: str | None = None,
) -> Duty:
    """Give a person of the roster a duty on a current area within the caller's scope."""
    code = parse_duty(duty)
    check_duty_area(code, area_code, "area_code")
    department = check_department(code, department)
    with audited(rt, acting.actor, "roster.add_duty", f"area:{area_code}") as trail:
        conn = trail.conn
        current = roster_sql.area_states(conn, codes=[area_code]).get(area_code)
        if not current:
            raise InvalidInput(f"area_code: no current area {area_code}")
        acting.act(area_code, f"area_code {area_code}")
        person = roster_sql.current_person(conn, key=person_key) if person_key <= ID_MAX else None
        if person is None:
            raise NotFound(f"person_key: no person {person_key} on the roster")
        held = roster_sql.current_duties(conn, area_codes=[area_code], person_key=person_key)
        if any(d.duty == code for d in held):
            raise Conflict(f"duty: {person.name} already holds {code} on {area_code}")
        stored = roster_sql.insert_duty(
            conn, person_key=person_key, duty=code, area_code=area_code, department=department
        )
        trail.target = f"duty:{stored.id}"
        trail.detail.update(person_key=person_key, duty=code, area_code=area_code)
        return stored


def end_duty(rt: Runtime, *, acting: Acting, duty_id: int) -> Duty:
    """End (retire) a current duty on an area within the caller's scope; the retired duty."""
    with audited(rt, acting.actor, "roster.end_duty", f"duty:{duty_id}") as trail:
        conn = trail.conn
        found = roster_sql.get_duty(conn, duty_id=duty_id)
        if found is None:
            raise NotFound(f"duty: no duty {duty_id}")
        acting.act(found.area_code, f"duty {duty_id}")
        if not roster_sql.retire_duty(conn, duty_id=duty_id):
            raise Conflict(f"duty: duty {duty_id} has ended already")
        trail.detail.update(person_key=found.person_key, duty=found.duty, area=found.area_code)
        ended = roster_sql.get_duty(conn, duty_id=duty_id)
        assert ended is not None
        return ended


def load_sample_roster(rt: Runtime) -> RosterChanges:
    """Import the sample roster (`SAMPLE_ROSTER`) as the sample loader.

    Its logins (``demo-grid-worker``, ``demo-dispatcher``) are kept only for users that
    exist: loaded before the demo users, the roster has them without logins, and loading it
    again afterwards gives those people their logins (a new version each).
    """
    from gis.usecases.sample import SAMPLE_LOADER  # sample may come to import this module

    rows = read_roster_file(SAMPLE_ROSTER)
    with rt.read() as conn:
        users = {
            row.person.login
            for row in rows
            if row.person.login and identity_sql.user_id(conn, login=row.person.login)
        }
    rows = [
        row if row.person.login in users else replace(row, person=replace(row.person, login=None))
        for row in rows
    ]
    return import_roster(rt, rows, acting=SAMPLE_LOADER)
