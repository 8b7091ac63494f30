"""SQL for the roster: people (versioned by ``person_key``) and their duties on areas.

Rows are never overwritten nor deleted (migration 0010): a change retires the current row
(``valid_to``) and inserts another. Functions take a ``Connection`` and keyword-only arguments
(the three that dispatch calls take the key or login positionally) and write in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, text

from gis.incidents.privacy import mask_phone
from gis.roster.duties import DUTIES
from gis.roster.people import Duty, OnDuty, Person, PersonIn, RosterEntry

_PERSON = "id, person_key, name, phone, login, unit, party_member, valid_from, valid_to"
_DUTY = "id, person_key, duty, area_code, department, valid_from, valid_to"
_ORDER = "array_position(CAST(:order AS text[]), d.duty)"
_ON_DUTY = (
    "SELECT p.person_key, p.name, p.login, d.duty, d.area_code, d.department, d.id AS duty_id "
    "FROM duties d JOIN people p ON p.person_key = d.person_key AND p.valid_to IS NULL "
    "WHERE d.valid_to IS NULL"
)
_INSERT_PERSON = text(
    "INSERT INTO people (id, person_key, name, phone, login, unit, party_member) "
    "SELECT n.id, coalesce(:key, n.id), :name, :phone, :login, :unit, :party "
    "FROM (SELECT nextval(pg_get_serial_sequence('people', 'id')) AS id) n "
    f"RETURNING {_PERSON}"
)
_INSERT_DUTY = text(
    "INSERT INTO duties (person_key, duty, area_code, department) "
    f"VALUES (:key, :duty, :area, :department) RETURNING {_DUTY}"
)


def _person(row: Row) -> Person:
    return Person(
        id=row.id,
        key=row.person_key,
        name=row.name,
        phone=row.phone,
        login=row.login,
        unit=row.unit,
        party_member=row.party_member,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def _duty(row: Row) -> Duty:
    return Duty(
        id=row.id,
        person_key=row.person_key,
        duty=row.duty,
        area_code=row.area_code,
        department=row.department,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def _on_duty(row: Row) -> OnDuty:
    return OnDuty(
        row.person_key, row.name, row.login, row.duty, row.area_code, row.department, row.duty_id
    )


def current_people(conn: Connection) -> list[Person]:
    """Every current person (one version per ``person_key``), by key."""
    query = text(f"SELECT {_PERSON} FROM people WHERE valid_to IS NULL ORDER BY person_key")
    return [_person(row) for row in conn.execute(query)]


def person_versions(conn: Connection, *, key: int) -> list[Person]:
    """Every version of one person, oldest first."""
    query = text(f"SELECT {_PERSON} FROM people WHERE person_key = :key ORDER BY id")
    return [_person(row) for row in conn.execute(query, {"key": key})]


def find_people(conn: Connection, *, name_or_login: str) -> list[Person]:
    """Current people with that login (any case), else with that name, by key."""
    query = text(
        f"SELECT {_PERSON} FROM people WHERE valid_to IS NULL "
        "AND (lower(login) = lower(:text) OR name = :text) "
        "ORDER BY (lower(login) = lower(:text)) IS TRUE DESC, person_key"
    )
    found = [_person(row) for row in conn.execute(query, {"text": name_or_login})]
    by_login = [p for p in found if p.login and p.login.lower() == name_or_login.lower()]
    return by_login or found


def current_duties(
    conn: Connection,
    *,
    area_codes: Sequence[str] | None = None,
    person_key: int | None = None,
) -> list[Duty]:
    """Current duties on exactly ``area_codes`` and/or of one person; by area, duty, person."""
    clauses = ["valid_to IS NULL"]
    params: dict[str, object] = {"order": list(DUTIES)}
    if area_codes is not None:
        clauses.append("area_code = ANY(:areas)")
        params["areas"] = list(area_codes)
    if person_key is not None:
        clauses.append("person_key = :key")
        params["key"] = person_key
    query = text(
        f"SELECT {_DUTY} FROM duties d WHERE {' AND '.join(clauses)} "
        f"ORDER BY area_code, {_ORDER}, person_key"
    )
    return [_duty(row) for row in conn.execute(query, params)]


def get_duty(conn: Connection, *, duty_id: int) -> Duty | None:
    """One duty, current or retired (None when there is none)."""
    found = conn.execute(text(f"SELECT {_DUTY} FROM duties WHERE id = :id"), {"id": duty_id})
    row = found.first()
    return _duty(row) if row is not None else None


def roster(conn: Connection, *, scopes: Sequence[str] | None = None) -> list[RosterEntry]:
    """Every current duty with its person (phone masked), within ``scopes`` (None: all).

    A scope keeps the duties on its area and every area below it (codes nest).
    """
    where = ""
    params: dict[str, object] = {"order": list(DUTIES)}
    if scopes is not None:
        where = "AND d.area_code LIKE ANY(:patterns)"
        params["patterns"] = [f"{scope}%" for scope in scopes]
    query = text(
        "SELECT d.id AS duty_id, d.person_key, p.name, p.phone, p.login, p.unit, "
        "p.party_member, d.duty, d.area_code, d.department, d.valid_from "
        "FROM duties d JOIN people p ON p.person_key = d.person_key AND p.valid_to IS NULL "
        f"WHERE d.valid_to IS NULL {where} ORDER BY d.area_code, {_ORDER}, d.person_key"
    )
    return [_entry(row) for row in conn.execute(query, params)]


def _entry(row: Row) -> RosterEntry:
    return RosterEntry(
        duty_id=row.duty_id,
        person_key=row.person_key,
        name=row.name,
        phone=mask_phone(row.phone),
        login=row.login,
        unit=row.unit,
        party_member=row.party_member,
        duty=row.duty,
        duty_zh=DUTIES[row.duty],
        area_code=row.area_code,
        department=row.department,
        since=row.valid_from,
    )


def area_states(conn: Connection, *, codes: Sequence[str]) -> dict[str, bool]:
    """For each code stored in ``areas``: whether it has a current version (False: retired)."""
    query = text(
        "SELECT code, bool_or(valid_to IS NULL) AS current FROM areas "
        "WHERE code = ANY(:codes) GROUP BY code"
    )
    return {row.code: bool(row.current) for row in conn.execute(query, {"codes": list(codes)})}


def insert_person(conn: Connection, *, person: PersonIn, key: int | None = None) -> Person:
    """Store a version of a person: of the person ``key``, or of a new one (its key its id).

    The person's current version, if any, must be retired first (one current version each).
    """
    params = {
        "key": key,
        "name": person.name,
        "phone": person.phone,
        "login": person.login,
        "unit": person.unit,
        "party": bool(person.party_member),
    }
    return _person(conn.execute(_INSERT_PERSON, params).one())


def retire_person(conn: Connection, *, key: int) -> bool:
    """Retire the current version of a person; whether there was one."""
    query = text("UPDATE people SET valid_to = now() WHERE person_key = :key AND valid_to IS NULL")
    return conn.execute(query, {"key": key}).rowcount > 0


def insert_duty(
    conn: Connection, *, person_key: int, duty: str, area_code: str, department: str | None
) -> Duty:
    """Store a current duty of a person on an area."""
    params = {"key": person_key, "duty": duty, "area": area_code, "department": department}
    return _duty(conn.execute(_INSERT_DUTY, params).one())


def retire_duty(conn: Connection, *, duty_id: int) -> bool:
    """Retire a current duty; whether it was current."""
    query = text("UPDATE duties SET valid_to = now() WHERE id = :id AND valid_to IS NULL")
    return conn.execute(query, {"id": duty_id}).rowcount > 0


def on_duty(conn: Connection, *, area_code: str, duties: Sequence[str]) -> list[OnDuty]:
    """The current people holding one of ``duties`` on exactly the area ``area_code``.

    In the order of ``duties`` (``("full_time", "grid_leader")``: the full-time workers
    first), then by ``person_key``.
    """
    query = text(
        f"{_ON_DUTY} AND d.area_code = :area AND d.duty = ANY(CAST(:order AS text[])) "
        f"ORDER BY {_ORDER}, p.person_key"
    )
    rows = conn.execute(query, {"area": area_code, "order": list(duties)})
    return [_on_duty(row) for row in rows]


def person_by_key(conn: Connection, person_key: int) -> list[OnDuty]:
    """The current duties of the person ``person_key`` ([] when none, or no such person)."""
    query = text(f"{_ON_DUTY} AND p.person_key = :key ORDER BY d.id")
    return [_on_duty(row) for row in conn.execute(query, {"key": person_key})]


def person_by_login(conn: Connection, login: str) -> list[OnDuty]:
    """The current duties of the current person with this login (any case; [] when none)."""
    query = text(f"{_ON_DUTY} AND lower(p.login) = lower(:login) ORDER BY d.id")
    return [_on_duty(row) for row in conn.execute(query, {"login": login})]


def current_person(conn: Connection, *, key: int) -> Person | None:
    """The current version of the person ``key`` (None when there is none)."""
    query = text(f"SELECT {_PERSON} FROM people WHERE person_key = :key AND valid_to IS NULL")
    row = conn.execute(query, {"key": key}).first()
    return _person(row) if row is not None else None


def staff_of(
    conn: Connection, *, area_codes: Sequence[str], duties: Sequence[str]
) -> dict[str, list[OnDuty]]:
    """The current people holding one of ``duties`` on each of ``area_codes``, in one query.

    Every code is a key (``[]`` when nobody holds such a duty there); each list is in the
    order of ``duties``, then by ``person_key``, like `on_duty`.
    """
    query = text(
        f"{_ON_DUTY} AND d.area_code = ANY(:areas) AND d.duty = ANY(CAST(:order AS text[])) "
        f"ORDER BY d.area_code, {_ORDER}, p.person_key"
    )
    staff: dict[str, list[OnDuty]] = {code: [] for code in area_codes}
    for row in conn.execute(query, {"areas": list(area_codes), "order": list(duties)}):
        staff.setdefault(row.area_code, []).append(_on_duty(row))
    return staff
